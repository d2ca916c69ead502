import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import {
  ACCEPTANCE_TIMEOUT,
  activeFixture,
  AMOUNT,
  atTimestamp,
  DISPUTE_TIMEOUT,
  ethers,
  listedFixture,
  listingParams,
  networkHelpers,
  PRICE,
  requestedFixture,
  Status,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;

type Requested = Awaited<ReturnType<typeof requestedFixture>>;
type Active = Awaited<ReturnType<typeof activeFixture>>;

/**
 * Pause stops what creates new obligations (listings, rentals, extensions, acceptances) and nothing that
 * lets money leave: refunds, releases, settlement, disputes and withdrawals keep working, so a pause can
 * never trap funds.
 */
describe("Marketplace pause", () => {
  describe("stops new obligations", () => {
    const stopped: Array<[string, (d: Active) => Promise<ContractTransactionResponse>]> = [
      ["createListing", (d) => d.marketplace.connect(d.provider).createListing(listingParams(d.tokenAddress))],
      ["createListings", (d) => d.marketplace.connect(d.provider).createListings([listingParams(d.tokenAddress)])],
      ["rent", (d) => d.marketplace.connect(d.other).rent(d.listingId, 1n, PRICE)],
      [
        "rentWithPermit",
        (d) =>
          d.marketplace
            .connect(d.other)
            .rentWithPermit(d.listingId, 1n, PRICE, 0n, 0n, 0, ethers.ZeroHash, ethers.ZeroHash),
      ],
      ["extend", (d) => d.marketplace.connect(d.consumer).extend(d.rentalId, 1n, PRICE)],
    ];
    for (const [name, call] of stopped) {
      it(`${name} reverts with Marketplace_Paused`, async () => {
        const d = await loadFixture(activeFixture);
        await d.marketplace.pause();
        await expect(call(d)).to.be.revertedWithCustomError(d.marketplace, "Marketplace_Paused");
      });
    }

    it("accept reverts with Marketplace_Paused, and works again after unpause", async () => {
      const d = await loadFixture(requestedFixture);
      await d.marketplace.pause();
      await expect(d.marketplace.connect(d.provider).accept(d.rentalId)).to.be.revertedWithCustomError(
        d.marketplace,
        "Marketplace_Paused",
      );
      await d.marketplace.unpause();
      await d.marketplace.connect(d.provider).accept(d.rentalId);
      expect((await d.marketplace.getRental(d.rentalId)).status).to.equal(Status.Active);
    });
  });

  describe("never stops a way out", () => {
    const fromRequested: Array<[string, bigint, (d: Requested) => Promise<unknown>]> = [
      ["reject", Status.Rejected, (d) => d.marketplace.connect(d.provider).reject(d.rentalId)],
      ["cancel", Status.Cancelled, (d) => d.marketplace.connect(d.consumer).cancel(d.rentalId)],
      [
        "refundExpired",
        Status.Expired,
        async (d) => {
          await atTimestamp(d.requestedAt + ACCEPTANCE_TIMEOUT + 1n);
          return d.marketplace.connect(d.stranger).refundExpired(d.rentalId);
        },
      ],
    ];
    for (const [name, status, call] of fromRequested) {
      it(`${name} refunds while paused`, async () => {
        const d = await loadFixture(requestedFixture);
        await d.marketplace.pause();
        await call(d);
        expect((await d.marketplace.getRental(d.rentalId)).status).to.equal(status);
        expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(AMOUNT);
      });
    }

    it("release pays the provider while paused", async () => {
      const d = await loadFixture(activeFixture);
      await d.marketplace.pause();
      await atTimestamp(d.startedAt + 3600n);
      await expect(d.marketplace.connect(d.provider).release(d.rentalId))
        .to.emit(d.marketplace, "PaymentReleased")
        .withArgs(d.rentalId, AMOUNT / 2n, ((AMOUNT / 2n) * 250n) / 10_000n);
    });

    it("terminate refunds the consumer while paused", async () => {
      const d = await loadFixture(activeFixture);
      await d.marketplace.pause();
      await atTimestamp(d.startedAt + 3600n);
      await d.marketplace.connect(d.consumer).terminate(d.rentalId);
      expect(await d.marketplace.creditOf(d.consumer.address, d.tokenAddress)).to.equal(AMOUNT / 2n);
    });

    it("settle completes the rental while paused", async () => {
      const d = await loadFixture(activeFixture);
      await d.marketplace.pause();
      await atTimestamp(d.endsAt);
      await d.marketplace.connect(d.stranger).settle(d.rentalId);
      expect((await d.marketplace.getRental(d.rentalId)).status).to.equal(Status.Completed);
    });

    it("openDispute, resolveDispute and resolveExpiredDispute work while paused", async () => {
      const d = await loadFixture(listedFixture);
      await d.marketplace.connect(d.provider).updateCapacity(d.listingId, 2n);
      await d.marketplace.connect(d.consumer).rent(d.listingId, 1n, PRICE);
      await d.marketplace.connect(d.other).rent(d.listingId, 1n, PRICE);
      await d.marketplace.connect(d.provider).accept(1n);
      await d.marketplace.connect(d.provider).accept(2n);
      await d.marketplace.pause();
      await d.marketplace.connect(d.consumer).openDispute(1n);
      await d.marketplace.connect(d.provider).openDispute(2n);
      await d.marketplace.resolveDispute(1n, 0n);
      const { disputedAt } = await d.marketplace.getRental(2n);
      await atTimestamp(disputedAt + DISPUTE_TIMEOUT + 1n);
      await d.marketplace.connect(d.stranger).resolveExpiredDispute(2n);
      expect((await d.marketplace.getRental(1n)).status).to.equal(Status.Resolved);
      expect((await d.marketplace.getRental(2n)).status).to.equal(Status.Resolved);
    });

    it("rate, withdraw and withdrawFees work while paused", async () => {
      const d = await loadFixture(activeFixture);
      await atTimestamp(d.endsAt);
      await d.marketplace.connect(d.stranger).settle(d.rentalId);
      await d.marketplace.pause();
      await d.marketplace.connect(d.consumer).rate(d.rentalId, 5);
      await d.marketplace.connect(d.provider).withdraw(d.tokenAddress);
      await d.marketplace.connect(d.stranger).withdrawFees(d.tokenAddress);
      expect(await d.marketplace.creditOf(d.provider.address, d.tokenAddress)).to.equal(0n);
      expect(await d.marketplace.accruedFees(d.tokenAddress)).to.equal(0n);
      expect((await d.marketplace.getListing(d.listingId)).ratingCount).to.equal(1n);
    });
  });
});
