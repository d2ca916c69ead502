/**
 * What the seed left on the chain, read back from the chain itself (not from the plan): rentals by
 * status, how completed and resolved ones ended, ratings, money moved.
 */
import type { Address, PublicClient } from "viem";
import { marketplaceAbi } from "../../../generated/abis.js";
import { formatFtns } from "../ftns.js";
import { RENTAL_STATUSES, rentalStatusName } from "../rental-status.js";
import { formatTimestamp } from "../time.js";
import type { ExecutionReport } from "./execute.js";
import type { SeedPlan } from "./plan.js";

/** Amounts in the summary: two decimals, grouped by thousands. */
const OVERVIEW = { maxDecimals: 2, grouped: true };

export type SeedSummary = {
  listings: number;
  listingsByCategory: Record<string, number>;
  bulkListings: number;
  windowedListings: number;
  multiCapacityListings: number;
  rentals: number;
  byStatus: Record<string, number>;
  settled: number;
  terminated: number;
  resolvedByArbiter: number;
  resolvedByDefault: number;
  ratings: { count: number; sum: number; byScore: Record<number, number> };
  escrowedTotal: bigint;
  feesWithdrawn: bigint;
  feesAccrued: bigint;
  withdrawals: number;
  withdrawn: bigint;
  chainTime: bigint;
};

export async function readSummary(
  plan: SeedPlan,
  report: ExecutionReport,
  client: PublicClient,
  marketplace: Address,
  token: Address,
): Promise<SeedSummary> {
  const rentalIds = plan.rentals.map((r) => report.rentalIdBase + BigInt(r.seq));
  const rentals = await Promise.all(
    rentalIds.map((id) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getRental", args: [id] })),
  );
  const byStatus: Record<string, number> = Object.fromEntries(RENTAL_STATUSES.slice(1).map((s) => [s, 0]));
  for (const rental of rentals) byStatus[rentalStatusName(rental.status)] = (byStatus[rentalStatusName(rental.status)] ?? 0) + 1;

  const range = { address: marketplace, abi: marketplaceAbi, fromBlock: report.firstBlock, toBlock: "latest" } as const;
  const [settled, terminated, resolved, rated, feesWithdrawn, withdrawn, feesAccrued, latest] = await Promise.all([
    client.getContractEvents({ ...range, eventName: "RentalSettled" }),
    client.getContractEvents({ ...range, eventName: "RentalTerminated" }),
    client.getContractEvents({ ...range, eventName: "DisputeResolved" }),
    client.getContractEvents({ ...range, eventName: "RentalRated" }),
    client.getContractEvents({ ...range, eventName: "FeesWithdrawn" }),
    client.getContractEvents({ ...range, eventName: "Withdrawn" }),
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "accruedFees", args: [token] }),
    client.getBlock({ blockTag: "latest" }),
  ]);
  const byScore: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  let scoreSum = 0;
  for (const event of rated) {
    byScore[event.args.score!] += 1;
    scoreSum += event.args.score!;
  }
  const listingsByCategory: Record<string, number> = {};
  for (const listing of plan.listings) {
    const category = listing.offer.metadata.category;
    listingsByCategory[category] = (listingsByCategory[category] ?? 0) + 1;
  }
  return {
    listings: plan.listings.length,
    listingsByCategory,
    bulkListings: plan.listings.filter((l) => l.bulk).length,
    windowedListings: plan.listings.filter((l) => l.availableUntil !== 0).length,
    multiCapacityListings: plan.listings.filter((l) => l.offer.capacity > 1).length,
    rentals: rentals.length,
    byStatus,
    settled: settled.length,
    terminated: terminated.length,
    resolvedByArbiter: resolved.filter((e) => !e.args.byDefault).length,
    resolvedByDefault: resolved.filter((e) => e.args.byDefault).length,
    ratings: { count: rated.length, sum: scoreSum, byScore },
    escrowedTotal: rentals.reduce((sum, r) => sum + r.amount, 0n),
    feesWithdrawn: feesWithdrawn.reduce((sum, e) => sum + e.args.amount!, 0n),
    feesAccrued,
    withdrawals: withdrawn.length,
    withdrawn: withdrawn.reduce((sum, e) => sum + e.args.amount!, 0n),
    chainTime: latest.timestamp,
  };
}

export function formatSummary(summary: SeedSummary, plan: SeedPlan, report: ExecutionReport, milliseconds: number): string[] {
  const s = summary;
  const categories = Object.entries(s.listingsByCategory)
    .sort((a, b) => b[1] - a[1])
    .map(([category, count]) => `${category} ${count}`)
    .join(" · ");
  const status = (name: string) => `${name} ${s.byStatus[name] ?? 0}`;
  const average = s.ratings.count ? ratio10(s.ratings.sum, s.ratings.count) : "—";
  const stars = [5, 4, 3, 2, 1].map((score) => `${score}★ ${s.ratings.byScore[score]}`).join(" · ");
  const days = Number(s.chainTime - report.startedAt) / 86_400;
  return [
    `seed done: ${s.listings} listings by ${plan.providers.length} providers, ${s.rentals} rentals by ${plan.consumers.length} consumers` +
      ` — ${report.transactions.toLocaleString("en-US")} tx in ${report.blocks.toLocaleString("en-US")} blocks, ${(milliseconds / 1000).toFixed(1)} s`,
    `  listings   ${categories}`,
    `             ${s.bulkListings} created in bulk, ${s.windowedListings} with an availability window, ${s.multiCapacityListings} with capacity > 1`,
    `  rentals    ${status("Requested")} · ${status("Active")} · ${status("Disputed")} · ${status("Completed")} (${s.settled} settled, ${s.terminated} terminated)`,
    `             ${status("Rejected")} · ${status("Cancelled")} · ${status("Expired")} · ${status("Resolved")} (${s.resolvedByArbiter} by an arbiter, ${s.resolvedByDefault} by default)`,
    `  ratings    ${s.ratings.count}, average ${average} — ${stars}`,
    `  money      ${formatFtns(s.escrowedTotal, OVERVIEW)} FTNS escrowed in all; ${s.withdrawals} withdrawals took ${formatFtns(s.withdrawn, OVERVIEW)} FTNS;` +
      ` fees ${formatFtns(s.feesWithdrawn, OVERVIEW)} FTNS sent to the treasury, ${formatFtns(s.feesAccrued, OVERVIEW)} FTNS accrued`,
    `  chain time ${formatTimestamp(s.chainTime)} (the seed moved the clock ${days.toFixed(0)} days forward)`,
  ];
}

/** `sum / count` with one decimal, in integers. */
function ratio10(sum: number, count: number): string {
  const tenths = Math.round((sum * 10) / count);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}
