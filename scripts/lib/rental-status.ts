/** Names of the contract's RentalStatus enum, by its numeric value (contracts/types/MarketplaceTypes.sol). */
export const RENTAL_STATUSES = [
  "None",
  "Requested",
  "Active",
  "Disputed",
  "Completed",
  "Rejected",
  "Cancelled",
  "Expired",
  "Resolved",
] as const;

export type RentalStatusName = (typeof RENTAL_STATUSES)[number];

export function rentalStatusName(status: number): RentalStatusName | `unknown status ${number}` {
  return RENTAL_STATUSES[status] ?? `unknown status ${status}`;
}
