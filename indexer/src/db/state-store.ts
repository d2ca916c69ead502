/**
 * Reads the rows a batch touches and writes its changes back set-based (multi-row INSERT / UPDATE
 * from a JSON parameter), a handful of statements per table however many rows, so the cost per
 * event stays flat.
 */
import type { DecodedEvent } from "../handlers/decode.js";
import type { BatchChanges, BatchKeys, LoadedState } from "../handlers/reduce.js";
import { eventRefs, metadataColumns } from "../handlers/reduce.js";
import type { ListingRow, RentalRow, SettingsRow } from "../handlers/rows.js";
import {
  accountsTable,
  captureUndoSql,
  coldColumns,
  deferredMetadataTable,
  hotColumns,
  insertSql,
  listingsTable,
  loadSql,
  mutableTables,
  paymentTokensTable,
  rentalsTable,
  settingsTable,
  tokenTotalsTable,
  updateSql,
  upsertSql,
  type TableSpec,
} from "./tables.js";
import type { StateCache } from "./state-cache.js";
import type { Queryable, Row } from "./types.js";

/** Statements generated once from the table specs. */
const SQL = {
  loadListings: loadSql(listingsTable),
  loadRentals: loadSql(rentalsTable),
  loadSettings: loadSql(settingsTable),
  insertListings: insertSql(listingsTable),
  updateListings: updateSql(listingsTable, hotColumns(listingsTable)),
  updateListingMetadata: updateSql(listingsTable, coldColumns(listingsTable)),
  upsertRentals: upsertSql(rentalsTable),
  upsertSettings: upsertSql(settingsTable),
  upsertPaymentTokens: upsertSql(paymentTokensTable),
  addAccounts: addSql(accountsTable, ["first_block", "first_time"]),
  addTokenTotals: addSql(tokenTotalsTable, []),
  insertRawEvents:
    "INSERT INTO raw_events (chain_id, block_number, block_hash, block_time, log_index, tx_hash, tx_index, event_name, args, listing_id, rental_id) " +
    // The args are read as text and cast: much cheaper than reading them as jsonb (see tables.ts, SQL_INPUT_TYPE).
    "SELECT $2::integer, x.b, x.h, to_timestamp(x.t), x.l, x.x, x.i, x.e, x.a::jsonb, x.li, x.ri " +
    // No ON CONFLICT: a batch starts right after the checkpoint, so an event already stored is an
    // inconsistent mirror, which the key reports (see commit.ts); speculative insertion cost ~25 % more a row.
    "FROM json_to_recordset($1::json) AS x(b bigint, h text, t bigint, l integer, x text, i integer, e text, a text, li bigint, ri bigint)",
  insertPrices:
    "INSERT INTO listing_prices (chain_id, listing_id, block_number, log_index, block_time, tx_hash, old_price, new_price) " +
    "SELECT $2::integer, x.listing_id, x.block_number, x.log_index, to_timestamp(x.block_time), x.tx_hash, x.old_price, x.new_price " +
    "FROM json_to_recordset($1::json) AS x(listing_id bigint, block_number bigint, log_index integer, block_time bigint, tx_hash text, old_price numeric, new_price numeric)",
  insertDeferredMetadata: insertSql(deferredMetadataTable),
  insertRatings:
    "INSERT INTO ratings (chain_id, rental_id, listing_id, consumer, provider, score, block_number, log_index, block_time, tx_hash) " +
    "SELECT $2::integer, x.rental_id, x.listing_id, x.consumer, x.provider, x.score, x.block_number, x.log_index, to_timestamp(x.block_time), x.tx_hash " +
    "FROM json_to_recordset($1::json) AS x(rental_id bigint, listing_id bigint, consumer text, provider text, score smallint, block_number bigint, log_index integer, block_time bigint, tx_hash text)",
};

/** Upsert that adds every non-key column to the stored value, except `keep` (first value wins). */
function addSql(table: TableSpec, keep: string[]): string {
  const base = upsertSql(table);
  const head = base.slice(0, base.indexOf(" DO UPDATE SET ") + " DO UPDATE SET ".length);
  const sets = table.columns
    .filter((col) => !table.key.includes(col.name) && !keep.includes(col.name))
    .map((col) =>
      col.name.startsWith("last_")
        ? `${col.name} = EXCLUDED.${col.name}`
        : `${col.name} = ${table.name}.${col.name} + EXCLUDED.${col.name}`,
    );
  return head + sets.join(", ");
}

/**
 * Event args as stored: bigints as decimal strings, and NUL (which Postgres text and jsonb cannot
 * hold, but an emitted string may) replaced by U+FFFD.
 */
function storableArgs(args: DecodedEvent["args"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in args) {
    const value = args[key];
    if (typeof value === "bigint") out[key] = value.toString();
    else if (typeof value === "string" && value.includes("\u0000")) out[key] = value.replaceAll("\u0000", "\uFFFD");
    else out[key] = value;
  }
  return out;
}

/**
 * Characters of JSON one write statement carries at most; a batch's rows of a table go in as many
 * statements as that takes. PGlite's Postgres holds a statement's parameter, and what
 * json_to_recordset builds for every row of it, in its WebAssembly memory, which never shrinks once
 * grown: 20,000 raw events in one statement grew it by ~100 MB, in statements of at most 1 MB by
 * ~20 MB, and took less time, not more.
 */
export const MAX_STATEMENT_JSON_CHARS = 1 << 20;

/**
 * JSON arrays of flat records whose amounts are bigint, cut so that none is much longer than
 * `maxChars`. Copying each record with its bigints as strings and letting the native JSON.stringify
 * run is several times faster than a replacer callback, which V8 calls back into for every value.
 */
export function rowsJsonChunks(rows: readonly object[], maxChars = MAX_STATEMENT_JSON_CHARS): string[] {
  return [...jsonChunks(rows, maxChars)];
}

/** rowsJsonChunks one chunk at a time, so the first can be written while the next is being built. */
function* jsonChunks(rows: readonly object[], maxChars = MAX_STATEMENT_JSON_CHARS): Generator<string> {
  let parts: string[] = [];
  let chars = 1; // "[", then each row and the "," or "]" after it
  for (const row of rows) {
    const json = JSON.stringify(plainRow(row as Record<string, unknown>));
    if (parts.length > 0 && chars + json.length + 1 > maxChars) {
      yield `[${parts.join(",")}]`;
      parts = [];
      chars = 1;
    }
    parts.push(json);
    chars += json.length + 1;
  }
  if (parts.length > 0) yield `[${parts.join(",")}]`;
}

function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row) {
    const value = row[key];
    // json_to_recordset reads a missing key as NULL: leaving nulls out shrinks what Postgres parses.
    if (value === null || value === undefined) continue;
    out[key] = typeof value === "bigint" ? value.toString() : value;
  }
  return out;
}

/**
 * Sends a batch's `json_to_recordset($1)` writes (`$2` the chain), a bounded chunk per statement.
 * Without a hook, a statement is not awaited before the next one is built: the database (a server,
 * or PGlite's worker thread) executes it while this thread serialises the next, and the connection
 * keeps them in order. With a hook (tests that fail a batch after a given statement), each statement
 * is awaited and the hook runs after it, as the stage names say.
 */
class BatchWriter {
  readonly #pending: Promise<unknown>[] = [];
  #rows = 0;

  constructor(
    private readonly tx: Queryable,
    private readonly chainId: number,
    private readonly hook?: WriteHook,
  ) {}

  /** Sends the writes of `rows` with `sql`; resolves once they are sent (with a hook: once they are done). */
  async write(stage: string, sql: string, rows: readonly object[]): Promise<void> {
    for (const json of jsonChunks(rows)) {
      const statement = this.tx.query(sql, [json, this.chainId]);
      if (this.hook) {
        await statement;
        continue;
      }
      // Observed in finish(); until then a failure must not count as unhandled.
      statement.catch(() => undefined);
      this.#pending.push(statement);
      // Lets the connection send what it queued (a server connection sends a statement once the one before has answered).
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.hook) {
      this.#rows += rows.length;
      await this.hook(stage, this.#rows);
    }
  }

  /** Waits for every statement sent; the first failure (the rest fail with the aborted transaction) is thrown. */
  async finish(): Promise<void> {
    await Promise.all(this.#pending);
  }
}

/** JSON of anything small (notifications); bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Rows of a loadSql result, numerics turned into bigint. */
function loadedRows<T>(table: TableSpec, result: { rows: Row[] }): T[] {
  const rows = JSON.parse((result.rows[0]?.rows as string | undefined) ?? "[]") as Row[];
  return rows.map((row) => fromDb<T>(table, row));
}

function fromDb<T>(table: TableSpec, row: Row): T {
  for (const col of table.columns) {
    if (col.kind === "numeric" && row[col.name] !== null && row[col.name] !== undefined) {
      row[col.name] = BigInt(row[col.name] as string);
    }
  }
  return row as T;
}

/**
 * Loads the listings, rentals (and the rentals' listings) and settings `keys` name: from `cache` where
 * it holds them (as copies), the rest from the database.
 */
export async function loadState(tx: Queryable, chainId: number, keys: BatchKeys, cache?: StateCache): Promise<LoadedState> {
  const rentals = new Map<number, RentalRow>();
  const missingRentals: { rental_id: number }[] = [];
  for (const rental_id of keys.rentalIds) {
    const cached = cache?.rentals.take(rental_id);
    if (cached) {
      rentals.set(rental_id, cached);
      keys.listingIds.add(cached.listing_id);
    } else missingRentals.push({ rental_id });
  }
  if (missingRentals.length > 0) {
    const result = await tx.query(SQL.loadRentals, [chainId, JSON.stringify(missingRentals)]);
    for (const rental of loadedRows<RentalRow>(rentalsTable, result)) {
      rentals.set(rental.rental_id, rental);
      keys.listingIds.add(rental.listing_id);
    }
  }
  const listings = new Map<number, ListingRow>();
  const missingListings: { listing_id: number }[] = [];
  for (const listing_id of keys.listingIds) {
    const cached = cache?.listings.take(listing_id);
    if (cached) listings.set(listing_id, cached);
    else missingListings.push({ listing_id });
  }
  if (missingListings.length > 0) {
    const result = await tx.query(SQL.loadListings, [chainId, JSON.stringify(missingListings)]);
    for (const listing of loadedRows<ListingRow>(listingsTable, result)) {
      listings.set(listing.listing_id, listing);
    }
  }
  let settings: SettingsRow | null = null;
  if (keys.needsSettings) {
    if (cache && cache.settings !== undefined) settings = cache.settings && { ...cache.settings };
    else settings = loadedRows<SettingsRow>(settingsTable, await tx.query(SQL.loadSettings, [chainId]))[0] ?? null;
  }
  return { listings, rentals, settings };
}

/** Keeps the rows a committed batch read or wrote for the next batches (call after COMMIT only). */
export function rememberState(cache: StateCache, keys: BatchKeys, changes: BatchChanges): void {
  for (const [id, listing] of changes.listings) cache.listings.put(id, listing);
  for (const [id, rental] of changes.rentals) cache.rentals.put(id, rental);
  if (keys.needsSettings || changes.settingsDirty) cache.settings = changes.settings && { ...changes.settings };
}

/** Rows the undo images are keyed by, per mutable table. */
function touchedKeys(changes: BatchChanges): Map<TableSpec, Row[]> {
  const keys = new Map<TableSpec, Row[]>();
  keys.set(listingsTable, [...changes.dirtyListings].map((listing_id) => ({ listing_id })));
  keys.set(rentalsTable, [...changes.dirtyRentals].map((rental_id) => ({ rental_id })));
  keys.set(accountsTable, [...changes.accounts.values()].map(({ address, token }) => ({ address, token })));
  keys.set(tokenTotalsTable, [...changes.tokens.keys()].map((token) => ({ token })));
  keys.set(paymentTokensTable, [...changes.paymentTokens.keys()].map((token) => ({ token })));
  keys.set(settingsTable, changes.settingsDirty ? [{}] : []);
  return keys;
}

/**
 * Saves the pre-batch image of every row the batch is about to change, so a reorg can put them back.
 * Runs before `writeChanges`, in the same transaction.
 */
export async function captureUndo(
  tx: Queryable,
  chainId: number,
  range: { fromBlock: number; toBlock: number },
  changes: BatchChanges,
): Promise<void> {
  await tx.query("INSERT INTO undo_batches (chain_id, from_block, to_block) VALUES ($1, $2, $3)", [
    chainId,
    range.fromBlock,
    range.toBlock,
  ]);
  for (const [table, keys] of touchedKeys(changes)) {
    if (keys.length === 0) continue;
    if (table === settingsTable) await tx.query(captureUndoSql(table), [chainId, range.toBlock]);
    else await tx.query(UNDO_SQL.get(table) as string, [chainId, range.toBlock, JSON.stringify(keys)]);
  }
}
const UNDO_SQL = new Map<TableSpec, string>(mutableTables.map((table) => [table, captureUndoSql(table)]));

export type WriteHook = (stage: string, rowsWritten: number) => void | Promise<void>;

/** Raw events first, then every derived table; `hook` runs after each statement (crash injection in tests). */
export async function writeBatch(
  tx: Queryable,
  chainId: number,
  events: DecodedEvent[],
  changes: BatchChanges,
  hook?: WriteHook,
): Promise<void> {
  const writer = new BatchWriter(tx, chainId, hook);
  await writeRawEvents(writer, events);

  const newListings: object[] = [];
  const updatedListings: object[] = [];
  for (const id of changes.dirtyListings) {
    const listing = changes.listings.get(id) as ListingRow;
    if (changes.newListings.has(id)) newListings.push({ ...listing, ...changes.metadata.get(id) });
    else updatedListings.push(listing);
  }
  if (newListings.length > 0) await writer.write("listings", SQL.insertListings, newListings);
  if (updatedListings.length > 0) await writer.write("listings", SQL.updateListings, updatedListings);
  const metadataUpdates = [...changes.metadata.values()].filter((m) => !changes.newListings.has(m.listing_id));
  if (metadataUpdates.length > 0) await writer.write("listings.metadata", SQL.updateListingMetadata, metadataUpdates);
  if (changes.prices.length > 0) await writer.write("listing_prices", SQL.insertPrices, changes.prices);
  if (changes.dirtyRentals.size > 0) {
    await writer.write("rentals", SQL.upsertRentals, [...changes.dirtyRentals].map((id) => changes.rentals.get(id) as RentalRow));
  }
  if (changes.ratings.length > 0) await writer.write("ratings", SQL.insertRatings, changes.ratings);
  if (changes.accounts.size > 0) await writer.write("accounts", SQL.addAccounts, [...changes.accounts.values()]);
  if (changes.tokens.size > 0) await writer.write("token_totals", SQL.addTokenTotals, [...changes.tokens.values()]);
  if (changes.paymentTokens.size > 0) await writer.write("payment_tokens", SQL.upsertPaymentTokens, [...changes.paymentTokens.values()]);
  if (changes.settingsDirty && changes.settings) await writer.write("settings", SQL.upsertSettings, [changes.settings]);
  await writer.finish();
}

async function writeRawEvents(writer: BatchWriter, events: DecodedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const records = events.map((event) => {
    const { listingId, rentalId } = eventRefs(event);
    return {
      b: event.blockNumber,
      h: event.blockHash,
      t: event.blockTime,
      l: event.logIndex,
      x: event.txHash,
      i: event.txIndex,
      e: event.name,
      a: storableArgs(event.args),
      li: listingId,
      ri: rentalId,
    };
  });
  await writer.write("raw_events", SQL.insertRawEvents, records);
}

/**
 * A batch whose derived rows are deferred (deferred-derivation.ts): raw events, and the metadata of the
 * listings it creates or describes anew, parsed here as in a reduced batch, for the derivation to take.
 */
export async function writeDeferredBatch(tx: Queryable, chainId: number, events: DecodedEvent[], hook?: WriteHook): Promise<void> {
  const writer = new BatchWriter(tx, chainId, hook);
  await writeRawEvents(writer, events);
  const metadata: object[] = [];
  for (const event of events) {
    if (event.name !== "ListingCreated" && event.name !== "ListingMetadataUpdated") continue;
    const { listingId } = eventRefs(event);
    if (listingId === null) continue;
    metadata.push({ ...metadataColumns(listingId, event), block_number: event.blockNumber, log_index: event.logIndex });
  }
  if (metadata.length > 0) await writer.write("deferred_listing_metadata", SQL.insertDeferredMetadata, metadata);
  await writer.finish();
}
