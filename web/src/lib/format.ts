/** Presenting amounts, addresses and times. Amounts stay bigint until they become text. */
import { formatUnits, parseUnits } from "viem";

export const FTNS_DECIMALS = 18;

/**
 * Token units as text, cut (never rounded up) to `maxDecimals`, grouped by thousands:
 * 1234567890000000000000n → "1,234.56789". Cutting means a balance is never shown higher than it is.
 */
export function formatAmount(units: bigint, options: { decimals?: number; maxDecimals?: number; grouped?: boolean } = {}): string {
  const { decimals = FTNS_DECIMALS, maxDecimals = 4, grouped = true } = options;
  const negative = units < 0n;
  const [whole = "0", fraction = ""] = formatUnits(negative ? -units : units, decimals).split(".");
  const cut = fraction.slice(0, maxDecimals).replace(/0+$/, "");
  const integer = grouped ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole;
  const text = `${integer}${cut ? `.${cut}` : ""}`;
  // A dust amount is not zero: say it is below the smallest shown digit.
  if (text === "0" && units !== 0n) return `${negative ? "> -" : "< "}${maxDecimals > 0 ? `0.${"0".repeat(maxDecimals - 1)}1` : "1"}`;
  return negative ? `-${text}` : text;
}

export const formatFtns = (units: bigint, maxDecimals = 4) => `${formatAmount(units, { maxDecimals })} FTNS`;

const DECIMAL = /^\s*(\d+)(?:\.(\d*))?\s*$/;

/** "1.5" → 1500000000000000000n exactly; undefined for anything that is not a plain decimal. */
export function parseAmount(text: string, decimals = FTNS_DECIMALS): bigint | undefined {
  const match = DECIMAL.exec(text.replace(/,/g, ""));
  if (!match) return undefined;
  if ((match[2] ?? "").length > decimals) return undefined;
  return parseUnits(`${match[1]}.${match[2] || "0"}`, decimals);
}

export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;
export const shortHash = (hash: string) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? "—"
    : date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** 5400 → "1 h 30 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days} d${hours ? ` ${hours} h` : ""}`;
  if (hours > 0) return `${hours} h${minutes ? ` ${minutes} min` : ""}`;
  if (minutes > 0) return `${minutes} min`;
  return `${s} s`;
}

export const formatPercent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

/** A specification key as a label: "gpu_memory_gb" → "GPU memory (GB)". */
export function specLabel(key: string): string {
  const units: Record<string, string> = { gb: "GB", tb: "TB", mb: "MB", ghz: "GHz", gbps: "Gbps", ms: "ms", tflops: "TFLOPS", w: "W" };
  const words = key.split("_");
  const last = words[words.length - 1] ?? "";
  const unit = units[last];
  const special: Record<string, string> = { vcpus: "vCPUs", vcpu: "vCPU", iops: "IOPS", gpus: "GPUs", cpus: "CPUs" };
  const base = (unit ? words.slice(0, -1) : words)
    .map((w) => special[w] ?? (["gpu", "cpu", "ram", "ssd", "nvme", "api", "vram"].includes(w) ? w.toUpperCase() : w))
    .join(" ");
  const label = /^[a-z]/.test(base) && !base.startsWith("vCPU") ? base.charAt(0).toUpperCase() + base.slice(1) : base;
  return unit ? `${label} (${unit})` : label;
}

export function specValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(specValue).join(", ");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export const categoryLabel = (category: string | null | undefined) =>
  category ? category.replace(/[_-]/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()).replace(/\bApi\b/, "API").replace(/\bGpu\b/, "GPU").replace(/\bCpu\b/, "CPU") : "Uncategorised";

/** A listing's availability window in words; a window that opened at the epoch (availableFrom 0) is "now". */
export function availabilityText(from: string | null, until: string | null): string {
  const opened = !from || new Date(from).getTime() <= 0;
  const start = opened ? "Available now" : `Available from ${formatDate(from)}`;
  return `${start} ${until ? `until ${formatDate(until)}` : "with no end date"}`;
}
