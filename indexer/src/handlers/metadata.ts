/**
 * Listing metadata is whatever string the provider emitted. A well-formed one is a JSON object with
 * string fields title, description, category, resource_type, location and an object `specifications`;
 * anything else (not JSON, too large, wrong shape) is kept as raw text with `valid = false` and the
 * reason, and never stops indexing.
 */
import { createHash, getHashes } from "node:crypto";

import { keccak256 } from "viem";

export const MAX_METADATA_BYTES = 4096;
/** Deeper specifications are refused: nobody needs them, and deep nesting costs the database's parser stack. */
const MAX_SPEC_DEPTH = 8;

const TEXT_FIELDS = ["title", "description", "category", "resource_type", "location"] as const;
type TextField = (typeof TEXT_FIELDS)[number];

export type ParsedMetadata = {
  /** The emitted text, safe for a Postgres TEXT column (NUL replaced). */
  raw: string;
  /** keccak256 of the emitted bytes: equals the contract's metadataHash. */
  hash: string;
  valid: boolean;
  error: string | null;
  specifications: Record<string, unknown> | null;
} & Record<TextField, string | null>;

const NUL = /\u0000/g;

// OpenSSL 3.2 and later (Node 24 on) has Keccak-256: ten times faster than viem's JavaScript one,
// which took ~4 % of the indexer's CPU in a backfill (a hash per listing created or updated).
const NATIVE_KECCAK = getHashes().includes("keccak-256");

function keccakHex(bytes: Uint8Array): string {
  return NATIVE_KECCAK ? `0x${createHash("keccak-256").update(bytes).digest("hex")}` : keccak256(bytes);
}

function invalid(raw: string, hash: string, error: string): ParsedMetadata {
  return {
    raw,
    hash,
    valid: false,
    error,
    title: null,
    description: null,
    category: null,
    resource_type: null,
    location: null,
    specifications: null,
  };
}

/**
 * @param text the decoded string argument
 * @param rawBytes its bytes as emitted, when known; hashing them keeps the hash right for text that
 *   is not valid UTF-8
 */
export function parseMetadata(text: string, rawBytes?: Uint8Array): ParsedMetadata {
  const emitted = rawBytes ?? Buffer.from(text, "utf8");
  const hash = keccakHex(emitted);
  const raw = text.includes("\u0000") ? text.replace(NUL, "\uFFFD") : text;
  const bytes = emitted.length;
  if (bytes > MAX_METADATA_BYTES) return invalid(raw, hash, `larger than ${MAX_METADATA_BYTES} bytes (${bytes})`);
  if (raw !== text) return invalid(raw, hash, "contains NUL characters");
  // The decoder turns bytes that are not UTF-8 into U+FFFD; a real U+FFFD survives the round trip.
  if (rawBytes !== undefined && text.includes("\uFFFD") && !Buffer.from(text, "utf8").equals(rawBytes)) {
    return invalid(raw, hash, "not valid UTF-8");
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(raw, hash, `not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return invalid(raw, hash, "not a JSON object");
  const object = value as Record<string, unknown>;

  const fields = {} as Record<TextField, string | null>;
  for (const field of TEXT_FIELDS) {
    const v = object[field];
    if (v === undefined || v === null) fields[field] = null;
    else if (typeof v !== "string") return invalid(raw, hash, `${field} is not a string`);
    else fields[field] = v;
  }
  if (!fields.title) return invalid(raw, hash, "title is missing");

  const specs = object.specifications;
  if (specs !== undefined && specs !== null && (typeof specs !== "object" || Array.isArray(specs))) {
    return invalid(raw, hash, "specifications is not an object");
  }
  if (specs && depth(specs) > MAX_SPEC_DEPTH) return invalid(raw, hash, `specifications nest deeper than ${MAX_SPEC_DEPTH} levels`);
  // JSON text may spell NUL as an escape; Postgres text and jsonb refuse it.
  if (Object.values(fields).some((v) => v?.includes("\u0000")) || (specs && JSON.stringify(specs).includes("\\u0000"))) {
    return invalid(raw, hash, "contains NUL characters");
  }
  return {
    raw,
    hash,
    valid: true,
    error: null,
    ...fields,
    specifications: (specs as Record<string, unknown> | undefined) ?? null,
  };
}

function depth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depth(child));
  return deepest + 1;
}
