import { expect } from "chai";
import {
  activeFixture,
  atTimestamp,
  ACCEPTANCE_TIMEOUT,
  listedFixture,
  networkHelpers,
  PRICE,
  requestedFixture,
  Status,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;

describe("Marketplace ratings", () => {
  /** Rental 1 settled at its end: Completed. */
  async function completedFixture() {
    const d = await activeFixture();
    await atTimestamp(d.endsAt);
    await d.marketplace.connect(d.stranger).settle(d.rentalId);
    return d;
  }

  describe("rate", () => {
    it("records the consumer's score on the listing and emits RentalRated", async () => {
      const { marketplace, consumer, rentalId, listingId } = await loadFixture(completedFixture);
      await expect(marketplace.connect(consumer).rate(rentalId, 4))
        .to.emit(marketplace, "RentalRated")
        .withArgs(rentalId, listingId, consumer.address, 4n);
      const listing = await marketplace.getListing(listingId);
      expect(listing.ratingSum).to.equal(4n);
      expect(listing.ratingCount).to.equal(1n);
      expect((await marketplace.getRental(rentalId)).rated).to.equal(true);
    });

    it("accepts the bounds 1 and 5, and the listing keeps the sum and count over rentals", async () => {
      const { marketplace, provider, consumer, other, listingId } = await loadFixture(listedFixture);
      for (const [rentalId, who] of [
        [1n, consumer],
        [2n, other],
      ] as const) {
        await marketplace.connect(who).rent(listingId, 1n, PRICE);
        await marketplace.connect(provider).accept(rentalId);
        const started = (await marketplace.getRental(rentalId)).startedAt;
        await atTimestamp(started + 3600n);
        await marketplace.connect(who).settle(rentalId);
      }
      await marketplace.connect(consumer).rate(1n, 1);
      await marketplace.connect(other).rate(2n, 5);
      const listing = await marketplace.getListing(listingId);
      expect(listing.ratingSum).to.equal(6n);
      expect(listing.ratingCount).to.equal(2n);
    });

    it("rates a rental the consumer terminated early (Completed)", async () => {
      const { marketplace, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      await marketplace.connect(consumer).terminate(rentalId);
      await marketplace.connect(consumer).rate(rentalId, 2);
      expect((await marketplace.getListing(listingId)).ratingSum).to.equal(2n);
    });

    it("rates a rental whose dispute was resolved (Resolved)", async () => {
      const { marketplace, admin, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      await marketplace.connect(consumer).openDispute(rentalId);
      await marketplace.connect(admin).resolveDispute(rentalId, 0n);
      await expect(marketplace.connect(consumer).rate(rentalId, 1))
        .to.emit(marketplace, "RentalRated")
        .withArgs(rentalId, listingId, consumer.address, 1n);
    });

    for (const score of [0, 6, 255]) {
      it(`reverts with Marketplace_InvalidScore for ${score}`, async () => {
        const { marketplace, consumer, rentalId } = await loadFixture(completedFixture);
        await expect(marketplace.connect(consumer).rate(rentalId, score))
          .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidScore")
          .withArgs(BigInt(score));
      });
    }

    it("reverts with Marketplace_AlreadyRated the second time", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(completedFixture);
      await marketplace.connect(consumer).rate(rentalId, 5);
      await expect(marketplace.connect(consumer).rate(rentalId, 5))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_AlreadyRated")
        .withArgs(rentalId);
    });

    it("reverts with Marketplace_CallerNotConsumer when the provider or a stranger rates", async () => {
      const { marketplace, provider, stranger, rentalId } = await loadFixture(completedFixture);
      for (const who of [provider, stranger]) {
        await expect(marketplace.connect(who).rate(rentalId, 5))
          .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotConsumer")
          .withArgs(rentalId, who.address);
      }
    });

    it("reverts with Marketplace_RentalNotFound for an unknown rental", async () => {
      const { marketplace, consumer } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rate(3n, 5))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotFound")
        .withArgs(3n);
    });

    it("reverts with Marketplace_InvalidStatus while requested, running or disputed", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).rate(rentalId, 5))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
      const active = await loadFixture(activeFixture);
      await expect(active.marketplace.connect(active.consumer).rate(rentalId, 5))
        .to.be.revertedWithCustomError(active.marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
      await active.marketplace.connect(active.consumer).openDispute(rentalId);
      await expect(active.marketplace.connect(active.consumer).rate(rentalId, 5))
        .to.be.revertedWithCustomError(active.marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Disputed);
    });

    it("reverts with Marketplace_InvalidStatus after a reject, a cancel or an expiry: nothing was delivered", async () => {
      const cases = [
        {
          status: Status.Rejected,
          close: (d: Awaited<ReturnType<typeof requestedFixture>>) =>
            d.marketplace.connect(d.provider).reject(d.rentalId),
        },
        {
          status: Status.Cancelled,
          close: (d: Awaited<ReturnType<typeof requestedFixture>>) =>
            d.marketplace.connect(d.consumer).cancel(d.rentalId),
        },
        {
          status: Status.Expired,
          close: async (d: Awaited<ReturnType<typeof requestedFixture>>) => {
            await atTimestamp(d.requestedAt + ACCEPTANCE_TIMEOUT + 1n);
            return d.marketplace.connect(d.stranger).refundExpired(d.rentalId);
          },
        },
      ];
      for (const { status, close } of cases) {
        const d = await loadFixture(requestedFixture);
        await close(d);
        await expect(d.marketplace.connect(d.consumer).rate(d.rentalId, 5))
          .to.be.revertedWithCustomError(d.marketplace, "Marketplace_InvalidStatus")
          .withArgs(d.rentalId, status);
      }
    });
  });
});
