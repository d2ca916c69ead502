/**
 * A provider's earnings and utilisation over time, summed from each listing's own series: earnings
 * add up per bucket; utilisation is hours booked over the hours all capacity could serve.
 */
import type { Aggregation, ResourceAnalytics } from "../api/types";

export type ProviderPoint = { bucket: string; earnings: bigint; hoursBooked: number; utilisation: number };

const BUCKET_HOURS: Record<Aggregation, number> = { hourly: 1, daily: 24, monthly: 30 * 24 };

export function combineProviderSeries(listings: ResourceAnalytics[], aggregation: Aggregation): ProviderPoint[] {
  const capacityHours = listings.reduce((sum, l) => sum + l.capacity, 0) * BUCKET_HOURS[aggregation];
  const byBucket = new Map<string, { earnings: bigint; hours: number }>();
  for (const listing of listings) {
    for (const point of listing.series) {
      const entry = byBucket.get(point.bucket) ?? { earnings: 0n, hours: 0 };
      entry.earnings += BigInt(point.revenue.amount);
      entry.hours += point.hoursBooked;
      byBucket.set(point.bucket, entry);
    }
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, v]) => ({ bucket, earnings: v.earnings, hoursBooked: v.hours, utilisation: capacityHours > 0 ? Math.min(1, v.hours / capacityHours) : 0 }));
}
