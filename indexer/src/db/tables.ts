/**
 * The mutable derived tables, described once so that loading them, writing them back set-based,
 * capturing undo images and restoring them all come from the same column list (see 0001_init.sql).
 *
 * Column kinds and their JS shape in the handlers:
 *   int     -> number           numeric -> bigint        text -> string
 *   bool    -> boolean          time    -> unix seconds (number), TIMESTAMPTZ in the table
 *   jsonb   -> any JSON value
 */

export type ColumnKind = "int" | "numeric" | "text" | "bool" | "time" | "jsonb";

export type ColumnSpec = {
  name: string;
  kind: ColumnKind;
  /** SQL computing the column from the input record `x` instead of reading `x.<name>`. */
  expr?: string;
  /** Not read by the handlers and left alone by the upsert's UPDATE branch (written on insert only). */
  cold?: boolean;
};

export type TableSpec = {
  name: string;
  /** Primary key, chain_id first. */
  key: string[];
  columns: ColumnSpec[];
};

const c = (name: string, kind: ColumnKind, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind, ...extra });
const CHAIN = c("chain_id", "int", { expr: "$2::integer" });
const transition = (prefix: string): ColumnSpec[] => [
  c(`${prefix}_block`, "int"),
  c(`${prefix}_time`, "time"),
  c(`${prefix}_tx`, "text"),
];

export const listingsTable: TableSpec = {
  name: "listings",
  key: ["chain_id", "listing_id"],
  columns: [
    CHAIN,
    c("listing_id", "int"),
    c("provider", "text"),
    c("token", "text"),
    c("price_per_hour", "numeric"),
    c("available_from", "time"),
    c("available_until", "time"),
    c("capacity", "int"),
    c("open_rentals", "int"),
    c("active", "bool"),
    c("metadata", "text", { cold: true }),
    c("metadata_hash", "text", { cold: true }),
    c("metadata_valid", "bool", { cold: true }),
    c("metadata_error", "text", { cold: true }),
    c("title", "text", { cold: true }),
    c("description", "text", { cold: true }),
    c("category", "text", { cold: true }),
    c("resource_type", "text", { cold: true }),
    c("location", "text", { cold: true }),
    c("specifications", "jsonb", { cold: true }),
    c("search_vector", "text", {
      cold: true,
      expr: "listing_search_vector(x.title, x.description, x.category, x.resource_type, x.location, x.specifications::jsonb)",
    }),
    c("rating_sum", "int"),
    c("rating_count", "int"),
    c("quality_score", "text", { expr: "round((x.rating_sum + 15)::numeric / (x.rating_count + 5), 4)" }),
    c("rental_count", "int"),
    c("completed_rentals", "int"),
    c("disputed_rentals", "int"),
    c("total_volume", "numeric"),
    c("total_earnings", "numeric"),
    c("total_fees", "numeric"),
    c("created_block", "int"),
    c("created_time", "time"),
    c("created_tx", "text"),
    c("updated_block", "int"),
    c("updated_time", "time"),
    c("updated_tx", "text"),
  ],
};

export const rentalsTable: TableSpec = {
  name: "rentals",
  key: ["chain_id", "rental_id"],
  columns: [
    CHAIN,
    c("rental_id", "int"),
    c("listing_id", "int"),
    c("consumer", "text"),
    c("provider", "text"),
    c("token", "text"),
    c("status", "text"),
    c("hours_booked", "int"),
    c("price_per_hour", "numeric"),
    c("amount", "numeric"),
    c("fee_bps", "int"),
    c("released", "numeric"),
    c("fees", "numeric"),
    c("refunded", "numeric"),
    c("escrow", "numeric"),
    c("extensions", "int"),
    c("started_at", "time"),
    c("ends_at", "time"),
    c("dispute_opened_by", "text"),
    c("dispute_frozen", "numeric"),
    c("resolver", "text"),
    c("resolved_by_default", "bool"),
    c("resolved_to_provider", "numeric"),
    c("resolved_to_consumer", "numeric"),
    c("closed_by", "text"),
    c("rated", "bool"),
    c("rating", "int"),
    ...transition("requested"),
    ...transition("accepted"),
    ...transition("rejected"),
    ...transition("cancelled"),
    ...transition("expired"),
    ...transition("extended"),
    ...transition("released"),
    ...transition("terminated"),
    ...transition("settled"),
    ...transition("disputed"),
    ...transition("resolved"),
    c("updated_block", "int"),
    c("updated_time", "time"),
  ],
};

export const accountsTable: TableSpec = {
  name: "accounts",
  key: ["chain_id", "address", "token"],
  columns: [
    CHAIN,
    c("address", "text"),
    c("token", "text"),
    c("consumer_rentals", "int"),
    c("consumer_paid", "numeric"),
    c("consumer_spent", "numeric"),
    c("consumer_refunded", "numeric"),
    c("provider_listings", "int"),
    c("provider_rentals", "int"),
    c("provider_earned", "numeric"),
    c("provider_fees", "numeric"),
    c("credit", "numeric"),
    c("withdrawn", "numeric"),
    c("first_block", "int"),
    c("first_time", "time"),
    c("last_block", "int"),
    c("last_time", "time"),
  ],
};

export const tokenTotalsTable: TableSpec = {
  name: "token_totals",
  key: ["chain_id", "token"],
  columns: [
    CHAIN,
    c("token", "text"),
    c("escrowed", "numeric"),
    c("accrued_fees", "numeric"),
    c("fees_withdrawn", "numeric"),
    c("volume", "numeric"),
    c("released", "numeric"),
    c("refunded", "numeric"),
    c("withdrawn", "numeric"),
  ],
};

export const paymentTokensTable: TableSpec = {
  name: "payment_tokens",
  key: ["chain_id", "token"],
  columns: [
    CHAIN,
    c("token", "text"),
    c("token_index", "int"),
    c("allowed", "bool"),
    c("updated_block", "int"),
    c("updated_time", "time"),
    c("updated_tx", "text"),
  ],
};

export const settingsTable: TableSpec = {
  name: "settings",
  key: ["chain_id"],
  columns: [
    CHAIN,
    c("fee_bps", "int"),
    c("treasury", "text"),
    c("acceptance_timeout", "int"),
    c("dispute_timeout", "int"),
    c("paused", "bool"),
    c("updated_block", "int"),
    c("updated_time", "time"),
    c("updated_tx", "text"),
  ],
};

/**
 * A listing's metadata columns as parsed, one row per ListingCreated or ListingMetadataUpdated of a
 * batch whose derivation is deferred (migration 0114; db/deferred-derivation.ts): listings' own
 * metadata columns, keyed by the event.
 */
export const deferredMetadataTable: TableSpec = {
  name: "deferred_listing_metadata",
  key: ["chain_id", "block_number", "log_index"],
  columns: [
    CHAIN,
    c("listing_id", "int"),
    c("block_number", "int"),
    c("log_index", "int"),
    ...listingsTable.columns.filter((col) => col.cold && !col.expr),
  ],
};

/** Tables whose rows change in place: undo images are kept for these. */
export const mutableTables = [
  listingsTable,
  rentalsTable,
  accountsTable,
  tokenTotalsTable,
  paymentTokensTable,
  settingsTable,
] as const;

/** Append-only tables: a rollback deletes their rows above the ancestor block. */
export const appendOnlyTables = [
  { name: "raw_events", blockColumn: "block_number" },
  { name: "listing_prices", blockColumn: "block_number" },
  { name: "ratings", blockColumn: "block_number" },
] as const;

/** Every table that must equal a fresh index of the chain (what `verify` compares), with a stable order. */
export const derivedTables = [
  { name: "raw_events", orderBy: "chain_id, block_number, log_index" },
  { name: "listings", orderBy: "chain_id, listing_id" },
  { name: "listing_prices", orderBy: "chain_id, listing_id, block_number, log_index" },
  { name: "rentals", orderBy: "chain_id, rental_id" },
  { name: "ratings", orderBy: "chain_id, rental_id" },
  { name: "accounts", orderBy: "chain_id, address, token" },
  { name: "token_totals", orderBy: "chain_id, token" },
  { name: "payment_tokens", orderBy: "chain_id, token" },
  { name: "settings", orderBy: "chain_id" },
] as const;

/**
 * Types json_to_recordset reads the input record's fields as. JSON values come in as text and are cast
 * (`x.col::jsonb`, see inputExpr): on a PostgreSQL 15 server, a field read as jsonb cost ~20 µs a row
 * more than the same field read as text and cast, which made the JSON arguments the largest cost of
 * writing raw events (40 against 16 µs a row, 100,000 events into the PostgreSQL 15 server CI uses).
 * PGlite gains less (~20 %).
 */
const SQL_INPUT_TYPE: Record<ColumnKind, string> = {
  int: "bigint",
  numeric: "numeric",
  text: "text",
  bool: "boolean",
  time: "bigint",
  jsonb: "text",
};

function inputExpr(column: ColumnSpec): string {
  if (column.expr) return column.expr;
  if (column.kind === "time") return `to_timestamp(x.${column.name})`;
  if (column.kind === "jsonb") return `x.${column.name}::jsonb`;
  return `x.${column.name}`;
}

/** Columns the JSON input record carries: everything not computed by an expression. */
export function inputColumns(table: TableSpec): ColumnSpec[] {
  return table.columns.filter((col) => !col.expr);
}

/**
 * INSERT ... SELECT FROM json_to_recordset($1) ... ON CONFLICT DO UPDATE of the non-key, non-cold
 * columns: one statement writes any number of rows. $1 is a JSON array of records, $2 the chain id.
 */
export function upsertSql(table: TableSpec): string {
  const inputs = inputColumns(table)
    .filter((col) => col.name !== "chain_id")
    .map((col) => `${col.name} ${SQL_INPUT_TYPE[col.kind]}`)
    .join(", ");
  const names = table.columns.map((col) => col.name).join(", ");
  const values = table.columns.map(inputExpr).join(", ");
  const updates = table.columns
    .filter((col) => !table.key.includes(col.name) && !col.cold)
    .map((col) => `${col.name} = EXCLUDED.${col.name}`)
    .join(", ");
  return (
    `INSERT INTO ${table.name} (${names}) SELECT ${values} FROM json_to_recordset($1::json) AS x(${inputs}) ` +
    `ON CONFLICT (${table.key.join(", ")}) DO UPDATE SET ${updates}`
  );
}

/** Plain multi-row INSERT of every column (rows known to be new). */
export function insertSql(table: TableSpec): string {
  const inputs = inputColumns(table)
    .filter((col) => col.name !== "chain_id")
    .map((col) => `${col.name} ${SQL_INPUT_TYPE[col.kind]}`)
    .join(", ");
  const names = table.columns.map((col) => col.name).join(", ");
  const values = table.columns.map(inputExpr).join(", ");
  return `INSERT INTO ${table.name} (${names}) SELECT ${values} FROM json_to_recordset($1::json) AS x(${inputs})`;
}

/**
 * Multi-row UPDATE of `columns` (names; computed columns use their expression) for the rows keyed
 * by the records in $1; $2 is the chain id.
 */
export function updateSql(table: TableSpec, columns: string[]): string {
  const keys = table.key.filter((k) => k !== "chain_id");
  const targets = columns.map((name) => columnOf(table, name));
  const needed = new Set<string>(keys);
  for (const col of targets) {
    if (!col.expr) needed.add(col.name);
    for (const match of col.expr?.matchAll(/x\.(\w+)/g) ?? []) needed.add(match[1] as string);
  }
  const inputs = [...needed].map((name) => `${name} ${SQL_INPUT_TYPE[columnOf(table, name).kind]}`).join(", ");
  const sets = targets.map((col) => `${col.name} = ${inputExpr(col)}`).join(", ");
  const where = keys.map((k) => `t.${k} = x.${k}`).join(" AND ");
  return `UPDATE ${table.name} t SET ${sets} FROM json_to_recordset($1::json) AS x(${inputs}) WHERE t.chain_id = $2 AND ${where}`;
}

/** Non-key columns the handlers maintain (everything but the cold ones). */
export function hotColumns(table: TableSpec): string[] {
  return table.columns.filter((col) => !col.cold && !table.key.includes(col.name)).map((col) => col.name);
}

/** Columns written only when the metadata changes. */
export function coldColumns(table: TableSpec): string[] {
  return table.columns.filter((col) => col.cold).map((col) => col.name);
}

/**
 * SELECT of the hot columns for the rows whose keys are in the JSON array $2, as ONE row holding a
 * JSON array: a single JSON.parse on the client beats decoding thousands of wide rows field by field.
 * Numerics travel as strings (JSON numbers would lose precision), times as unix seconds.
 */
export function loadSql(table: TableSpec): string {
  const select = table.columns
    .filter((col) => !col.cold && !col.expr)
    .map((col) => {
      if (col.kind === "time") return `extract(epoch FROM t.${col.name})::bigint AS ${col.name}`;
      if (col.kind === "numeric") return `t.${col.name}::text AS ${col.name}`;
      return `t.${col.name}`;
    })
    .join(", ");
  const keys = table.key.filter((k) => k !== "chain_id");
  const rows =
    keys.length === 0
      ? `SELECT ${select} FROM ${table.name} t WHERE t.chain_id = $1`
      : `SELECT ${select} FROM json_to_recordset($2::json) AS k(${keys
          .map((k) => `${k} ${SQL_INPUT_TYPE[columnOf(table, k).kind]}`)
          .join(", ")}) JOIN ${table.name} t ON t.chain_id = $1 AND ${keys.map((k) => `t.${k} = k.${k}`).join(" AND ")}`;
  return `SELECT coalesce(json_agg(r), '[]')::text AS rows FROM (${rows}) r`;
}

/** Saves the current image (or NULL) of the rows keyed in $3 as undo records of the batch ending at $2. */
export function captureUndoSql(table: TableSpec): string {
  const keys = table.key.filter((k) => k !== "chain_id");
  if (keys.length === 0) {
    return (
      `INSERT INTO undo_rows (chain_id, batch_to, table_name, row_key, pre) ` +
      `SELECT $1, $2, '${table.name}', '{}'::jsonb, (SELECT to_jsonb(t) FROM ${table.name} t WHERE t.chain_id = $1)`
    );
  }
  const keyInputs = keys.map((k) => `${k} ${SQL_INPUT_TYPE[columnOf(table, k).kind]}`).join(", ");
  const join = keys.map((k) => `t.${k} = k.${k}`).join(" AND ");
  return (
    `INSERT INTO undo_rows (chain_id, batch_to, table_name, row_key, pre) ` +
    `SELECT $1, $2, '${table.name}', to_jsonb(k), CASE WHEN t.chain_id IS NULL THEN NULL ELSE to_jsonb(t) END ` +
    `FROM json_to_recordset($3::json) AS k(${keyInputs}) LEFT JOIN ${table.name} t ON t.chain_id = $1 AND ${join}`
  );
}

/** Deletes the rows touched by the batches above block $2 (they are restored from their images next). */
export function undoDeleteSql(table: TableSpec): string {
  const keys = table.key.filter((k) => k !== "chain_id");
  const match = keys.map((k) => `t.${k} = (u.row_key->>'${k}')::${SQL_INPUT_TYPE[columnOf(table, k).kind]}`);
  return (
    `DELETE FROM ${table.name} t USING (SELECT DISTINCT row_key FROM undo_rows ` +
    `WHERE chain_id = $1 AND table_name = '${table.name}' AND batch_to > $2) u ` +
    `WHERE ${["t.chain_id = $1", ...match].join(" AND ")}`
  );
}

/** Re-inserts, per row, the image saved by the earliest batch above block $2 (if the row existed then). */
export function undoRestoreSql(table: TableSpec): string {
  return (
    `INSERT INTO ${table.name} SELECT (jsonb_populate_record(NULL::${table.name}, p.pre)).* FROM ` +
    `(SELECT DISTINCT ON (row_key) pre FROM undo_rows WHERE chain_id = $1 AND table_name = '${table.name}' ` +
    `AND batch_to > $2 ORDER BY row_key, batch_to) p WHERE p.pre IS NOT NULL`
  );
}

function columnOf(table: TableSpec, name: string): ColumnSpec {
  const column = table.columns.find((col) => col.name === name);
  if (!column) throw new Error(`${table.name} has no column ${name}`);
  return column;
}
