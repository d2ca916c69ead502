import { expect } from "chai";
import {
  activeFixture,
  AMOUNT,
  atTimestamp,
  ethers,
  feeOf,
  FEE_BPS,
  HOUR,
  listedFixture,
  listingParams,
  networkHelpers,
  PRICE,
  requestedFixture,
  secondTokenFixture,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;

describe("Marketplace funds", () => {
  /** Rental 1 settled: the provider and the protocol hold credits in FTNS. */
  async function settledFixture() {
    const d = await activeFixture();
    await atTimestamp(d.endsAt);
    await d.marketplace.connect(d.stranger).settle(d.rentalId);
    return { ...d, providerCredit: AMOUNT - feeOf(AMOUNT), fees: feeOf(AMOUNT) };
  }

  describe("withdraw", () => {
    it("sends the caller its whole credit, zeroes it and emits Withdrawn", async () => {
      const { marketplace, token, tokenAddress, provider, providerCredit } = await loadFixture(settledFixture);
      const tx = marketplace.connect(provider).withdraw(tokenAddress);
      await expect(tx).to.emit(marketplace, "Withdrawn").withArgs(provider.address, tokenAddress, providerCredit);
      await expect(tx).to.changeTokenBalances(
        ethers,
        token,
        [provider, marketplace],
        [providerCredit, -providerCredit],
      );
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(0n);
    });

    it("returns the amount withdrawn", async () => {
      const { marketplace, tokenAddress, provider, providerCredit } = await loadFixture(settledFixture);
      expect(await marketplace.connect(provider).withdraw.staticCall(tokenAddress)).to.equal(providerCredit);
    });

    it("reverts with Marketplace_NothingToWithdraw when nothing is credited, and after withdrawing", async () => {
      const { marketplace, tokenAddress, provider, stranger } = await loadFixture(settledFixture);
      await expect(marketplace.connect(stranger).withdraw(tokenAddress))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_NothingToWithdraw")
        .withArgs(stranger.address, tokenAddress);
      await marketplace.connect(provider).withdraw(tokenAddress);
      await expect(marketplace.connect(provider).withdraw(tokenAddress))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_NothingToWithdraw")
        .withArgs(provider.address, tokenAddress);
    });

    it("keeps credits per token: withdrawing one token leaves the other", async () => {
      const { marketplace, usd, usdAddress, tokenAddress, provider, consumer } = await loadFixture(secondTokenFixture);
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { capacity: 2n }));
      await marketplace.connect(provider).createListing(listingParams(usdAddress, { pricePerHour: 40n }));
      await marketplace.connect(consumer).rent(1n, 1n, PRICE);
      await marketplace.connect(consumer).rent(2n, 2n, 40n);
      await marketplace.connect(provider).reject(1n);
      await marketplace.connect(provider).reject(2n);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(PRICE);
      expect(await marketplace.creditOf(consumer.address, usdAddress)).to.equal(80n);
      await expect(marketplace.connect(consumer).withdraw(usdAddress)).to.changeTokenBalances(
        ethers,
        usd,
        [consumer],
        [80n],
      );
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(PRICE);
    });

    it("works while paused", async () => {
      const { marketplace, tokenAddress, provider, providerCredit } = await loadFixture(settledFixture);
      await marketplace.pause();
      await expect(marketplace.connect(provider).withdraw(tokenAddress))
        .to.emit(marketplace, "Withdrawn")
        .withArgs(provider.address, tokenAddress, providerCredit);
    });
  });

  describe("withdrawFees", () => {
    it("lets anyone send the fees to the treasury and emits FeesWithdrawn", async () => {
      const { marketplace, token, tokenAddress, treasury, stranger, fees } = await loadFixture(settledFixture);
      const tx = marketplace.connect(stranger).withdrawFees(tokenAddress);
      await expect(tx).to.emit(marketplace, "FeesWithdrawn").withArgs(tokenAddress, treasury.address, fees);
      await expect(tx).to.changeTokenBalances(ethers, token, [treasury, marketplace, stranger], [fees, -fees, 0n]);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(0n);
    });

    it("returns the amount sent", async () => {
      const { marketplace, tokenAddress, stranger, fees } = await loadFixture(settledFixture);
      expect(await marketplace.connect(stranger).withdrawFees.staticCall(tokenAddress)).to.equal(fees);
    });

    it("pays the treasury in force at withdrawal time", async () => {
      const { marketplace, token, tokenAddress, other, fees } = await loadFixture(settledFixture);
      await marketplace.setTreasury(other.address);
      await expect(marketplace.withdrawFees(tokenAddress)).to.changeTokenBalances(ethers, token, [other], [fees]);
    });

    it("reverts with Marketplace_NothingToWithdraw when no fees are accrued", async () => {
      const { marketplace, tokenAddress, treasury } = await loadFixture(listedFixture);
      await expect(marketplace.withdrawFees(tokenAddress))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_NothingToWithdraw")
        .withArgs(treasury.address, tokenAddress);
    });

    it("works while paused", async () => {
      const { marketplace, tokenAddress, treasury, fees } = await loadFixture(settledFixture);
      await marketplace.pause();
      await expect(marketplace.withdrawFees(tokenAddress))
        .to.emit(marketplace, "FeesWithdrawn")
        .withArgs(tokenAddress, treasury.address, fees);
    });
  });

  describe("fee accounting", () => {
    it("fixes the fee at rent time: a later setFee does not change an open rental's fee", async () => {
      const { marketplace, tokenAddress, admin, provider, stranger, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(admin).setFee(1000n))
        .to.emit(marketplace, "FeeUpdated")
        .withArgs(FEE_BPS, 1000n);
      await marketplace.connect(provider).accept(rentalId);
      const { startedAt, feeBps } = await marketplace.getRental(rentalId);
      expect(feeBps).to.equal(FEE_BPS);
      await atTimestamp(startedAt + 2n * HOUR);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(rentalId, stranger.address, AMOUNT, (AMOUNT * FEE_BPS) / 10_000n);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(50_000_000_000_000_000n); // 2.5% of 2 FTNS
    });

    it("applies the rental's own fee to every payout path: release, terminate, arbiter and default", async () => {
      const d = await loadFixture(listedFixture);
      const { marketplace, admin, provider, consumer, other, stranger, listingId } = d;
      await marketplace.connect(provider).updateCapacity(listingId, 3n);
      for (const who of [consumer, other, consumer]) await marketplace.connect(who).rent(listingId, 2n, PRICE);
      for (const id of [1n, 2n, 3n]) await marketplace.connect(provider).accept(id);
      await marketplace.setFee(1000n); // 10% for rentals made from now on; these three keep 2.5%
      const startedAt = (id: bigint) => marketplace.getRental(id).then((r) => r.startedAt);
      const accrued = async (id: bigint, at: bigint) => (AMOUNT * (at - (await startedAt(id)))) / (2n * HOUR);

      const releaseAt = (await startedAt(1n)) + HOUR;
      await atTimestamp(releaseAt);
      await expect(marketplace.connect(provider).release(1n))
        .to.emit(marketplace, "PaymentReleased")
        .withArgs(1n, PRICE, feeOf(PRICE));

      const terminateAt = releaseAt + 10n;
      await atTimestamp(terminateAt);
      const terminated = await accrued(2n, terminateAt);
      await expect(marketplace.connect(other).terminate(2n))
        .to.emit(marketplace, "RentalTerminated")
        .withArgs(2n, terminated, feeOf(terminated), AMOUNT - terminated);

      await marketplace.connect(consumer).openDispute(3n);
      await expect(marketplace.connect(admin).resolveDispute(3n, PRICE))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(3n, admin.address, false, PRICE, feeOf(PRICE), AMOUNT - PRICE);

      const disputeAt = BigInt(await networkHelpers.time.latest()) + 100n;
      await atTimestamp(disputeAt);
      await marketplace.connect(consumer).openDispute(1n);
      const toProvider = (await accrued(1n, disputeAt)) - PRICE;
      await atTimestamp(disputeAt + 8n * 24n * HOUR);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(1n))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(1n, stranger.address, true, toProvider, feeOf(toProvider), AMOUNT - PRICE - toProvider);
      expect(feeOf(toProvider, 1000n)).to.not.equal(feeOf(toProvider));
    });

    it("charges new rentals the fee in force when they are made", async () => {
      const { marketplace, consumer, other, provider, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).updateCapacity(listingId, 2n);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      await marketplace.setFee(1000n);
      await expect(marketplace.connect(other).rent(listingId, 1n, PRICE))
        .to.emit(marketplace, "RentalRequested")
        .withArgs(2n, listingId, other.address, 1n, PRICE, PRICE, 1000n);
      expect((await marketplace.getRental(1n)).feeBps).to.equal(FEE_BPS);
      expect((await marketplace.getRental(2n)).feeBps).to.equal(1000n);
    });

    it("takes no fee from a rental made while the fee was zero", async () => {
      const { marketplace, tokenAddress, provider, consumer, stranger, listingId } = await loadFixture(listedFixture);
      await marketplace.setFee(0n);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      await marketplace.connect(provider).accept(1n);
      await marketplace.setFee(1000n);
      const { startedAt } = await marketplace.getRental(1n);
      await atTimestamp(startedAt + HOUR);
      await expect(marketplace.connect(stranger).settle(1n))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(1n, stranger.address, PRICE, 0n);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(0n);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(PRICE);
    });

    it("rounds the fee down, in the provider's favour", async () => {
      const { marketplace, tokenAddress, provider, consumer, stranger } = await loadFixture(listedFixture);
      // 39 wei at 2.5% is 0.975 wei: the protocol gets nothing.
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { pricePerHour: 39n }));
      await marketplace.connect(consumer).rent(2n, 1n, 39n);
      await marketplace.connect(provider).accept(1n);
      const { startedAt } = await marketplace.getRental(1n);
      await atTimestamp(startedAt + HOUR);
      await expect(marketplace.connect(stranger).settle(1n))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(1n, stranger.address, 39n, 0n);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(39n);
    });
  });
});
