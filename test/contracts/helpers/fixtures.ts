import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { FTNSToken, Marketplace, MockERC20 } from "../../../types/ethers-contracts/index.js";

/**
 * One in-process chain for the whole suite; fixtures snapshot and restore it between tests. Fixtures build
 * on each other by calling one another directly, never through a nested `loadFixture` (restoring an inner
 * snapshot while an outer fixture runs corrupts the helper's snapshot list).
 */
export const { ethers, networkHelpers } = await network.getOrCreate();

export const HOUR = 3600n;
export const DAY = 24n * HOUR;
export const UNIT = 10n ** 18n;
export const PRICE = UNIT; // 1 FTNS per hour
export const FEE_BPS = 250n;
export const BPS = 10_000n;
export const ACCEPTANCE_TIMEOUT = 30n * 60n;
export const DISPUTE_TIMEOUT = 7n * DAY;
export const TOKEN_CAP = 10n ** 27n;
export const MINTED = 1_000_000n * UNIT;
export const HOURS_BOOKED = 2n;
export const AMOUNT = PRICE * HOURS_BOOKED;

export const Status = {
  None: 0n,
  Requested: 1n,
  Active: 2n,
  Disputed: 3n,
  Completed: 4n,
  Rejected: 5n,
  Cancelled: 6n,
  Expired: 7n,
  Resolved: 8n,
} as const;

/** The protocol's cut of a gross payout, rounded down as the contract does. */
export function feeOf(gross: bigint, feeBps: bigint = FEE_BPS): bigint {
  return (gross * feeBps) / BPS;
}

/** Listing metadata JSON with the fields the indexer reads. */
export function metadata(title = "NVIDIA A100 80GB", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    title,
    description: "One dedicated A100 with NVLink, hourly billing.",
    category: "gpu",
    resource_type: "compute",
    location: "eu-west-1",
    specifications: { gpu: "A100", memory_gb: 80, vcpus: 32 },
    ...extra,
  });
}

export interface ListingInput {
  token: string;
  pricePerHour: bigint;
  availableFrom: bigint;
  availableUntil: bigint;
  capacity: bigint;
  metadata: string;
}

/** The common listing: capacity 1, open-ended, in `token`; override any field. */
export function listingParams(token: string, overrides: Partial<ListingInput> = {}): ListingInput {
  return {
    token,
    pricePerHour: PRICE,
    availableFrom: 0n,
    availableUntil: 0n,
    capacity: 1n,
    metadata: metadata(),
    ...overrides,
  };
}

export interface Deployed {
  admin: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  provider: HardhatEthersSigner;
  consumer: HardhatEthersSigner;
  other: HardhatEthersSigner;
  arbiter: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  token: FTNSToken;
  tokenAddress: string;
  marketplace: Marketplace;
  marketplaceAddress: string;
}

/** FTNS and the marketplace as the Ignition module would set them up; two funded, approving consumers. */
export async function deployFixture(): Promise<Deployed> {
  const [admin, treasury, provider, consumer, other, arbiter, stranger] = await ethers.getSigners();
  const token = (await ethers.deployContract("FTNSToken", [admin.address, TOKEN_CAP])) as unknown as FTNSToken;
  const tokenAddress = await token.getAddress();
  const marketplace = (await ethers.deployContract("Marketplace", [
    admin.address,
    treasury.address,
    tokenAddress,
    FEE_BPS,
    ACCEPTANCE_TIMEOUT,
    DISPUTE_TIMEOUT,
  ])) as unknown as Marketplace;
  const marketplaceAddress = await marketplace.getAddress();
  for (const account of [consumer, other]) {
    await token.mint(account.address, MINTED);
    await token.connect(account).approve(marketplaceAddress, ethers.MaxUint256);
  }
  return {
    admin,
    treasury,
    provider,
    consumer,
    other,
    arbiter,
    stranger,
    token,
    tokenAddress,
    marketplace,
    marketplaceAddress,
  };
}

/** + listing 1: the provider's common listing at PRICE per hour. */
export async function listedFixture() {
  const d = await deployFixture();
  await d.marketplace.connect(d.provider).createListing(listingParams(d.tokenAddress));
  return { ...d, listingId: 1n };
}

/** + rental 1: the consumer requested listing 1 for HOURS_BOOKED hours. */
export async function requestedFixture() {
  const d = await listedFixture();
  await d.marketplace.connect(d.consumer).rent(d.listingId, HOURS_BOOKED, PRICE);
  const requestedAt = (await d.marketplace.getRental(1n)).requestedAt;
  return { ...d, rentalId: 1n, requestedAt };
}

/** + the provider accepted rental 1; it runs from `startedAt` to `endsAt`. */
export async function activeFixture() {
  const d = await requestedFixture();
  await d.marketplace.connect(d.provider).accept(d.rentalId);
  const startedAt = (await d.marketplace.getRental(d.rentalId)).startedAt;
  return { ...d, startedAt, endsAt: startedAt + HOURS_BOOKED * HOUR };
}

/** + a second, plain ERC-20 allow-listed at index 1, funded and approved for both consumers. */
export async function secondTokenFixture() {
  const d = await deployFixture();
  const usd = (await ethers.deployContract("MockERC20", ["Mock USD", "MUSD"])) as unknown as MockERC20;
  const usdAddress = await usd.getAddress();
  await d.marketplace.setPaymentToken(usdAddress, true);
  for (const account of [d.consumer, d.other]) {
    await usd.mint(account.address, MINTED);
    await usd.connect(account).approve(d.marketplaceAddress, ethers.MaxUint256);
  }
  return { ...d, usd, usdAddress };
}

/** Mines the next transaction at exactly `timestamp`. */
export async function atTimestamp(timestamp: bigint): Promise<void> {
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
}
