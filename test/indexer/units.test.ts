/**
 * The small pure pieces: error classification, Retry-After, backoff, the range planner, cutting a
 * range into batches, the ABI-driven decoder (checked against viem's own encoder), the state cache, and
 * cutting a table's rows into bounded write statements.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { encodeAbiParameters, encodeEventTopics, getAddress, HttpRequestError, RpcRequestError, TimeoutError, type Hex } from "viem";

import { marketplaceAbi } from "../../generated/abis.js";
import { decodeLog, RangeTooLargeError, RpcResponseError, RpcUnavailableError, type DecodedEvent, type RawLog } from "../../indexer/src/index.js";
import { indexedTable } from "../../indexer/src/db/deferred-indexes.js";
import { createStateCache } from "../../indexer/src/db/state-cache.js";
import { rowsJsonChunks } from "../../indexer/src/db/state-store.js";
import type { ListingRow } from "../../indexer/src/handlers/rows.js";
import { continues, mergeChunks, splitChunk, type Chunk } from "../../indexer/src/sync/fetch-chunk.js";
import { heapHasRoom, READ_AHEAD_HEAP_SHARE } from "../../indexer/src/sync/heap-room.js";
import { createRangePlanner } from "../../indexer/src/sync/range-planner.js";
import { backoffDelay, withRetry } from "../../indexer/src/sync/retry.js";
import { classifyRpcError, parseRetryAfter } from "../../indexer/src/sync/rpc.js";

describe("classifyRpcError", () => {
  const body = { method: "eth_getLogs" };
  it("asks for a smaller range on the messages providers use", () => {
    for (const message of [
      "exceed maximum block range: 2000",
      "query returned more than 10000 results",
      "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
      "block range is too wide",
    ]) {
      const error = new RpcRequestError({ body, error: { code: -32000, message }, url: "http://x" });
      assert.ok(classifyRpcError(error, "eth_getLogs") instanceof RangeTooLargeError, message);
    }
  });
  it("treats a rate limit as a wait, with the server's Retry-After", () => {
    const error = new HttpRequestError({ body, status: 429, url: "http://x", headers: new Headers({ "retry-after": "3" }) });
    const classified = classifyRpcError(error, "eth_getLogs");
    assert.ok(classified instanceof RpcUnavailableError);
    assert.equal(classified.retryAfterMs, 3000);
  });
  it("splits a getLogs that timed out, but only waits for other calls", () => {
    const timeout = new TimeoutError({ body, url: "http://x" });
    assert.ok(classifyRpcError(timeout, "eth_getLogs") instanceof RangeTooLargeError);
    assert.ok(classifyRpcError(timeout, "eth_blockNumber") instanceof RpcUnavailableError);
  });
  it("retries 5xx and dropped connections, and reports other JSON-RPC errors as such", () => {
    assert.ok(classifyRpcError(new HttpRequestError({ body, status: 503, url: "http://x" }), "eth_call") instanceof RpcUnavailableError);
    assert.ok(classifyRpcError(new HttpRequestError({ body, url: "http://x", cause: new Error("socket hang up") }), "eth_call") instanceof RpcUnavailableError);
    const invalid = new RpcRequestError({ body, error: { code: -32602, message: "invalid argument 0: hex string without 0x prefix" }, url: "http://x" });
    assert.ok(classifyRpcError(invalid, "eth_getLogs") instanceof RpcResponseError);
  });
  it("reads Retry-After as seconds or as a date", () => {
    assert.equal(parseRetryAfter("2"), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter("soon"), undefined);
  });
});

describe("retry", () => {
  it("backs off exponentially with jitter, capped", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5 };
    assert.equal(backoffDelay(policy, 1, () => 0), 50);
    assert.equal(backoffDelay(policy, 1, () => 1), 100);
    assert.equal(backoffDelay(policy, 3, () => 1), 400);
    assert.equal(backoffDelay(policy, 10, () => 1), 1000);
  });
  it("gives up on a persistent non-transient error, keeps going on transient ones", async () => {
    const policy = { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 };
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw new RpcResponseError("nope");
      }, { policy }),
      /gave up after 3 attempts/,
    );
    assert.equal(calls, 3);
    calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 6) throw new RpcUnavailableError("down");
        return "up";
      },
      { policy, isTransient: (e) => e instanceof RpcUnavailableError },
    );
    assert.equal(value, "up");
  });
});

describe("range planner", () => {
  it("grows on small answers, halves on refusals, and shrinks on answers far above the target", () => {
    const planner = createRangePlanner({ initialBlocks: 100, maxBlocks: 10_000, targetLogs: 1000 });
    planner.succeeded(100, 0);
    assert.equal(planner.size(), 400);
    planner.tooLarge(400);
    assert.equal(planner.size(), 200);
    planner.succeeded(200, 10);
    assert.ok(planner.size() <= 200, "does not grow past a refused size right away");
    planner.succeeded(200, 5000);
    assert.equal(planner.size(), 100);
  });
});

describe("splitChunk", () => {
  // Batches are cut from decoded events (chain-sync.ts decodes a range as it arrives).
  const log = (block: number, index: number): DecodedEvent => ({
    name: "ListingCreated",
    args: {},
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, "0")}`,
    blockTime: 1000 + block,
    logIndex: index,
    txHash: `0x${(block * 100 + index).toString(16).padStart(64, "0")}`,
    txIndex: 0,
  });
  it("cuts at block boundaries, chains the hashes, and ends the last part at the range end", () => {
    const logs = [log(10, 0), log(10, 1), log(11, 0), log(11, 1), log(11, 2), log(13, 0)];
    const chunk: Chunk<DecodedEvent> = {
      fromBlock: 5,
      toBlock: 20,
      logs,
      prevHash: "0xprev",
      toHeader: { number: 20, hash: "0xend", parentHash: "0x", timestamp: 2000 },
      hashes: [{ number: 20, hash: "0xend", parentHash: "0x", timestamp: 2000 }],
      dense: false,
    };
    const parts = splitChunk(chunk, 3);
    assert.deepEqual(parts.map((p) => [p.fromBlock, p.toBlock, p.logs.length]), [[5, 11, 5], [12, 20, 1]]);
    assert.equal(parts[0]?.prevHash, "0xprev");
    assert.deepEqual(parts[0]?.toHeader, { number: 11, hash: logs[2]?.blockHash, parentHash: "", timestamp: 1011 }, "a cut ends at its last event's block");
    assert.equal(parts[1]?.prevHash, logs[2]?.blockHash);
    assert.equal(parts[1]?.toHeader.hash, "0xend");
    assert.equal(splitChunk(chunk, 10).length, 1);
  });
});

describe("mergeChunks", () => {
  const header = (n: number, parentHash = `0xh${n - 1}`) => ({ number: n, hash: `0xh${n}`, parentHash, timestamp: 1000 + n });
  const chunk = (from: number, to: number, dense: boolean, prevHash = `0xh${from - 1}`): Chunk => ({
    fromBlock: from,
    toBlock: to,
    logs: [{ address: "0x1", topics: [], data: "0x", blockNumber: to, blockHash: `0xh${to}`, transactionHash: `0xt${to}`, transactionIndex: 0, logIndex: 0, blockTimestamp: 1000 + to }],
    prevHash,
    toHeader: header(to),
    hashes: dense ? Array.from({ length: to - from + 1 }, (_, i) => header(from + i)) : [header(to)],
    dense,
  });
  it("joins consecutive ranges into one batch: first range's parent, last range's end, every log in order", () => {
    const merged = mergeChunks([chunk(5, 9, false), chunk(10, 12, false), chunk(13, 20, false)]);
    assert.deepEqual([merged.fromBlock, merged.toBlock, merged.prevHash, merged.toHeader.hash], [5, 20, "0xh4", "0xh20"]);
    assert.deepEqual(merged.logs.map((l) => l.blockNumber), [9, 12, 20]);
    assert.deepEqual(merged.hashes.map((h) => h.number), [20], "a sparse batch keeps its last hash only");
    assert.deepEqual(mergeChunks([chunk(5, 6, true), chunk(7, 8, true)]).hashes.map((h) => h.number), [5, 6, 7, 8]);
  });
  it("refuses what does not continue: a gap, a change of density, or a parent that is not the block before", () => {
    assert.equal(continues(chunk(5, 9, false), chunk(10, 12, false)), true);
    assert.equal(continues(chunk(5, 9, false), chunk(11, 12, false)), false);
    assert.equal(continues(chunk(5, 9, false), chunk(10, 12, true)), false);
    // The chain reorganised between the two fetches: they must commit apart, so the second is checked against the checkpoint.
    assert.equal(continues(chunk(5, 9, false), chunk(10, 12, false, "0xother")), false);
    assert.throws(() => mergeChunks([chunk(5, 9, false), chunk(10, 12, false, "0xother")]), /does not continue/);
  });
});

describe("decodeLog", () => {
  const raw = (eventName: string, args: Record<string, unknown>): RawLog => {
    const event = marketplaceAbi.find((item) => item.type === "event" && item.name === eventName) as (typeof marketplaceAbi)[number] & {
      inputs: readonly { name: string; type: string; indexed?: boolean }[];
    };
    const topics = encodeEventTopics({ abi: marketplaceAbi, eventName, args } as never) as string[];
    const dataInputs = event.inputs.filter((i) => !i.indexed);
    const data = encodeAbiParameters(dataInputs as never, dataInputs.map((i) => args[i.name]) as never) as Hex;
    return { address: "0x1", topics, data, blockNumber: 1, blockHash: "0xb", transactionHash: "0xt", transactionIndex: 0, logIndex: 0 };
  };
  it("decodes every field the way viem types them: narrow ints as numbers, wide as bigint, addresses lowercase", () => {
    const args = {
      listingId: 7n,
      provider: getAddress("0xabcdef0000000000000000000000000000000001"),
      token: getAddress("0x00000000000000000000000000000000000000ff"),
      pricePerHour: 2n ** 95n + 3n,
      availableFrom: 1_700_000_000,
      availableUntil: 0,
      capacity: 65535,
      metadata: '{"title":"ünïcödé 🚀"}',
    };
    const event = decodeLog(raw("ListingCreated", args), 123);
    assert.equal(event.name, "ListingCreated");
    assert.deepEqual(event.args, { ...args, provider: args.provider.toLowerCase(), token: args.token.toLowerCase() });
    assert.equal(event.blockTime, 123);
    assert.deepEqual(event.rawBytes?.metadata, Buffer.from(args.metadata));
  });
  it("keeps a log it cannot decode as Unknown instead of throwing", () => {
    const log = raw("RentalAccepted", { rentalId: 1n, startedAt: 1, endsAt: 2 });
    assert.equal(decodeLog({ ...log, data: "0x1234" }, 0).name, "Unknown");
    assert.equal(decodeLog({ ...log, topics: ["0x" + "ab".repeat(32)] }, 0).name, "Unknown");
    assert.equal(decodeLog({ ...log, topics: [] }, 0).name, "Unknown");
  });
});

describe("state cache", () => {
  const listing = (id: number) => ({ listing_id: id, rental_count: 0 }) as unknown as ListingRow;

  it("hands out copies, so a batch that changes a row and then fails leaves the cached row as committed", () => {
    const cache = createStateCache(10);
    cache.listings.put(1, listing(1));
    const taken = cache.listings.take(1) as ListingRow;
    taken.rental_count = 5;
    assert.equal(cache.listings.take(1)?.rental_count, 0);
  });

  it("forgets the least recently used rows beyond its bound", () => {
    const cache = createStateCache(2);
    cache.listings.put(1, listing(1));
    cache.listings.put(2, listing(2));
    cache.listings.take(1); // 1 is now the most recent
    cache.listings.put(3, listing(3));
    assert.equal(cache.listings.size, 2);
    assert.ok(cache.listings.take(1));
    assert.equal(cache.listings.take(2), undefined);
    assert.ok(cache.listings.take(3));
  });

  it("holds nothing with a bound of 0, and nothing after clear", () => {
    const off = createStateCache(0);
    off.listings.put(1, listing(1));
    assert.equal(off.listings.take(1), undefined);
    const cache = createStateCache(5);
    cache.listings.put(1, listing(1));
    cache.settings = null;
    cache.clear();
    assert.equal(cache.listings.take(1), undefined);
    assert.equal(cache.settings, undefined);
  });
});

describe("rowsJsonChunks", () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, amount: 10n ** 30n + BigInt(i), note: i % 3 === 0 ? null : "x".repeat(i) }));

  it("keeps every row, in order, with bigints as decimal strings and nulls left out", () => {
    const [only] = rowsJsonChunks(rows);
    const parsed = JSON.parse(only as string) as Record<string, unknown>[];
    assert.equal(parsed.length, 50);
    assert.deepEqual(parsed[3], { id: 3, amount: (10n ** 30n + 3n).toString() });
    assert.deepEqual(parsed[4], { id: 4, amount: (10n ** 30n + 4n).toString(), note: "xxxx" });
  });

  it("cuts long arrays into chunks no longer than the bound, except a single row that is longer", () => {
    const chunks = rowsJsonChunks(rows, 300);
    assert.ok(chunks.length > 5);
    const parsed = chunks.map((c) => JSON.parse(c) as { id: number }[]);
    assert.deepEqual(parsed.flat().map((r) => r.id), rows.map((r) => r.id));
    for (const [i, chunk] of chunks.entries()) assert.ok(chunk.length <= 300 || parsed[i]?.length === 1, `chunk ${i}: ${chunk.length}`);
    assert.deepEqual(rowsJsonChunks([]), []);
  });
});

describe("indexedTable", () => {
  it("reads the table of a definition as pg_indexes writes it", () => {
    assert.equal(indexedTable("CREATE INDEX raw_events_block_idx ON bench_1.raw_events USING btree (chain_id, block_number)"), "raw_events");
    assert.equal(indexedTable("CREATE INDEX x ON ONLY public.rentals USING btree (consumer)"), "rentals");
    assert.equal(indexedTable('CREATE INDEX "Odd idx" ON "My Schema"."api_listing_search" USING gin (search_vector)'), "api_listing_search");
    assert.equal(indexedTable("CREATE INDEX y ON listings USING btree (price_per_hour)"), "listings");
    assert.throws(() => indexedTable("CREATE INDEX z"), /cannot read the table/);
  });
});

describe("heapHasRoom", () => {
  it("allows reading ahead below the share of the heap limit, not at or past it", () => {
    const limit = 304 * 1048576;
    assert.equal(heapHasRoom({ used_heap_size: 50 * 1048576, heap_size_limit: limit }), true);
    assert.equal(heapHasRoom({ used_heap_size: Math.ceil(limit * READ_AHEAD_HEAP_SHARE), heap_size_limit: limit }), false);
    assert.equal(heapHasRoom({ used_heap_size: limit, heap_size_limit: limit }), false);
  });

  it("reads this process's heap by default", () => {
    // The test runner's heap is unbounded and nearly empty.
    assert.equal(heapHasRoom(), true);
  });
});
