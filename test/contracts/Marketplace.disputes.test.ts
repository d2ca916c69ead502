import { expect } from "chai";
import {
  activeFixture,
  AMOUNT,
  atTimestamp,
  DISPUTE_TIMEOUT,
  feeOf,
  HOUR,
  HOURS_BOOKED,
  networkHelpers,
  PRICE,
  requestedFixture,
  Status,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;

describe("Marketplace disputes", () => {
  /** Rental 1 released a quarter at t0+1800 and disputed by the consumer at t0+3600. */
  async function disputedFixture() {
    const d = await activeFixture();
    await atTimestamp(d.startedAt + 1800n);
    await d.marketplace.connect(d.provider).release(d.rentalId);
    const disputedAt = d.startedAt + 3600n;
    await atTimestamp(disputedAt);
    await d.marketplace.connect(d.consumer).openDispute(d.rentalId);
    return { ...d, disputedAt, released: AMOUNT / 4n, frozen: AMOUNT - AMOUNT / 4n };
  }

  describe("openDispute", () => {
    it("lets the consumer freeze the unreleased escrow and emits DisputeOpened", async () => {
      const { marketplace, consumer, rentalId, startedAt } = await loadFixture(activeFixture);
      await atTimestamp(startedAt + 600n);
      await expect(marketplace.connect(consumer).openDispute(rentalId))
        .to.emit(marketplace, "DisputeOpened")
        .withArgs(rentalId, consumer.address, AMOUNT);
      const rental = await marketplace.getRental(rentalId);
      expect(rental.status).to.equal(Status.Disputed);
      expect(rental.disputedAt).to.equal(startedAt + 600n);
      expect(await marketplace.releasable(rentalId)).to.equal(0n);
    });

    it("lets the provider open it too; the frozen amount excludes what was released", async () => {
      const { marketplace, provider, rentalId, startedAt } = await loadFixture(activeFixture);
      await atTimestamp(startedAt + 1800n);
      await marketplace.connect(provider).release(rentalId);
      await expect(marketplace.connect(provider).openDispute(rentalId))
        .to.emit(marketplace, "DisputeOpened")
        .withArgs(rentalId, provider.address, AMOUNT - AMOUNT / 4n);
    });

    it("reverts with Marketplace_CallerNotParty when a stranger opens it", async () => {
      const { marketplace, stranger, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(stranger).openDispute(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotParty")
        .withArgs(rentalId, stranger.address);
    });

    it("reverts with Marketplace_InvalidStatus before acceptance", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).openDispute(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
    });

    it("freezes the rental: release, terminate, settle, extend and a second dispute revert with Marketplace_InvalidStatus", async () => {
      const { marketplace, provider, consumer, stranger, rentalId, endsAt } = await loadFixture(disputedFixture);
      const calls = [
        marketplace.connect(provider).release(rentalId),
        marketplace.connect(consumer).terminate(rentalId),
        marketplace.connect(consumer).extend(rentalId, 1n, PRICE),
        marketplace.connect(provider).openDispute(rentalId),
      ];
      for (const call of calls) {
        await expect(call)
          .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
          .withArgs(rentalId, Status.Disputed);
      }
      await atTimestamp(endsAt);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Disputed);
    });
  });

  describe("resolveDispute", () => {
    it("splits the frozen escrow as the arbiter decides and emits DisputeResolved", async () => {
      const { marketplace, tokenAddress, admin, provider, consumer, rentalId, listingId, frozen, released } =
        await loadFixture(disputedFixture);
      const toProvider = PRICE / 2n;
      const tx = marketplace.connect(admin).resolveDispute(rentalId, toProvider);
      await expect(tx)
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, admin.address, false, toProvider, feeOf(toProvider), frozen - toProvider);
      const rental = await marketplace.getRental(rentalId);
      expect(rental.status).to.equal(Status.Resolved);
      expect(rental.released).to.equal(released + toProvider);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(
        released - feeOf(released) + toProvider - feeOf(toProvider),
      );
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(frozen - toProvider);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(feeOf(released) + feeOf(toProvider));
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
    });

    it("can award everything to the provider", async () => {
      const { marketplace, admin, rentalId, frozen } = await loadFixture(disputedFixture);
      await expect(marketplace.connect(admin).resolveDispute(rentalId, frozen))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, admin.address, false, frozen, feeOf(frozen), 0n);
    });

    it("can award everything back to the consumer, with no fee", async () => {
      const { marketplace, tokenAddress, admin, consumer, rentalId, frozen, released } = await loadFixture(
        disputedFixture,
      );
      await expect(marketplace.connect(admin).resolveDispute(rentalId, 0n))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, admin.address, false, 0n, 0n, frozen);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(frozen);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(feeOf(released));
    });

    it("reverts with Marketplace_AwardAboveEscrow when the award exceeds the frozen escrow", async () => {
      const { marketplace, admin, rentalId, frozen } = await loadFixture(disputedFixture);
      await expect(marketplace.connect(admin).resolveDispute(rentalId, frozen + 1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_AwardAboveEscrow")
        .withArgs(rentalId, frozen + 1n, frozen);
    });

    it("reverts with AccessControlUnauthorizedAccount for a caller without ARBITER_ROLE, even a party", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(disputedFixture);
      await expect(marketplace.connect(provider).resolveDispute(rentalId, 0n))
        .to.be.revertedWithCustomError(marketplace, "AccessControlUnauthorizedAccount")
        .withArgs(provider.address, await marketplace.ARBITER_ROLE());
    });

    it("is open to a dedicated arbiter once granted ARBITER_ROLE", async () => {
      const { marketplace, arbiter, rentalId, frozen } = await loadFixture(disputedFixture);
      await marketplace.grantRole(await marketplace.ARBITER_ROLE(), arbiter.address);
      await expect(marketplace.connect(arbiter).resolveDispute(rentalId, 1n))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, arbiter.address, false, 1n, 0n, frozen - 1n);
    });

    it("reverts with Marketplace_InvalidStatus for a rental that is not disputed", async () => {
      const { marketplace, admin, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(admin).resolveDispute(rentalId, 0n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });

    it("reverts with Marketplace_InvalidStatus when resolved twice", async () => {
      const { marketplace, admin, rentalId } = await loadFixture(disputedFixture);
      await marketplace.connect(admin).resolveDispute(rentalId, 0n);
      await expect(marketplace.connect(admin).resolveDispute(rentalId, 0n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Resolved);
    });
  });

  describe("resolveExpiredDispute", () => {
    it("reverts with Marketplace_DisputeWindowOpen up to and including the dispute deadline", async () => {
      const { marketplace, stranger, rentalId, disputedAt } = await loadFixture(disputedFixture);
      await atTimestamp(disputedAt + DISPUTE_TIMEOUT);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_DisputeWindowOpen")
        .withArgs(rentalId, disputedAt + DISPUTE_TIMEOUT);
    });

    it("by default pays the provider what had accrued when the dispute opened, minus what was released", async () => {
      const { marketplace, tokenAddress, stranger, provider, consumer, rentalId, disputedAt, released } =
        await loadFixture(disputedFixture);
      // Disputed halfway (3600 of 7200 s): half had accrued, a quarter was released already.
      const toProvider = AMOUNT / 2n - released;
      const toConsumer = AMOUNT / 2n;
      await atTimestamp(disputedAt + DISPUTE_TIMEOUT + 1n);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, stranger.address, true, toProvider, feeOf(toProvider), toConsumer);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(toConsumer);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(
        released - feeOf(released) + toProvider - feeOf(toProvider),
      );
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Resolved);
    });

    it("by default gives the provider everything unreleased when the dispute opened after the end", async () => {
      const { marketplace, provider, stranger, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt + 10n);
      await marketplace.connect(provider).openDispute(rentalId);
      await atTimestamp(endsAt + 10n + DISPUTE_TIMEOUT + 1n);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
        .to.emit(marketplace, "DisputeResolved")
        .withArgs(rentalId, stranger.address, true, AMOUNT, feeOf(AMOUNT), 0n);
    });

    it("uses the dispute timeout in force when called", async () => {
      const { marketplace, stranger, rentalId, disputedAt } = await loadFixture(disputedFixture);
      await marketplace.setDisputeTimeout(DISPUTE_TIMEOUT * 2n);
      await atTimestamp(disputedAt + DISPUTE_TIMEOUT + 1n);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_DisputeWindowOpen")
        .withArgs(rentalId, disputedAt + DISPUTE_TIMEOUT * 2n);
    });

    it("reverts with Marketplace_InvalidStatus for a rental that is not disputed", async () => {
      const { marketplace, stranger, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });
  });
});
