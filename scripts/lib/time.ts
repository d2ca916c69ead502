/** A chain timestamp (seconds) as "2026-11-26 04:55:08 UTC". */
export function formatTimestamp(seconds: bigint | number): string {
  const value = Number(seconds);
  if (value === 0) return "—";
  return `${new Date(value * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A duration in seconds as "3 d 4 h", "25 min", "40 s". */
export function formatDuration(seconds: bigint | number): string {
  let rest = Math.max(0, Math.round(Number(seconds)));
  if (rest < 60) return `${rest} s`;
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && !days) parts.push(`${minutes} min`);
  return parts.join(" ");
}
