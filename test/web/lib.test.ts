/**
 * The web app's plain logic, without a browser: amounts, search state, listing validation as the
 * contract does it, bulk files, rental actions, error words.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeErrorResult, getAddress, parseUnits, UserRejectedRequestError, ContractFunctionExecutionError, ContractFunctionRevertedError } from "viem";
import { marketplaceAbi } from "../../generated/abis.js";
import type { Rental } from "../../web/src/api/types.js";
import { batchesOf, BulkFileError, parseBulkFile } from "../../web/src/lib/bulk.js";
import { parseCsv } from "../../web/src/lib/csv.js";
import { decodeRevert, describeError } from "../../web/src/lib/errors.js";
import { formatAmount, parseAmount } from "../../web/src/lib/format.js";
import { emptyListingForm, MAX_METADATA_BYTES, metadataOf, validateListing } from "../../web/src/lib/listing-form.js";
import { combineProviderSeries } from "../../web/src/lib/provider-series.js";
import { availableActions } from "../../web/src/lib/rental.js";
import { searchBody, searchFromParams, searchToParams } from "../../web/src/lib/search-state.js";

const TOKEN = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const NOW = 2_000_000_000;

describe("amounts", () => {
  test("format cuts, never rounds up, and groups thousands", () => {
    assert.equal(formatAmount(parseUnits("1234.56789", 18)), "1,234.5678");
    assert.equal(formatAmount(parseUnits("0.99999", 18), { maxDecimals: 2 }), "0.99");
    assert.equal(formatAmount(0n), "0");
    assert.equal(formatAmount(1n), "< 0.0001");
  });
  test("parse is exact and refuses what is not a plain decimal", () => {
    assert.equal(parseAmount("2.5"), 2_500_000_000_000_000_000n);
    assert.equal(parseAmount("1,000"), parseUnits("1000", 18));
    assert.equal(parseAmount("0.000000000000000001"), 1n);
    assert.equal(parseAmount("0.0000000000000000001"), undefined, "19 decimals");
    for (const bad of ["", "-1", "1e3", "abc", "1.2.3"]) assert.equal(parseAmount(bad), undefined, bad);
  });
});

describe("search state", () => {
  test("the URL round-trips and becomes the API's search body", () => {
    const params = new URLSearchParams("q=a100&category=gpu,inference_api&min=1.5&max=10&rating=4&spec=gpu_memory_gb>=40&spec=gpu=A100&sort=price_asc");
    const state = searchFromParams(params);
    assert.deepEqual(state.categories, ["gpu", "inference_api"]);
    assert.equal(searchToParams(state).toString(), searchToParams(searchFromParams(searchToParams(state))).toString());
    const body = searchBody(state);
    assert.equal(body.query, "a100");
    assert.equal(body.sort, "price_asc");
    assert.deepEqual(body.filters, {
      category: ["gpu", "inference_api"],
      price_min: "1500000000000000000",
      price_max: "10000000000000000000",
      min_rating: 4,
      specs: { gpu_memory_gb: { gte: 40 }, gpu: "A100" },
    });
  });
  test("nonsense in the URL falls back to defaults", () => {
    const state = searchFromParams(new URLSearchParams("sort=drop_table&rating=99&spec=not a spec"));
    assert.equal(state.sort, "relevance");
    assert.equal(state.minRating, 0);
    assert.deepEqual(state.specs, []);
  });
});

describe("listing validation matches the contract", () => {
  const good = { ...emptyListingForm, title: "RTX 4090", price: "0.9", capacity: "2", specs: [{ key: "gpu_memory_gb", value: "24" }] };

  test("a good form becomes the contract's parameters", () => {
    const result = validateListing(good, TOKEN, NOW);
    assert.ok(result.ok);
    assert.equal(result.params.pricePerHour, parseUnits("0.9", 18));
    assert.equal(result.params.capacity, 2);
    assert.equal(result.params.availableUntil, 0);
    assert.deepEqual(JSON.parse(result.params.metadata).specifications, { gpu_memory_gb: 24 });
  });

  const cases: [string, Partial<typeof good>, string][] = [
    ["zero price (Marketplace_ZeroPrice)", { price: "0" }, "price"],
    ["price above uint96", { price: "100000000000" }, "price"],
    ["zero capacity (Marketplace_ZeroCapacity)", { capacity: "0" }, "capacity"],
    ["capacity above uint16", { capacity: "65536" }, "capacity"],
    ["window ending before it starts (Marketplace_InvalidAvailability)", { availableFrom: String(NOW + 100), availableUntil: String(NOW + 50) }, "availableUntil"],
    ["window already over (Marketplace_InvalidAvailability)", { availableUntil: String(NOW - 1) }, "availableUntil"],
    ["no title (the index shows nothing without one)", { title: " " }, "title"],
    ["metadata over 4096 bytes (Marketplace_InvalidMetadataLength)", { description: "é".repeat(2100) }, "metadata"],
    ["a bad specification name", { specs: [{ key: "GPU Memory", value: "1" }] }, "specs"],
  ];
  for (const [name, change, field] of cases) {
    test(`refuses ${name}`, () => {
      const result = validateListing({ ...good, ...change }, TOKEN, NOW);
      assert.ok(!result.ok, "should be refused");
      assert.ok(field in result.errors, `error on ${field}: ${JSON.stringify(result.errors)}`);
    });
  }
  test("the byte limit is counted in UTF-8, as the contract counts it", () => {
    const form = { ...good, description: "" };
    const base = new TextEncoder().encode(metadataOf(form)).length;
    const fits = { ...form, description: "é".repeat(Math.floor((MAX_METADATA_BYTES - base) / 2)) };
    assert.ok(validateListing(fits, TOKEN, NOW).ok);
    assert.ok(!validateListing({ ...fits, description: `${fits.description}éé` }, TOKEN, NOW).ok);
  });
});

describe("bulk files", () => {
  test("CSV with quoted commas; unknown columns become specifications; bad rows are reported, not sent", () => {
    const csv = 'title,category,price_per_hour,capacity,gpu,gpu_memory_gb\r\n"A100, 80GB",gpu,2.5,2,A100,80\r\n"",gpu,1,1,,\r\nH100,gpu,0,1,H100,80\r\n';
    const rows = parseBulkFile("listings.csv", csv, TOKEN, NOW);
    assert.equal(rows.length, 3);
    assert.ok(rows[0]!.result.ok);
    assert.equal(rows[0]!.form.title, "A100, 80GB");
    assert.deepEqual(JSON.parse((rows[0]!.result as { ok: true; params: { metadata: string } }).params.metadata).specifications, { gpu: "A100", gpu_memory_gb: 80 });
    assert.ok(!rows[1]!.result.ok && "title" in rows[1]!.result.errors);
    assert.ok(!rows[2]!.result.ok && "price" in rows[2]!.result.errors);
    assert.deepEqual(rows.map((r) => r.line), [2, 3, 4]);
  });
  test("JSON arrays, batches of at most 50, and files that are not listings", () => {
    const items = Array.from({ length: 120 }, (_, i) => ({ title: `Box ${i}`, category: "cpu", price_per_hour: "1", specifications: { vcpus: 8 } }));
    const rows = parseBulkFile("l.json", JSON.stringify(items), TOKEN, NOW);
    assert.deepEqual(batchesOf(rows).map((b) => b.length), [50, 50, 20]);
    assert.throws(() => parseBulkFile("l.json", "{}", TOKEN, NOW), BulkFileError);
    assert.throws(() => parseBulkFile("l.csv", "price\n1\n", TOKEN, NOW), /no title column/);
  });
  test("CSV parsing keeps quotes, doubled quotes and line breaks inside fields", () => {
    assert.deepEqual(parseCsv('a,"b ""q"", c","multi\nline"\n1,2,3'), [
      ["a", 'b "q", c', "multi\nline"],
      ["1", "2", "3"],
    ]);
  });
});

describe("rental actions", () => {
  const consumer = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  const provider = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  const rental = (status: Rental["status"], extra: Partial<Rental> = {}) =>
    ({ id: "1", consumer, provider, status, endsAt: null, rating: null, requested: { block: 1, time: new Date(NOW * 1000).toISOString(), txHash: "0x" }, ...extra }) as Rental;
  const ctx = { now: NOW + 60, acceptanceTimeout: 1800, rated: false };

  test("each side gets the steps the contract allows it", () => {
    assert.deepEqual(availableActions(rental("requested"), provider, ctx), ["accept", "reject"]);
    assert.deepEqual(availableActions(rental("requested"), consumer, ctx), ["cancel"]);
    assert.deepEqual(availableActions(rental("requested"), consumer, { ...ctx, now: NOW + 1801 }), ["cancel", "refundExpired"]);
    const running = rental("active", { endsAt: new Date((NOW + 3600) * 1000).toISOString() });
    assert.deepEqual(availableActions(running, provider, ctx), ["release", "dispute"]);
    assert.deepEqual(availableActions(running, consumer, ctx), ["terminate", "dispute"]);
    assert.deepEqual(availableActions(running, consumer, { ...ctx, now: NOW + 3600 }), ["settle"]);
    assert.deepEqual(availableActions(rental("completed"), consumer, ctx), ["rate"]);
    assert.deepEqual(availableActions(rental("completed", { rating: 4 }), consumer, { ...ctx, rated: true }), []);
    assert.deepEqual(availableActions(rental("completed"), provider, ctx), []);
    assert.deepEqual(availableActions(running, getAddress("0x0000000000000000000000000000000000000001"), ctx), []);
  });
});

describe("errors in words", () => {
  test("a custom error is decoded with its arguments", () => {
    const data = encodeErrorResult({ abi: marketplaceAbi, errorName: "Marketplace_PriceAboveMax", args: [7n, parseUnits("3", 18), parseUnits("2.5", 18)] });
    assert.deepEqual(decodeRevert(data)?.errorName, "Marketplace_PriceAboveMax");
    const error = new ContractFunctionExecutionError(new ContractFunctionRevertedError({ abi: marketplaceAbi, data, functionName: "rent" }), {
      abi: marketplaceAbi,
      functionName: "rent",
      args: [7n, 3, parseUnits("2.5", 18)],
    });
    const described = describeError(error);
    assert.equal(described.errorName, "Marketplace_PriceAboveMax");
    assert.equal(described.message, "The price of listing #7 is now 3 FTNS per hour, above your maximum of 2.5 FTNS. Nothing was charged; check the new price and try again.");
  });
  test("a declined request is not a failure of the app", () => {
    const described = describeError(new UserRejectedRequestError(new Error("User rejected the request.")));
    assert.equal(described.rejected, true);
    assert.match(described.message, /declined/);
  });
  test("raw revert data anywhere in the cause chain is decoded", () => {
    const data = encodeErrorResult({ abi: marketplaceAbi, errorName: "Marketplace_CapacityFull", args: [3n, 1n] });
    const described = describeError({ message: "execution reverted", cause: { code: 3, data } });
    assert.equal(described.message, "Listing #3 is fully booked (1 concurrent rental). Try again later.");
  });
});

describe("provider charts", () => {
  test("earnings add up per day; utilisation is hours over all capacity", () => {
    const amount = (n: string) => ({ amount: parseUnits(n, 18).toString(), token: TOKEN, symbol: "FTNS", decimals: 18, formatted: n });
    const point = (bucket: string, hours: number, revenue: string) => ({ bucket, rentalsRequested: 1, rentalsStarted: 1, hoursBooked: hours, utilisation: 0, volume: amount("0"), revenue: amount(revenue), fees: amount("0"), rating: null });
    const listing = (capacity: number, series: ReturnType<typeof point>[]) =>
      ({ listingId: "1", aggregation: "daily", from: "", to: "", capacity, totals: {} as never, series }) as never;
    const points = combineProviderSeries([listing(1, [point("2026-01-02", 12, "1.5")]), listing(2, [point("2026-01-01", 6, "1"), point("2026-01-02", 6, "0.5")])], "daily");
    assert.deepEqual(
      points.map((p) => [p.bucket, p.earnings, p.hoursBooked, p.utilisation]),
      [
        ["2026-01-01", parseUnits("1", 18), 6, 6 / 72],
        ["2026-01-02", parseUnits("2", 18), 18, 18 / 72],
      ],
    );
  });
});
