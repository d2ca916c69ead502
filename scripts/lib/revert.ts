import { BaseError, ContractFunctionRevertedError, decodeErrorResult, keccak256, toHex, zeroHash, type Hex } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../generated/abis.js";
import { ContractRevertError } from "./errors.js";
import { formatFtns } from "./ftns.js";
import { rentalStatusName } from "./rental-status.js";
import { formatTimestamp } from "./time.js";

/** Every custom error either contract can raise; a marketplace call can bubble up a token error. */
const errorAbi = [...marketplaceAbi, ...ftnsTokenAbi].filter((item) => item.type === "error");

const ROLE_NAMES = new Map<string, string>([
  [zeroHash, "DEFAULT_ADMIN"],
  ...["MINTER_ROLE", "PAUSER_ROLE", "ARBITER_ROLE", "FEE_MANAGER_ROLE"].map(
    (role) => [keccak256(toHex(role)), role.replace(/_ROLE$/, "")] as [string, string],
  ),
]);

type Args = readonly unknown[];
const ftns = (units: unknown) => `${formatFtns(units as bigint)} FTNS`;
const time = (seconds: unknown) => formatTimestamp(seconds as bigint);

/** Each error in words, from its decoded arguments. */
const WORDS: Record<string, (a: Args) => string> = {
  Marketplace_Paused: () => "the marketplace is paused: new listings, rentals, extensions and acceptances are stopped",
  Marketplace_PauseStateUnchanged: ([paused]) => (paused ? "the marketplace is already paused" : "the marketplace is not paused"),
  Marketplace_ListingNotFound: ([id]) => `listing ${id} does not exist`,
  Marketplace_RentalNotFound: ([id]) => `rental ${id} does not exist`,
  Marketplace_CallerNotProvider: ([id, caller]) => `${caller} is not the provider of listing ${id}`,
  Marketplace_CallerNotConsumer: ([id, caller]) => `${caller} is not the consumer of rental ${id}`,
  Marketplace_CallerNotParty: ([id, caller]) => `${caller} is neither the consumer nor the provider of rental ${id}`,
  Marketplace_TokenNotAllowed: ([token]) => `${token} is not an allowed payment token`,
  Marketplace_ZeroPrice: () => "the price per hour must be above zero",
  Marketplace_ZeroCapacity: () => "the capacity must be at least 1",
  Marketplace_InvalidAvailability: ([from, until]) =>
    `the availability window ${time(from)} – ${time(until)} is invalid: it must end after it starts, and in the future`,
  Marketplace_InvalidMetadataLength: ([length, max]) => `the metadata is ${length} bytes; it must be 1 to ${max} bytes`,
  Marketplace_InvalidBatchSize: ([size, max]) => `a bulk listing takes 1 to ${max} listings, not ${size}`,
  Marketplace_ListingInactive: ([id]) => `listing ${id} is deactivated by its provider`,
  Marketplace_ListingStatusUnchanged: ([id, active]) => `listing ${id} is already ${active ? "active" : "inactive"}`,
  Marketplace_PriceAboveMax: ([id, price, max]) => `listing ${id} costs ${ftns(price)}/h, above your max ${ftns(max)}/h`,
  Marketplace_InvalidHours: ([hours, max]) => `hours must be 1 to ${max}, got ${hours}`,
  Marketplace_CapacityFull: ([id, capacity]) => `listing ${id} is fully booked: all ${capacity} of its concurrent rentals are taken`,
  Marketplace_OutsideAvailability: ([id, start, end]) => `listing ${id} is not available from ${time(start)} to ${time(end)}`,
  Marketplace_SelfRental: ([id]) => `you provide listing ${id}; a provider cannot rent its own listing`,
  Marketplace_InvalidStatus: ([id, status]) => `rental ${id} is ${rentalStatusName(Number(status))}, which does not allow this`,
  Marketplace_AcceptanceWindowOpen: ([id, deadline]) =>
    `the provider may still accept rental ${id} until ${time(deadline)}; it can be refunded as expired only after that`,
  Marketplace_AcceptanceWindowClosed: ([id, deadline]) =>
    `the time to accept rental ${id} ran out at ${time(deadline)}; it can only be refunded now`,
  Marketplace_RentalNotEnded: ([id, endsAt]) => `rental ${id} runs until ${time(endsAt)}; settle it after that`,
  Marketplace_RentalEnded: ([id, endsAt]) => `rental ${id} already ended at ${time(endsAt)}; settle it instead`,
  Marketplace_NothingToRelease: ([id]) => `nothing has accrued on rental ${id} since the last release`,
  Marketplace_DisputeWindowOpen: ([id, deadline]) =>
    `the dispute on rental ${id} awaits an arbiter until ${time(deadline)}; the default applies only after that`,
  Marketplace_AwardAboveEscrow: ([id, award, escrow]) => `an award of ${ftns(award)} exceeds the ${ftns(escrow)} frozen in rental ${id}`,
  Marketplace_InvalidScore: ([score]) => `a rating is 1 to 5, not ${score}`,
  Marketplace_AlreadyRated: ([id]) => `rental ${id} has already been rated`,
  Marketplace_NothingToWithdraw: ([account]) => `${account} has nothing to withdraw`,
  Marketplace_TransferShortfall: ([token, expected, received]) =>
    `${token} moved ${received} units instead of ${expected}: tokens that take a fee on transfer are refused`,
  Marketplace_InsufficientAllowance: ([, allowance, needed]) =>
    `the marketplace may move ${ftns(allowance)} of yours but needs ${ftns(needed)}: approve more or use --permit`,
  Marketplace_FeeTooHigh: ([fee, max]) => `a fee of ${fee} bps is above the cap of ${max} bps`,
  Marketplace_TimeoutOutOfBounds: ([timeout, min, max]) => `a timeout of ${timeout} s is outside ${min} to ${max} s`,
  Marketplace_ZeroAddress: () => "an address that must be set is zero",
  Marketplace_TooManyTokens: ([max]) => `the payment token allow-list already holds ${max} tokens`,
  ERC20InsufficientBalance: ([sender, balance, needed]) => `${sender} holds ${ftns(balance)}, but ${ftns(needed)} are needed`,
  ERC20InsufficientAllowance: ([spender, allowance, needed]) => `${spender} may move ${ftns(allowance)}, but ${ftns(needed)} are needed`,
  ERC20ExceededCap: ([supply, cap]) => `that would take the supply to ${ftns(supply)}, above the cap of ${ftns(cap)}`,
  ERC20InvalidReceiver: ([receiver]) => `${receiver} cannot receive FTNS`,
  ERC2612ExpiredSignature: ([deadline]) => `the permit expired at ${time(deadline)}`,
  ERC2612InvalidSigner: ([signer, owner]) => `the permit was signed by ${signer}, not by ${owner}`,
  AccessControlUnauthorizedAccount: ([account, role]) => `${account} lacks the ${ROLE_NAMES.get(String(role)) ?? role} role`,
};

export type DecodedRevert = { errorName: string; args: readonly unknown[] };

/** The raw revert data inside a viem error, if the node returned any. */
export function revertDataOf(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted?.raw) return reverted.raw;
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: string } | null;
  const data = withData?.data;
  return data && /^0x[0-9a-fA-F]{8,}$/.test(data) ? (data as Hex) : undefined;
}

export function decodeRevert(data: Hex): DecodedRevert | undefined {
  try {
    const { errorName, args } = decodeErrorResult({ abi: errorAbi, data });
    return { errorName, args: args ?? [] };
  } catch {
    return undefined;
  }
}

/** "Marketplace_PriceAboveMax: listing 3 costs 2.5 FTNS/h, above your max 2 FTNS/h". */
export function describeRevert({ errorName, args }: DecodedRevert): string {
  const words = WORDS[errorName];
  if (words) return `${errorName}: ${words(args)}`;
  if (errorName === "Error") return `reverted: ${args[0]}`;
  return `${errorName}(${args.map(String).join(", ")})`;
}

/**
 * Turns a viem error from a simulated or sent call into a ContractRevertError when it carries decodable
 * revert data; returns undefined for anything else (network trouble, bugs) so the caller rethrows it.
 */
export function toContractRevertError(error: unknown): ContractRevertError | undefined {
  const data = revertDataOf(error);
  const decoded = data ? decodeRevert(data) : undefined;
  if (decoded) return new ContractRevertError(describeRevert(decoded), decoded.errorName, decoded.args);
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (reverted) return new ContractRevertError(`the call reverted: ${reverted.reason ?? reverted.shortMessage}`, "unknown", []);
  }
  return undefined;
}
