import type { ApiDeps } from "../deps.js";

export type FeedEvent = { channels: string[]; message: Record<string, unknown> };
export type EndingRental = { rentalId: string; listingId: string; consumer: string; provider: string; endsAt: number; secondsLeft: number; blockNumber: number };

export async function loadBatchEvents(_deps: ApiDeps, _chainId: number, _from: number, _to: number): Promise<FeedEvent[]> {
  return [];
}
export async function loadEndingRentals(_deps: ApiDeps, _chainId: number, _within: number): Promise<EndingRental[]> {
  return [];
}
