/**
 * The in-memory sample's estimate of a text query's matches: words (a typo's fixes by their stems),
 * label tokens, price and specification filters counted together, as the SQL conditions test them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ListingFilters } from "../../indexer/src/api/schemas/listings.js";
import { buildMatchSample, type SampleRow } from "../../indexer/src/api/queries/search-sample.js";
import { sampledFacets } from "../../indexer/src/api/queries/facets.js";
import { MIN_RANK_POOL, RANK_POOL, rankPool } from "../../indexer/src/api/queries/relevance.js";
import { buildTextQuery, buildVocabulary } from "../../indexer/src/api/queries/search-text.js";

const rows: SampleRow[] = [
  { lexemes: ["gpu", "~c:gpu", "~l:eu-west (frankfurt, de)"], price: 1, active: true, specifications: { gpu_memory_gb: 80, gpu: "A100" } },
  { lexemes: ["gpu", "~c:gpu", "~l:eu-west (frankfurt, de)"], price: 2, active: true, specifications: { gpu_memory_gb: 24, gpu: "RTX 4090" } },
  { lexemes: ["gpu", "~c:gpu", "~l:us-east (ashburn, va)"], price: 3, active: true, specifications: { gpu_memory_gb: "lots" } },
  { lexemes: ["storag", "~c:storage", "~l:eu-west (frankfurt, de)"], price: 4, active: true, specifications: null },
];
const sample = buildMatchSample(rows, 400);
const gpu = { term: "gpu", prefix: false };
const filters = (f: Partial<ListingFilters>): ListingFilters => ({ specs: [], ...f });

describe("match sample", () => {
  it("counts specification filters: numbers against numbers, text equal to text", () => {
    assert.equal(sample.estimate(gpu, filters({})).matches, 300);
    assert.equal(sample.estimate(gpu, filters({ specs: [{ key: "gpu_memory_gb", op: ">=", value: 48 }] })).matches, 100);
    // A text value never passes a numeric bound.
    assert.equal(sample.estimate(gpu, filters({ specs: [{ key: "gpu_memory_gb", op: "<", value: 100 }] })).matches, 200);
    assert.equal(sample.estimate(gpu, filters({ specs: [{ key: "gpu", op: "=", value: "RTX 4090" }] })).matches, 100);
    assert.equal(sample.estimate(gpu, filters({ specs: [{ key: "gpu_memory_gb", op: "=", value: 24 }, { key: "gpu", op: "=", value: "A100" }] })).matches, 0);
  });

  it("combines them with the label tokens and the price range", () => {
    const f = filters({ location: "eu-west", priceMin: 2n, specs: [{ key: "gpu_memory_gb", op: "<=", value: 80 }] });
    assert.deepEqual(sample.estimate(gpu, f), { matches: 100, density: 0.25, listings: 400, priceShare: 0.75, categoryPriceShare: 0.75 });
  });

  it("knows the share of a category's price range, which that category's price index walks", () => {
    const estimate = sample.estimate(gpu, filters({ categories: ["GPU"], priceMin: 2n }));
    assert.equal(estimate.priceShare, 0.75);
    assert.equal(estimate.categoryPriceShare, 0.5);
  });

  it("spells a frequent prefix out as tsquery lexemes (not re-stemmed) and a rare one as a prefix for to_tsquery", () => {
    const indexed = [
      { word: "fine", listings: 40 },
      { word: "fine-tun", listings: 40 },
      { word: "tune", listings: 40 },
      { word: "lora", listings: 1 },
    ];
    const vocabulary = buildVocabulary(["fine", "fine-tun", "tune", "lora"], indexed, 1000);
    const text = buildTextQuery(["fine", "tuning", "lora"], new Map([["fine", "fine"], ["tuning", "tune"], ["lora", "lora"]]), vocabulary);
    assert.equal(text?.lexemes, "('fine' | 'fine-tun') & 'tune'");
    assert.equal(text?.parsed, "'lora':*");
    assert.equal(text?.tsquery, "('fine' | 'fine-tun') & 'tune' & 'lora':*");
  });

  it("matches a number whole, with or without a vocabulary", () => {
    for (const vocabulary of [undefined, buildVocabulary(["rtx", "4090", "40901"], [{ word: "rtx", listings: 40 }], 1000)]) {
      const text = buildTextQuery(["rtx", "4090"], new Map([["rtx", "rtx"], ["4090", "4090"]]), vocabulary);
      assert.match(text?.lexemes ?? "", /(^| & )'4090'$/);
      assert.match(text?.tsquery ?? "", /'4090'$/);
    }
  });

  it("counts a typo's fix by the stem the index holds, not the word as written", () => {
    const indexed = [{ word: "infer", listings: 2, stable: true }];
    const vocabulary = buildVocabulary(["inference", "infer", "gpu"], indexed, 4, new Map<string, string>([["inference", "infer"]]));
    vocabulary.sample = buildMatchSample(
      [
        { lexemes: ["infer", "~c:ai-service"], price: 1, active: true },
        { lexemes: ["infer", "~c:ai-service"], price: 1, active: true },
        { lexemes: ["gpu", "~c:gpu"], price: 1, active: true },
        { lexemes: ["gpu", "~c:gpu"], price: 1, active: true },
      ],
      4,
    );
    const text = buildTextQuery(["infrence"], new Map<string, string>([["infrence", "infrenc"]]), vocabulary);
    assert.match(text?.tsquery ?? "", /'inference'/);
    assert.ok(text?.tree && text.sample);
    assert.equal(text.sample.estimate(text.tree, filters({})).matches, 2);
  });
});

describe("ranking pool", () => {
  const estimate = (density: number) => ({ matches: Math.round(density * 1_000_000), density, listings: 1_000_000, priceShare: 1, categoryPriceShare: 1 });

  it("ranks RANK_POOL matches when they are dense or their density unknown", () => {
    assert.equal(rankPool(estimate(0.15)), RANK_POOL);
    assert.equal(rankPool(undefined), RANK_POOL);
  });

  it("shrinks the pool of sparse matches so that collecting it stays short, never under MIN_RANK_POOL", () => {
    const middling = rankPool(estimate(0.03));
    assert.ok(middling > MIN_RANK_POOL && middling < RANK_POOL, String(middling));
    assert.ok(middling / 0.03 <= 10_000 + 1 / 0.03, "rows walked for the pool");
    assert.equal(rankPool(estimate(1 / 130)), MIN_RANK_POOL);
  });
});

describe("facets of a large match set", () => {
  const unit = 10 ** 18;
  const labelled: SampleRow[] = [
    { lexemes: ["gpu", "~c:gpu", "~l:eu-west (frankfurt, de)"], price: 0.5 * unit, active: true, labels: { category: "gpu", resource_type: "compute", location: "eu-west (Frankfurt, DE)" } },
    { lexemes: ["gpu", "~c:gpu", "~l:us-east (ashburn, va)"], price: 1.5 * unit, active: true, labels: { category: "gpu", resource_type: "compute", location: "us-east (Ashburn, VA)" } },
    { lexemes: ["gpu", "~c:ai-service", "~l:us-east (ashburn, va)"], price: 25 * unit, active: true, labels: { category: "ai-service", resource_type: "api", location: "us-east (Ashburn, VA)" } },
    { lexemes: ["storag", "~c:storage", "~l:eu-west (frankfurt, de)"], price: 4 * unit, active: true, labels: { category: "storage", resource_type: "storage", location: "eu-west (Frankfurt, DE)" } },
  ];
  const text = { tsquery: "'gpu'", tree: gpu, sample: buildMatchSample(labelled, 4000) };
  const counts = (rows: { dim: string; value: string | null; n: number }[] | undefined, dim: string) =>
    Object.fromEntries((rows ?? []).filter((r) => r.dim === dim).map((r) => [r.value, r.n]));

  it("counts the sampled matches per value, scaled to the listings they stand for, labels as stored", () => {
    const rows = sampledFacets(text, filters({}), ["category", "location", "price"]);
    assert.deepEqual(counts(rows, "category"), { gpu: 2000, "ai-service": 1000 });
    assert.deepEqual(counts(rows, "location"), { "eu-west (Frankfurt, DE)": 1000, "us-east (Ashburn, VA)": 2000 });
    assert.deepEqual(counts(rows, "price"), { lt_1: 1000, "1_2": 1000, gte_20: 1000 });
  });

  it("applies the other filters, and gives up when the sample holds no match", () => {
    assert.deepEqual(counts(sampledFacets(text, filters({ location: "US-East" }), ["category"]), "category"), { gpu: 1000, "ai-service": 1000 });
    assert.equal(sampledFacets(text, filters({ categories: ["cpu"] }), ["category"]), undefined);
    assert.equal(sampledFacets({ tsquery: "'gpu'" }, filters({}), ["category"]), undefined);
  });
});
