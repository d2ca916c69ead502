/**
 * A listing form checked the way the contract checks it (price > 0 and within uint96, capacity
 * 1..65535, an availability window that ends after it starts and in the future, metadata of 1..4096
 * bytes), plus what the indexer needs to show it (a title). A form that passes here does not revert
 * for its own sake.
 */
import type { Address } from "viem";
import { parseAmount } from "./format";

export const MAX_UINT96 = (1n << 96n) - 1n;
export const MAX_CAPACITY = 65_535;
export const MAX_METADATA_BYTES = 4096;
export const MAX_BATCH = 50;
export const MAX_HOURS = 24 * 365;
const MAX_UINT40 = 2 ** 40 - 1;

export const CATEGORIES = ["gpu", "cpu", "storage", "inference_api", "dataset_processing"] as const;

export type SpecRow = { key: string; value: string };

export type ListingForm = {
  title: string;
  description: string;
  category: string;
  resourceType: string;
  location: string;
  specs: SpecRow[];
  /** Decimal FTNS per hour. */
  price: string;
  capacity: string;
  /** Unix seconds as text, or "" (from: now; until: open-ended). */
  availableFrom: string;
  availableUntil: string;
};

export const emptyListingForm: ListingForm = {
  title: "",
  description: "",
  category: "gpu",
  resourceType: "",
  location: "",
  specs: [{ key: "", value: "" }],
  price: "",
  capacity: "1",
  availableFrom: "",
  availableUntil: "",
};

export type ListingParams = {
  token: Address;
  pricePerHour: bigint;
  availableFrom: number;
  availableUntil: number;
  capacity: number;
  metadata: string;
};

export type ListingField = keyof ListingForm | "metadata";
export type ListingErrors = Partial<Record<ListingField, string>>;
export type ValidationResult = { ok: true; params: ListingParams } | { ok: false; errors: ListingErrors };

const SPEC_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/** "80" → 80, "true" → true, "A100" → "A100": numbers stay numbers so range filters work on them. */
export function specValueOf(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (/^-?\d{1,15}(\.\d{1,6})?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  return trimmed;
}

export function metadataOf(form: ListingForm): string {
  const specifications: Record<string, string | number | boolean> = {};
  for (const row of form.specs) if (row.key.trim()) specifications[row.key.trim()] = specValueOf(row.value);
  return JSON.stringify({
    title: form.title.trim(),
    description: form.description.trim(),
    category: form.category.trim().toLowerCase(),
    resource_type: form.resourceType.trim().toLowerCase(),
    location: form.location.trim(),
    specifications,
  });
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

function timestamp(text: string): number | undefined {
  if (!text.trim()) return 0;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_UINT40 ? n : undefined;
}

/** @param chainNow the chain's clock (latest block time), which may run ahead of the wall clock. */
export function validateListing(form: ListingForm, token: Address, chainNow: number): ValidationResult {
  const errors: ListingErrors = {};
  if (!form.title.trim()) errors.title = "Give the listing a title";
  else if (form.title.trim().length > 120) errors.title = "Keep the title under 120 characters";
  if (!form.category.trim()) errors.category = "Choose a category";
  else if (!/^[\w .,()/+-]{1,64}$/.test(form.category.trim())) errors.category = "Letters, digits and . , ( ) / + - only";

  const price = parseAmount(form.price);
  if (!form.price.trim()) errors.price = "Set a price per hour";
  else if (price === undefined) errors.price = "Enter a number of FTNS, like 2.5";
  else if (price === 0n) errors.price = "The price must be more than zero";
  else if (price > MAX_UINT96) errors.price = "The price is too large";

  const capacity = Number(form.capacity);
  if (!/^\d+$/.test(form.capacity.trim()) || capacity < 1) errors.capacity = "At least 1 concurrent rental";
  else if (capacity > MAX_CAPACITY) errors.capacity = `At most ${MAX_CAPACITY}`;

  const from = timestamp(form.availableFrom);
  const until = timestamp(form.availableUntil);
  if (from === undefined) errors.availableFrom = "Not a valid start time";
  if (until === undefined) errors.availableUntil = "Not a valid end time";
  if (from !== undefined && until !== undefined && until !== 0) {
    if (until <= from) errors.availableUntil = "The window must end after it starts";
    else if (until <= chainNow) errors.availableUntil = "The window must end in the future";
  }

  const seen = new Set<string>();
  for (const row of form.specs) {
    const key = row.key.trim();
    if (!key && !row.value.trim()) continue;
    if (!SPEC_KEY.test(key)) {
      errors.specs = `Specification names are lower-case letters, digits and _ (like gpu_memory_gb): "${key || "(empty)"}"`;
      break;
    }
    if (seen.has(key)) {
      errors.specs = `"${key}" is listed twice`;
      break;
    }
    seen.add(key);
  }

  const metadata = metadataOf(form);
  const bytes = byteLength(metadata);
  if (bytes > MAX_METADATA_BYTES) errors.metadata = `The details take ${bytes} bytes; the contract accepts at most ${MAX_METADATA_BYTES}. Shorten the description.`;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    params: { token, pricePerHour: price!, availableFrom: from!, availableUntil: until!, capacity, metadata },
  };
}

/** datetime-local input value ↔ unix seconds (local time zone, as the input shows it). */
export function unixFromLocalInput(value: string): string {
  if (!value) return "";
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? "invalid" : String(Math.floor(ms / 1000));
}

export function localInputFromUnix(seconds: number | null | undefined): string {
  if (!seconds) return "";
  const date = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
