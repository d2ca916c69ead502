/**
 * Bulk listing files: CSV with a header row, or a JSON array of objects. Known columns fill the form;
 * every other column is a specification (`gpu`, `gpu_memory_gb`, …). Each row is validated like the
 * single form, and valid rows go out in batches of at most MAX_BATCH (the contract's limit).
 */
import type { Address } from "viem";
import { parseCsv } from "./csv";
import { emptyListingForm, type ListingErrors, type ListingForm, type ListingParams, MAX_BATCH, validateListing } from "./listing-form";

export type BulkRow = { line: number; form: ListingForm; result: { ok: true; params: ListingParams } | { ok: false; errors: ListingErrors } };

const FIELD_ALIASES: Record<string, keyof ListingForm> = {
  title: "title",
  description: "description",
  category: "category",
  resource_type: "resourceType",
  type: "resourceType",
  location: "location",
  price: "price",
  price_per_hour: "price",
  capacity: "capacity",
  available_from: "availableFrom",
  available_until: "availableUntil",
};

function toUnix(value: unknown): string {
  if (value === undefined || value === null || value === "") return "";
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return text;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? "invalid" : String(Math.floor(ms / 1000));
}

function formFromRecord(record: Record<string, unknown>): ListingForm {
  const form: ListingForm = { ...emptyListingForm, specs: [] };
  for (const [rawKey, value] of Object.entries(record)) {
    const key = rawKey.trim().toLowerCase();
    if (key === "specifications" && value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) form.specs.push({ key: k, value: String(v) });
      continue;
    }
    const field = FIELD_ALIASES[key];
    if (field === "availableFrom" || field === "availableUntil") form[field] = toUnix(value);
    else if (field && field !== "specs") form[field] = value === undefined || value === null ? "" : String(value);
    else if (value !== undefined && value !== null && String(value).trim() !== "") {
      form.specs.push({ key: key.replace(/^spec[._]/, ""), value: String(value) });
    }
  }
  return form;
}

export class BulkFileError extends Error {
  override name = "BulkFileError";
}

export function parseBulkFile(name: string, text: string, token: Address, chainNow: number): BulkRow[] {
  let records: { line: number; record: Record<string, unknown> }[];
  if (name.toLowerCase().endsWith(".json") || text.trim().startsWith("[")) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new BulkFileError(`The file is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(data)) throw new BulkFileError("The JSON file must hold an array of listings");
    records = data.map((record, i) => {
      if (!record || typeof record !== "object" || Array.isArray(record)) throw new BulkFileError(`Item ${i + 1} is not an object`);
      return { line: i + 1, record: record as Record<string, unknown> };
    });
  } else {
    const rows = parseCsv(text);
    const [header, ...body] = rows;
    if (!header || body.length === 0) throw new BulkFileError("The CSV file needs a header row and at least one listing");
    if (!header.map((h) => h.trim().toLowerCase()).includes("title")) throw new BulkFileError("The CSV header has no title column");
    records = body.map((cells, i) => ({ line: i + 2, record: Object.fromEntries(header.map((h, j) => [h, cells[j] ?? ""])) }));
  }
  if (records.length === 0) throw new BulkFileError("The file holds no listings");
  return records.map(({ line, record }) => {
    const form = formFromRecord(record);
    return { line, form, result: validateListing(form, token, chainNow) };
  });
}

/** Valid rows' parameters in contract-sized batches. */
export function batchesOf(rows: BulkRow[], size = MAX_BATCH): ListingParams[][] {
  const params = rows.flatMap((row) => (row.result.ok ? [row.result.params] : []));
  const batches: ListingParams[][] = [];
  for (let i = 0; i < params.length; i += size) batches.push(params.slice(i, i + size));
  return batches;
}
