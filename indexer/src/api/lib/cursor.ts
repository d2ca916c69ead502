/**
 * Opaque keyset cursors: the last row's sort key and id, base64url JSON, bound to the sort and to
 * a hash of the filters, so a cursor cannot be replayed against another query to skip rows.
 */
import { createHash } from "node:crypto";
import { BadRequestError } from "../errors.js";

export type CursorState = { s: string; f: string; k: (string | number | null)[] };

export const filterFingerprint = (value: unknown) =>
  createHash("sha1")
    .update(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)))
    .digest("base64url")
    .slice(0, 10);

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

export function decodeCursor(text: string | undefined, sort: string, fingerprint: string): CursorState | undefined {
  if (!text) return undefined;
  let state: CursorState;
  try {
    state = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw new BadRequestError("not a cursor returned by this API");
  }
  if (
    !state ||
    typeof state !== "object" ||
    !Array.isArray(state.k) ||
    state.k.length > 4 ||
    !state.k.every((v) => v === null || typeof v === "number" || (typeof v === "string" && v.length <= 100))
  ) {
    throw new BadRequestError("not a cursor returned by this API");
  }
  if (state.s !== sort || state.f !== fingerprint) {
    throw new BadRequestError("the cursor belongs to another query: keep the same filters and sort while paging");
  }
  return state;
}
