import { expect } from "chai";
import {
  activeFixture,
  AMOUNT,
  atTimestamp,
  DISPUTE_TIMEOUT,
  feeOf,
  HOUR,
  networkHelpers,
  PRICE,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;

/**
 * The provider earns the escrow per second, at the price each stretch of time was bought at. An extension
 * buys future hours at the listing's price of the day: accrual restarts at the extension from what had been
 * earned by then and spreads the rest of the escrow over the rest of the booking, so a price change between
 * rent and extension never reprices hours already used, whichever way it goes.
 *
 * Rental 1 (from activeFixture): 2 hours at 1 FTNS, started at t0.
 */
describe("Marketplace accrual across extensions", () => {
  /** At t0 + 1 h (1 FTNS earned) the provider cuts the price to 0.25 FTNS and the consumer adds 2 hours. */
  async function cheaperExtensionFixture() {
    const d = await activeFixture();
    await d.marketplace.connect(d.provider).updatePrice(d.listingId, PRICE / 4n);
    const extendedAt = d.startedAt + HOUR;
    await atTimestamp(extendedAt);
    await d.marketplace.connect(d.consumer).extend(d.rentalId, 2n, PRICE / 4n);
    // Escrow 2.5 FTNS; 1 FTNS earned at the extension; the other 1.5 FTNS over the 3 hours left.
    return { ...d, extendedAt, amount: AMOUNT + PRICE / 2n, earnedAtExtension: PRICE, rest: (3n * PRICE) / 2n };
  }

  it("terminating right after a cheaper extension pays the provider the used hour at the old price", async () => {
    const { marketplace, consumer, rentalId, extendedAt, amount } = await loadFixture(cheaperExtensionFixture);
    await atTimestamp(extendedAt + 1n);
    // 1 FTNS for the first hour, then 1.5 FTNS / 10800 s for one second: 138888888888888 wei (rounded down).
    const gross = 1_000_138_888_888_888_888n;
    await expect(marketplace.connect(consumer).terminate(rentalId))
      .to.emit(marketplace, "RentalTerminated")
      .withArgs(rentalId, gross, feeOf(gross), amount - gross);
  });

  it("a price raised before an extension does not charge the hours already used more", async () => {
    const { marketplace, provider, consumer, rentalId, listingId, startedAt } = await loadFixture(activeFixture);
    await marketplace.connect(provider).updatePrice(listingId, 3n * PRICE);
    await atTimestamp(startedAt + HOUR);
    await marketplace.connect(consumer).extend(rentalId, 1n, 3n * PRICE);
    // 1 FTNS for the first hour, then the remaining 4 FTNS over 7200 s: 555555555555555.5 wei per second.
    await networkHelpers.time.increaseTo(startedAt + HOUR + 1n);
    expect(await marketplace.releasable(rentalId)).to.equal(1_000_555_555_555_555_555n);
    await atTimestamp(startedAt + HOUR + 2n);
    const gross = 1_001_111_111_111_111_111n;
    await expect(marketplace.connect(consumer).terminate(rentalId))
      .to.emit(marketplace, "RentalTerminated")
      .withArgs(rentalId, gross, feeOf(gross), 5n * PRICE - gross);
  });

  it("releases after an extension continue from what was earned and released before it", async () => {
    const { marketplace, provider, consumer, rentalId, listingId, startedAt } = await loadFixture(activeFixture);
    await atTimestamp(startedAt + 1800n);
    await marketplace.connect(provider).release(rentalId); // 0.5 FTNS
    await marketplace.connect(provider).updatePrice(listingId, PRICE / 4n);
    await atTimestamp(startedAt + HOUR);
    await marketplace.connect(consumer).extend(rentalId, 1n, PRICE / 4n); // escrow 2.25 FTNS, 1 FTNS earned
    await atTimestamp(startedAt + 2n * HOUR);
    // Earned: 1 FTNS + 1.25 FTNS * 3600 / 7200 = 1.625 FTNS; 0.5 FTNS already released.
    const gross = 1_125_000_000_000_000_000n;
    await expect(marketplace.connect(provider).release(rentalId))
      .to.emit(marketplace, "PaymentReleased")
      .withArgs(rentalId, gross, feeOf(gross));
    await atTimestamp(startedAt + 3n * HOUR);
    await expect(marketplace.connect(consumer).settle(rentalId))
      .to.emit(marketplace, "RentalSettled")
      .withArgs(
        rentalId,
        consumer.address,
        2_250_000_000_000_000_000n - 1_625_000_000_000_000_000n,
        feeOf(625_000_000_000_000_000n),
      );
  });

  it("chains two extensions at different prices, each restarting accrual", async () => {
    const { marketplace, provider, consumer, rentalId, listingId, startedAt } = await loadFixture(activeFixture);
    await marketplace.connect(provider).updatePrice(listingId, 2n * PRICE);
    await atTimestamp(startedAt + HOUR);
    await marketplace.connect(consumer).extend(rentalId, 1n, 2n * PRICE); // escrow 4, earned 1, 3 left over 2 h
    await marketplace.connect(provider).updatePrice(listingId, PRICE / 2n);
    await atTimestamp(startedAt + 2n * HOUR);
    // Earned by now: 1 + 3 * 3600 / 7200 = 2.5 FTNS. The second extension restarts from there.
    await marketplace.connect(consumer).extend(rentalId, 2n, PRICE / 2n); // escrow 5, 2.5 left over 3 h
    await atTimestamp(startedAt + 2n * HOUR + 5400n);
    const earned = 2_500_000_000_000_000_000n + (2_500_000_000_000_000_000n * 5400n) / 10_800n;
    expect(earned).to.equal(3_750_000_000_000_000_000n);
    await expect(marketplace.connect(consumer).terminate(rentalId))
      .to.emit(marketplace, "RentalTerminated")
      .withArgs(rentalId, earned, feeOf(earned), 5n * PRICE - earned);
  });

  it("an extension at the same price keeps the rate, up to one wei of rounding where accrual restarts", async () => {
    const { marketplace, consumer, rentalId, startedAt } = await loadFixture(activeFixture);
    await atTimestamp(startedAt + 1000n);
    await marketplace.connect(consumer).extend(rentalId, 1n, PRICE);
    await networkHelpers.time.increaseTo(startedAt + 2000n);
    const atExtension = (AMOUNT * 1000n) / 7200n; // 277777777777777777, rounded down
    const earned = atExtension + ((3n * PRICE - atExtension) * 1000n) / (3n * HOUR - 1000n);
    expect(await marketplace.releasable(rentalId)).to.equal(earned);
    const uninterrupted = (PRICE * 2000n) / 3600n;
    expect(uninterrupted - earned).to.equal(1n);
  });

  it("the dispute default pays what had accrued at the dispute under the restarted accrual", async () => {
    const { marketplace, consumer, stranger, rentalId, extendedAt, amount, earnedAtExtension, rest } =
      await loadFixture(cheaperExtensionFixture);
    const disputedAt = extendedAt + 5400n;
    await atTimestamp(disputedAt);
    await marketplace.connect(consumer).openDispute(rentalId);
    const toProvider = earnedAtExtension + (rest * 5400n) / (3n * HOUR);
    expect(toProvider).to.equal(1_750_000_000_000_000_000n);
    await atTimestamp(disputedAt + DISPUTE_TIMEOUT + 1n);
    await expect(marketplace.connect(stranger).resolveExpiredDispute(rentalId))
      .to.emit(marketplace, "DisputeResolved")
      .withArgs(rentalId, stranger.address, true, toProvider, feeOf(toProvider), amount - toProvider);
  });

  it("after the end of an extended rental, settlement pays exactly the whole escrow", async () => {
    const { marketplace, provider, stranger, rentalId, startedAt, amount, tokenAddress } = await loadFixture(
      cheaperExtensionFixture,
    );
    await atTimestamp(startedAt + 4n * HOUR);
    await expect(marketplace.connect(stranger).settle(rentalId))
      .to.emit(marketplace, "RentalSettled")
      .withArgs(rentalId, stranger.address, amount, feeOf(amount));
    expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(amount - feeOf(amount));
    expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
  });
});
