/**
 * The contracts' custom errors in words a person can act on. Arguments arrive decoded (bigint amounts,
 * addresses); amounts are FTNS base units.
 */
import { formatFtns, shortAddress } from "./format";

export const RENTAL_STATUS_NAMES = ["none", "requested", "active", "disputed", "completed", "rejected", "cancelled", "expired", "resolved"] as const;

type Args = readonly unknown[];
const big = (value: unknown) => (typeof value === "bigint" ? value : BigInt(String(value ?? 0)));
const when = (seconds: unknown) => new Date(Number(big(seconds)) * 1000).toLocaleString();

const MESSAGES: Record<string, (a: Args) => string> = {
  Marketplace_Paused: () => "The marketplace is paused by its operators: no new listings, rentals or acceptances for now.",
  Marketplace_ListingNotFound: (a) => `Listing #${a[0]} does not exist.`,
  Marketplace_RentalNotFound: (a) => `Rental #${a[0]} does not exist.`,
  Marketplace_CallerNotProvider: (a) => `Only the provider of listing #${a[0]} can do this; you are connected as ${shortAddress(String(a[1]))}.`,
  Marketplace_CallerNotConsumer: (a) => `Only the consumer who rented #${a[0]} can do this; you are connected as ${shortAddress(String(a[1]))}.`,
  Marketplace_CallerNotParty: (a) => `Only the consumer or the provider of rental #${a[0]} can open a dispute.`,
  Marketplace_TokenNotAllowed: (a) => `The payment token ${shortAddress(String(a[0]))} is not accepted by the marketplace.`,
  Marketplace_ZeroPrice: () => "The price per hour must be more than zero.",
  Marketplace_ZeroCapacity: () => "Capacity must be at least one concurrent rental.",
  Marketplace_InvalidAvailability: (a) =>
    big(a[1]) === 0n
      ? "The availability window is invalid."
      : `The availability window must end after it starts and in the future (ends ${when(a[1])}).`,
  Marketplace_InvalidMetadataLength: (a) => `The listing details take ${a[0]} bytes; they must be between 1 and ${a[1]} bytes.`,
  Marketplace_InvalidBatchSize: (a) => `A bulk listing holds 1 to ${a[1]} listings; this one has ${a[0]}.`,
  Marketplace_ListingInactive: (a) => `Listing #${a[0]} is deactivated: it takes no new rentals.`,
  Marketplace_ListingStatusUnchanged: (a) => `Listing #${a[0]} is already ${a[1] ? "active" : "deactivated"}.`,
  Marketplace_PriceAboveMax: (a) =>
    `The price of listing #${a[0]} is now ${formatFtns(big(a[1]))} per hour, above your maximum of ${formatFtns(big(a[2]))}. Nothing was charged; check the new price and try again.`,
  Marketplace_InvalidHours: (a) => `You can rent for 1 to ${a[1]} hours (asked: ${a[0]}).`,
  Marketplace_CapacityFull: (a) => `Listing #${a[0]} is fully booked (${a[1]} concurrent rental${big(a[1]) === 1n ? "" : "s"}). Try again later.`,
  Marketplace_OutsideAvailability: (a) => `Listing #${a[0]} is not available for the whole time you asked (until ${when(a[2])}). Book fewer hours.`,
  Marketplace_SelfRental: (a) => `You are the provider of listing #${a[0]}: you cannot rent your own listing.`,
  Marketplace_InvalidStatus: (a) => `Rental #${a[0]} is ${RENTAL_STATUS_NAMES[Number(a[1])] ?? "in another state"} now, so this step no longer applies. The page will refresh.`,
  Marketplace_AcceptanceWindowOpen: (a) => `The provider still has until ${when(a[1])} to answer rental #${a[0]}; a refund is possible after that.`,
  Marketplace_AcceptanceWindowClosed: (a) => `The time to accept rental #${a[0]} ran out at ${when(a[1])}; the consumer can now be refunded.`,
  Marketplace_RentalNotEnded: (a) => `Rental #${a[0]} runs until ${when(a[1])}; it can be settled after that.`,
  Marketplace_RentalEnded: (a) => `Rental #${a[0]} already ended at ${when(a[1])}.`,
  Marketplace_NothingToRelease: (a) => `Nothing has accrued on rental #${a[0]} since the last release.`,
  Marketplace_DisputeWindowOpen: (a) => `The dispute on rental #${a[0]} is open until ${when(a[1])}.`,
  Marketplace_AwardAboveEscrow: (a) => `The award ${formatFtns(big(a[1]))} is more than the ${formatFtns(big(a[2]))} frozen on rental #${a[0]}.`,
  Marketplace_InvalidScore: (a) => `A rating is 1 to 5 stars (got ${a[0]}).`,
  Marketplace_AlreadyRated: (a) => `Rental #${a[0]} has already been rated.`,
  Marketplace_NothingToWithdraw: () => "There is nothing to withdraw yet.",
  Marketplace_TransferShortfall: (a) => `The token delivered ${formatFtns(big(a[2]))} instead of ${formatFtns(big(a[1]))}; it is not supported.`,
  Marketplace_InsufficientAllowance: (a) =>
    `The marketplace may take ${formatFtns(big(a[1]))} of your FTNS but needs ${formatFtns(big(a[2]))}. Approve the amount (or sign the permit) and try again.`,
  Marketplace_FeeTooHigh: (a) => `The fee ${a[0]} bps is above the cap of ${a[1]} bps.`,
  Marketplace_TimeoutOutOfBounds: (a) => `The timeout ${a[0]} s must be between ${a[1]} and ${a[2]} s.`,
  Marketplace_ZeroAddress: () => "An address was left empty.",
  Marketplace_TooManyTokens: (a) => `At most ${a[0]} payment tokens are allowed.`,
  ERC20InsufficientBalance: (a) => `Your FTNS balance is ${formatFtns(big(a[1]))}, but ${formatFtns(big(a[2]))} is needed.`,
  ERC20InsufficientAllowance: (a) => `The marketplace may take ${formatFtns(big(a[1]))} of your FTNS but needs ${formatFtns(big(a[2]))}.`,
  ERC2612ExpiredSignature: () => "The permit signature expired before the transaction was mined. Sign again.",
  ERC2612InvalidSigner: () => "The permit was signed by another account than the one sending the transaction.",
  ERC20ExceededCap: () => "The FTNS supply cap would be exceeded.",
  AccessControlUnauthorizedAccount: (a) => `${shortAddress(String(a[0]))} lacks the role needed for this action.`,
  ReentrancyGuardReentrantCall: () => "The call re-entered the marketplace and was refused.",
  SafeERC20FailedOperation: (a) => `The token ${shortAddress(String(a[0]))} refused the transfer.`,
};

export function contractErrorMessage(errorName: string, args: Args = []): string {
  const message = MESSAGES[errorName];
  return message ? message(args) : `The contract refused the call (${errorName}).`;
}
