/**
 * Compares the derived tables of two schemas of one database, row for row (EXCEPT ALL both ways), so
 * duplicates, missing rows and any differing column show up. Both schemas come from the same
 * migrations, so their columns line up.
 */
import { derivedTables } from "./tables.js";
import { assertSchemaName, quoteIdent, type Db } from "./types.js";

export type TableDiff = {
  table: string;
  /** Rows in `left` with no equal row in `right` (counted with multiplicity). */
  onlyLeft: number;
  onlyRight: number;
  /** Up to `limit` example rows of each side. */
  examples: { side: "left" | "right"; row: Record<string, unknown> }[];
};

export type MirrorDiff = {
  equal: boolean;
  left: string;
  right: string;
  tables: TableDiff[];
};

export type DiffMirrorsParameters = {
  left: string;
  right: string;
  /** Compare only these chains (default: all). */
  chainIds?: number[];
  /** Example rows per side and table (default 5). */
  limit?: number;
};

export async function diffMirrors(db: Db, parameters: DiffMirrorsParameters): Promise<MirrorDiff> {
  const left = quoteIdent(assertSchemaName(parameters.left));
  const right = quoteIdent(assertSchemaName(parameters.right));
  const limit = parameters.limit ?? 5;
  const where = parameters.chainIds ? "WHERE chain_id = ANY($1::integer[])" : "";
  const params = parameters.chainIds ? [parameters.chainIds] : [];
  const tables: TableDiff[] = [];

  for (const { name, orderBy } of derivedTables) {
    const table = quoteIdent(name);
    const side = async (from: string, to: string, label: "left" | "right") => {
      const except = `SELECT * FROM ${from}.${table} ${where} EXCEPT ALL SELECT * FROM ${to}.${table} ${where}`;
      const count = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (${except}) d`, params);
      const n = Number(count.rows[0]?.n ?? 0);
      const examples =
        n === 0
          ? []
          : (
              await db.query<{ row: Record<string, unknown> }>(
                `SELECT to_jsonb(d) AS row FROM (${except}) d ORDER BY ${orderBy} LIMIT ${limit}`,
                params,
              )
            ).rows.map((r) => ({ side: label, row: r.row }));
      return { n, examples };
    };
    const l = await side(left, right, "left");
    const r = await side(right, left, "right");
    tables.push({ table: name, onlyLeft: l.n, onlyRight: r.n, examples: [...l.examples, ...r.examples] });
  }
  return {
    equal: tables.every((t) => t.onlyLeft === 0 && t.onlyRight === 0),
    left: parameters.left,
    right: parameters.right,
    tables,
  };
}

/** A readable list of the differences, one table per paragraph. */
export function formatDiff(diff: MirrorDiff): string {
  if (diff.equal) return `${diff.left} and ${diff.right} are equal`;
  const lines: string[] = [];
  for (const t of diff.tables) {
    if (t.onlyLeft === 0 && t.onlyRight === 0) continue;
    lines.push(`${t.table}: ${t.onlyLeft} row(s) only in ${diff.left}, ${t.onlyRight} row(s) only in ${diff.right}`);
    for (const e of t.examples) {
      lines.push(`  ${e.side === "left" ? diff.left : diff.right}: ${JSON.stringify(e.row)}`);
    }
  }
  return lines.join("\n");
}
