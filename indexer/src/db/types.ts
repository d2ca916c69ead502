/**
 * The database client every part of the indexer (and the API) talks to. Two implementations, one
 * behaviour: PGlite embedded in the process, or a Postgres server through node-postgres. Both parse
 * int8 as a JS number (ids and block numbers stay far below 2^53), numeric as a decimal string,
 * timestamptz as Date and json/jsonb as values.
 */

export type Row = Record<string, unknown>;

export type QueryResult<T = Row> = {
  rows: T[];
  /** Rows inserted, updated or deleted by the statement (0 for plain SELECTs on PGlite). */
  rowCount: number;
};

export interface Queryable {
  /** One statement, parameters as `$1`, `$2`, ... */
  query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements separated by `;`, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type DbKind = "pglite" | "postgres";

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** Schema every unqualified table name resolves to (the connection's search_path). */
  readonly schema: string;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Use only
   * `tx` inside `fn`; calling `db.query` from inside would wait for the transaction to end (PGlite
   * has a single connection).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** LISTEN on `channel`; resolves to a function that stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** The same database seen through another schema, sharing this client's connection(s). */
  withSchema(schema: string): Db;
  /** Closes the connection(s): of every schema view derived from the same `openDatabase`. */
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names are spliced into SQL (search_path, CREATE SCHEMA), so only plain identifiers pass. */
/**
 * The indexer's sessions hear warnings and errors, not notices. Postgres sends one per statement
 * that asks for it and per row that triggers it: to_tsvector sends "word is too long to be indexed"
 * for every listing whose metadata holds a word over 2,047 characters, 15,000 of them in one
 * derivation of a chain of such listings, each quoting the 5 KB statement. PGlite keeps a statement's
 * notices until it ends (74 MB in that derivation, which ran its worker out of memory); a server
 * sends them over the wire for node-postgres to drop. Nothing reads them.
 */
export const NOTICE_SETTING = { name: "client_min_messages", value: "warning" } as const;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _`);
  }
  return schema;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
