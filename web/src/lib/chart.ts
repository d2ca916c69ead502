/** Geometry for the small SVG charts: nice ticks, linear scales, paths. */

/** A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10) * power;
}

/** Axis ticks from 0 in round steps, the last at or above `max`. */
export function ticks(max: number, count = 4): number[] {
  const step = niceStep((max > 0 ? max : 1) / count);
  const top = Math.max(step, Math.ceil((max > 0 ? max : 1) / step - 1e-9) * step);
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
}

export const scale = (domainMax: number, rangeMax: number) => (value: number) => (domainMax === 0 ? 0 : (value / domainMax) * rangeMax);

export function linePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

/** Compact axis label: 1500 → "1.5k". */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(abs < 10 ? 2 : 0)}`;
}

/** Base units to a plottable number of whole tokens; precision beyond a chart's pixels does not matter here. */
export const unitsToNumber = (amount: string, decimals = 18) => Number(BigInt(amount) / 10n ** BigInt(Math.max(0, decimals - 6))) / 1e6;

export function bucketLabel(bucket: string, aggregation: "hourly" | "daily" | "monthly"): string {
  const date = new Date(bucket);
  if (Number.isNaN(date.getTime())) return bucket;
  if (aggregation === "monthly") return date.toLocaleDateString(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
  if (aggregation === "daily") return date.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
  return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", timeZone: "UTC" });
}
