import type { NetworkConnection } from "hardhat/types/network";
import { Signature } from "ethers";

const HOUR = 3600;
const PRICE = 10n ** 18n;
// Calldata gas depends on the bytes sent, so every timestamp in calldata is a constant.
const START_TIME = 2_000_000_000;

/** Listing metadata of exactly `bytes` bytes, shaped like real metadata. */
export function metadataOfSize(bytes: number): string {
  const base = {
    title: "NVIDIA A100 80GB",
    description: "",
    category: "gpu",
    resource_type: "compute",
    location: "eu-west",
    specifications: { gpu: "A100", memory_gb: 80, vcpus: 32 },
  };
  const empty = JSON.stringify(base).length;
  base.description = "x".repeat(Math.max(0, bytes - empty));
  const json = JSON.stringify(base);
  if (json.length !== bytes) throw new Error(`metadata is ${json.length} bytes, wanted ${bytes}`);
  return json;
}

/**
 * Runs every main call once on warm state and returns the whole-transaction gas of each
 * (receipt.gasUsed). Warm state means every counter, balance and credit touched already exists,
 * as it does on a marketplace in use.
 */
export async function gasScenario(connection: NetworkConnection<"generic">): Promise<Record<string, number>> {
  const { ethers, networkHelpers } = connection as any;
  const [admin, provider, consumer] = await ethers.getSigners();
  await networkHelpers.time.increaseTo(START_TIME);
  const token = await ethers.deployContract("FTNSToken", [admin.address, 10n ** 27n]);
  const marketplace = await ethers.deployContract("Marketplace", [
    admin.address,
    admin.address,
    await token.getAddress(),
    250,
    1800,
    7 * 24 * HOUR,
  ]);
  const mAddr = await marketplace.getAddress();
  await token.mint(consumer.address, 10n ** 24n);
  await token.connect(consumer).approve(mAddr, ethers.MaxUint256);

  const params = {
    token: await token.getAddress(),
    pricePerHour: PRICE,
    availableFrom: 0,
    availableUntil: 0,
    capacity: 100,
    metadata: metadataOfSize(512),
  };
  const used = async (tx: Promise<any>) => Number((await (await tx).wait()).gasUsed);
  const m = marketplace as any;

  // Warm-up: a first listing and a completed rental, so counters, balances, credits and fees exist.
  await m.connect(provider).createListing(params);
  await m.connect(consumer).rent(1, 2, PRICE);
  await m.connect(provider).accept(1);
  await networkHelpers.time.increase(HOUR);
  await m.connect(provider).release(1);
  await m.connect(consumer).rent(1, 1, PRICE); // rental 2 keeps escrow non-zero

  const gas: Record<string, number> = {};
  // The common listing: one unit, open-ended window, paid in the default token.
  gas.createListing = await used(m.connect(provider).createListing({ ...params, capacity: 1 }));
  // The general case: a capacity and a window, which needs the listing's third storage slot.
  gas.createListingWindowed = await used(
    m.connect(provider).createListing({
      ...params,
      availableFrom: START_TIME,
      availableUntil: START_TIME + 90 * 24 * HOUR,
    }),
  );
  gas.rent = await used(m.connect(consumer).rent(1, 2, PRICE)); // rental 3
  gas.accept = await used(m.connect(provider).accept(3));
  await networkHelpers.time.increase(HOUR);
  gas.release = await used(m.connect(provider).release(3));
  await networkHelpers.time.increase(HOUR);
  gas.settle = await used(m.connect(consumer).settle(3));

  gas.cancel = await used(m.connect(consumer).cancel(2));
  gas.rentForReject = await used(m.connect(consumer).rent(1, 1, PRICE)); // rental 4
  gas.reject = await used(m.connect(provider).reject(4));

  // Permit path: a fresh allowance signed off-chain, consumed in the same transaction as rent.
  await token.connect(consumer).approve(mAddr, 0);
  const value = PRICE * 2n;
  const deadline = START_TIME + 30 * 24 * HOUR;
  const signature = Signature.from(
    await consumer.signTypedData(
      { name: "FTNS", version: "1", chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: await token.getAddress() },
      { Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ] },
      { owner: consumer.address, spender: mAddr, value, nonce: await token.nonces(consumer.address), deadline },
    ),
  );
  gas.rentWithPermit = await used(
    m.connect(consumer).rentWithPermit(1, 2, PRICE, value, deadline, signature.v, signature.r, signature.s),
  ); // rental 5
  await m.connect(provider).accept(5);
  await networkHelpers.time.increase(HOUR / 2);
  gas.terminate = await used(m.connect(consumer).terminate(5));
  gas.rate = await used(m.connect(consumer).rate(5, 5));
  gas.withdraw = await used(m.connect(provider).withdraw(await token.getAddress()));
  delete gas.rentForReject;
  return gas;
}
