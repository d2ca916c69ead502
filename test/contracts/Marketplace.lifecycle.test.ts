import { expect } from "chai";
import {
  ACCEPTANCE_TIMEOUT,
  AMOUNT,
  atTimestamp,
  DAY,
  DISPUTE_TIMEOUT,
  ethers,
  feeOf,
  HOUR,
  HOURS_BOOKED,
  listedFixture,
  listingParams,
  metadata,
  networkHelpers,
  PRICE,
  secondTokenFixture,
  Status,
} from "./helpers/fixtures.js";
import { expectSolvent } from "./helpers/invariants.js";

const { loadFixture, time } = networkHelpers;

/**
 * Whole rentals from request to withdrawal, with every balance checked and the solvency invariant
 * (balance == escrowed + fees + credits) asserted after every step.
 */
describe("Marketplace life cycles", () => {
  async function lifecycleFixture() {
    const d = await listedFixture();
    const everyone = [d.admin, d.treasury, d.provider, d.consumer, d.other, d.arbiter, d.stranger];
    const solvent = () => expectSolvent(d.marketplace, d.token, everyone);
    const rent = async () => {
      await d.marketplace.connect(d.consumer).rent(d.listingId, HOURS_BOOKED, PRICE);
      const rentalId = await d.marketplace.rentalCount();
      await solvent();
      return rentalId;
    };
    const accept = async (rentalId: bigint) => {
      await d.marketplace.connect(d.provider).accept(rentalId);
      await solvent();
      return (await d.marketplace.getRental(rentalId)).startedAt;
    };
    /** Withdraws every credit and the fees; afterwards the marketplace must hold nothing. */
    const drain = async () => {
      for (const account of [d.provider, d.consumer]) {
        if ((await d.marketplace.creditOf(account.address, d.tokenAddress)) > 0n) {
          await d.marketplace.connect(account).withdraw(d.tokenAddress);
          await solvent();
        }
      }
      if ((await d.marketplace.accruedFees(d.tokenAddress)) > 0n) {
        await d.marketplace.connect(d.stranger).withdrawFees(d.tokenAddress);
      }
      await solvent();
      expect(await d.token.balanceOf(d.marketplaceAddress)).to.equal(0n);
      expect(await d.marketplace.escrowed(d.tokenAddress)).to.equal(0n);
    };
    return { ...d, solvent, rent, accept, drain };
  }

  it("happy path: rent, accept, release partway, settle, withdraw", async () => {
    const d = await loadFixture(lifecycleFixture);
    const { marketplace, token, provider, consumer, treasury } = d;
    const consumerBefore = await token.balanceOf(consumer.address);

    await expect(marketplace.connect(consumer).rent(d.listingId, HOURS_BOOKED, PRICE)).to.changeTokenBalances(
      ethers,
      token,
      [consumer, marketplace],
      [-AMOUNT, AMOUNT],
    );
    await d.solvent();
    const startedAt = await d.accept(1n);

    await atTimestamp(startedAt + 3600n);
    await marketplace.connect(provider).release(1n);
    await d.solvent();
    expect(await marketplace.creditOf(provider.address, d.tokenAddress)).to.equal(AMOUNT / 2n - feeOf(AMOUNT / 2n));
    expect(await marketplace.escrowed(d.tokenAddress)).to.equal(AMOUNT / 2n);

    await atTimestamp(startedAt + 2n * HOUR);
    await marketplace.connect(consumer).settle(1n);
    await d.solvent();
    expect((await marketplace.getRental(1n)).status).to.equal(Status.Completed);
    const providerCredit = AMOUNT / 2n - feeOf(AMOUNT / 2n) + (AMOUNT / 2n - feeOf(AMOUNT / 2n));
    expect(await marketplace.creditOf(provider.address, d.tokenAddress)).to.equal(providerCredit);
    expect(await marketplace.accruedFees(d.tokenAddress)).to.equal(2n * feeOf(AMOUNT / 2n));

    await expect(marketplace.connect(provider).withdraw(d.tokenAddress)).to.changeTokenBalances(
      ethers,
      token,
      [provider, marketplace],
      [providerCredit, -providerCredit],
    );
    await expect(marketplace.withdrawFees(d.tokenAddress)).to.changeTokenBalances(
      ethers,
      token,
      [treasury],
      [2n * feeOf(AMOUNT / 2n)],
    );
    await d.drain();
    // Money is conserved: what the consumer paid is exactly what provider and treasury received.
    expect(consumerBefore - (await token.balanceOf(consumer.address))).to.equal(
      (await token.balanceOf(provider.address)) + (await token.balanceOf(treasury.address)),
    );
    await marketplace.connect(consumer).rate(1n, 5);
    expect((await marketplace.getListing(d.listingId)).ratingSum).to.equal(5n);
  });

  it("reject: the consumer gets everything back", async () => {
    const d = await loadFixture(lifecycleFixture);
    const before = await d.token.balanceOf(d.consumer.address);
    await d.rent();
    await d.marketplace.connect(d.provider).reject(1n);
    await d.solvent();
    await expect(d.marketplace.connect(d.consumer).withdraw(d.tokenAddress)).to.changeTokenBalances(
      ethers,
      d.token,
      [d.consumer],
      [AMOUNT],
    );
    expect(await d.token.balanceOf(d.consumer.address)).to.equal(before);
    await d.drain();
  });

  it("cancel: the consumer gets everything back and the unit is free again", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    await d.marketplace.connect(d.consumer).cancel(1n);
    await d.solvent();
    expect((await d.marketplace.getListing(d.listingId)).openRentals).to.equal(0n);
    await d.rent();
    await d.marketplace.connect(d.consumer).cancel(2n);
    await expect(d.marketplace.connect(d.consumer).withdraw(d.tokenAddress)).to.changeTokenBalances(
      ethers,
      d.token,
      [d.consumer],
      [2n * AMOUNT],
    );
    await d.drain();
  });

  it("timeout refund: anyone refunds after the acceptance timeout; accepting then reverts", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    const { requestedAt } = await d.marketplace.getRental(1n);
    await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT - 1n);
    await expect(d.marketplace.connect(d.stranger).refundExpired(1n))
      .to.be.revertedWithCustomError(d.marketplace, "Marketplace_AcceptanceWindowOpen")
      .withArgs(1n, requestedAt + ACCEPTANCE_TIMEOUT);
    await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT + 1n);
    await expect(d.marketplace.connect(d.provider).accept(1n))
      .to.be.revertedWithCustomError(d.marketplace, "Marketplace_AcceptanceWindowClosed")
      .withArgs(1n, requestedAt + ACCEPTANCE_TIMEOUT);
    await d.marketplace.connect(d.stranger).refundExpired(1n);
    await d.solvent();
    expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(AMOUNT);
    await d.drain();
  });

  it("extend, then settle: the provider is paid for every booked hour", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    const startedAt = await d.accept(1n);
    await atTimestamp(startedAt + HOUR);
    await d.marketplace.connect(d.consumer).extend(1n, 3n, PRICE);
    await d.solvent();
    expect(await d.marketplace.endsAt(1n)).to.equal(startedAt + 5n * HOUR);
    await atTimestamp(startedAt + 5n * HOUR);
    await expect(d.marketplace.connect(d.stranger).settle(1n))
      .to.emit(d.marketplace, "RentalSettled")
      .withArgs(1n, d.stranger.address, 5n * PRICE, feeOf(5n * PRICE));
    await d.solvent();
    await d.drain();
  });

  it("early termination: pro-rata per second, the unused part back to the consumer", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    const startedAt = await d.accept(1n);
    await atTimestamp(startedAt + 600n);
    await d.marketplace.connect(d.provider).release(1n);
    await d.solvent();
    // Ends at 4321 s of 7200: the provider gets 2e18 * 4321 / 7200 in all, the consumer the rest.
    await atTimestamp(startedAt + 4321n);
    await d.marketplace.connect(d.consumer).terminate(1n);
    await d.solvent();
    const earned = (AMOUNT * 4321n) / 7200n;
    expect(earned).to.equal(1_200_277_777_777_777_777n);
    expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(AMOUNT - earned);
    const firstRelease = (AMOUNT * 600n) / 7200n;
    expect(await d.marketplace.accruedFees(d.tokenAddress)).to.equal(
      feeOf(firstRelease) + feeOf(earned - firstRelease),
    );
    expect((await d.marketplace.getRental(1n)).released).to.equal(earned);
    await d.drain();
  });

  it("dispute resolved by the arbiter with a split", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    const startedAt = await d.accept(1n);
    await atTimestamp(startedAt + 1800n);
    await d.marketplace.connect(d.provider).release(1n);
    await d.marketplace.connect(d.consumer).openDispute(1n);
    await d.solvent();
    const frozen = AMOUNT - AMOUNT / 4n;
    await d.marketplace.connect(d.admin).resolveDispute(1n, frozen / 3n);
    await d.solvent();
    expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(frozen - frozen / 3n);
    await d.drain();
  });

  it("dispute left unresolved: the default applies after the dispute timeout", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.rent();
    const startedAt = await d.accept(1n);
    await atTimestamp(startedAt + 5400n);
    await d.marketplace.connect(d.provider).openDispute(1n);
    await d.solvent();
    await time.increase(DISPUTE_TIMEOUT + 1n);
    await d.marketplace.connect(d.stranger).resolveExpiredDispute(1n);
    await d.solvent();
    const toProvider = (AMOUNT * 5400n) / 7200n;
    expect(await d.marketplace.creditOf(d.provider.address, d.tokenAddress)).to.equal(toProvider - feeOf(toProvider));
    expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(AMOUNT - toProvider);
    await d.drain();
  });

  it("many rentals in every state on one listing keep the marketplace solvent throughout", async () => {
    const d = await loadFixture(lifecycleFixture);
    await d.marketplace.connect(d.provider).updateCapacity(d.listingId, 8n);
    const ids: bigint[] = [];
    for (let i = 0; i < 7; i++) ids.push(await d.rent());
    const [rejected, cancelled, settled, terminated, arbitrated, defaulted, expired] = ids;
    await d.marketplace.connect(d.provider).reject(rejected);
    await d.marketplace.connect(d.consumer).cancel(cancelled);
    for (const id of [settled, terminated, arbitrated, defaulted]) await d.accept(id);
    await time.increase(HOUR);
    await d.marketplace.connect(d.provider).release(settled);
    await d.marketplace.connect(d.consumer).terminate(terminated);
    await d.marketplace.connect(d.consumer).openDispute(arbitrated);
    await d.marketplace.connect(d.provider).openDispute(defaulted);
    await d.solvent();
    await d.marketplace.connect(d.stranger).refundExpired(expired);
    await d.marketplace.resolveDispute(arbitrated, AMOUNT / 4n);
    await time.increase(DISPUTE_TIMEOUT);
    await d.marketplace.connect(d.stranger).settle(settled);
    await d.marketplace.connect(d.stranger).resolveExpiredDispute(defaulted);
    await d.solvent();
    expect((await d.marketplace.getListing(d.listingId)).openRentals).to.equal(0n);
    await d.drain();
  });

  it("a windowed, multi-capacity listing in a second token runs alongside FTNS without mixing escrow", async () => {
    const d = await loadFixture(secondTokenFixture);
    const { marketplace, usd, usdAddress, tokenAddress, provider, consumer, other } = d;
    const everyone = [d.admin, d.treasury, provider, consumer, other, d.stranger];
    const now = BigInt(await time.latest());
    await marketplace.connect(provider).createListing(listingParams(tokenAddress));
    await marketplace.connect(provider).createListing(
      listingParams(usdAddress, {
        pricePerHour: 1_000_000n,
        availableFrom: now,
        availableUntil: now + 30n * DAY,
        capacity: 3n,
        metadata: metadata("Inference API", { category: "inference", resource_type: "api" }),
      }),
    );
    const view = await marketplace.getListing(2n);
    expect([view.token, view.capacity, view.active]).to.deep.equal([usdAddress, 3n, true]);

    await marketplace.connect(consumer).rent(1n, 2n, PRICE);
    await marketplace.connect(consumer).rent(2n, 4n, 1_000_000n);
    await marketplace.connect(other).rent(2n, 2n, 1_000_000n);
    expect(await marketplace.escrowed(tokenAddress)).to.equal(2n * PRICE);
    expect(await marketplace.escrowed(usdAddress)).to.equal(6_000_000n);
    for (const id of [1n, 2n, 3n]) await marketplace.connect(provider).accept(id);
    await time.increase(HOUR);
    await marketplace.connect(other).terminate(3n);
    await time.increase(4n * HOUR);
    for (const id of [1n, 2n]) await marketplace.connect(d.stranger).settle(id);
    await expectSolvent(marketplace, usd, everyone);
    await expectSolvent(marketplace, d.token, everyone);
    expect(await marketplace.escrowed(usdAddress)).to.equal(0n);

    for (const t of [usdAddress, tokenAddress]) {
      await marketplace.connect(provider).withdraw(t);
      await marketplace.withdrawFees(t);
    }
    if ((await marketplace.creditOf(other.address, usdAddress)) > 0n)
      await marketplace.connect(other).withdraw(usdAddress);
    expect(await usd.balanceOf(await marketplace.getAddress())).to.equal(0n);
    expect(await d.token.balanceOf(await marketplace.getAddress())).to.equal(0n);
  });
});
