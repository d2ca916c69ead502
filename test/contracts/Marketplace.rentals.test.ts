import { expect } from "chai";
import {
  ACCEPTANCE_TIMEOUT,
  activeFixture,
  AMOUNT,
  atTimestamp,
  DAY,
  deployFixture,
  ethers,
  feeOf,
  FEE_BPS,
  HOUR,
  HOURS_BOOKED,
  listedFixture,
  listingParams,
  MINTED,
  networkHelpers,
  PRICE,
  requestedFixture,
  secondTokenFixture,
  Status,
} from "./helpers/fixtures.js";
import { signPermit } from "./helpers/permit.js";

const { loadFixture, time } = networkHelpers;
const MAX_HOURS = 24n * 365n;

describe("Marketplace rentals", () => {
  describe("rent", () => {
    it("escrows price * hours from the consumer and emits RentalRequested", async () => {
      const { marketplace, token, consumer, listingId } = await loadFixture(listedFixture);
      const tx = marketplace.connect(consumer).rent(listingId, HOURS_BOOKED, PRICE);
      await expect(tx)
        .to.emit(marketplace, "RentalRequested")
        .withArgs(1n, listingId, consumer.address, HOURS_BOOKED, PRICE, AMOUNT, FEE_BPS);
      await expect(tx).to.changeTokenBalances(ethers, token, [consumer, marketplace], [-AMOUNT, AMOUNT]);
    });

    it("records the request, holds one unit of capacity and counts the escrow", async () => {
      const { marketplace, tokenAddress, consumer, listingId, requestedAt } = await loadFixture(requestedFixture);
      const rental = await marketplace.getRental(1n);
      expect(rental.consumer).to.equal(consumer.address);
      expect(rental.listingId).to.equal(listingId);
      expect(rental.hoursBooked).to.equal(HOURS_BOOKED);
      expect(rental.amount).to.equal(AMOUNT);
      expect(rental.requestedAt).to.equal(requestedAt);
      expect(rental.requestedAt).to.equal(BigInt(await time.latest()));
      expect(rental.startedAt).to.equal(0n);
      expect(rental.status).to.equal(Status.Requested);
      expect(rental.feeBps).to.equal(FEE_BPS);
      expect(rental.released).to.equal(0n);
      expect(rental.disputedAt).to.equal(0n);
      expect(rental.rated).to.equal(false);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(1n);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(AMOUNT);
      expect(await marketplace.rentalCount()).to.equal(1n);
      expect(await marketplace.endsAt(1n)).to.equal(0n);
      expect(await marketplace.releasable(1n)).to.equal(0n);
    });

    it("returns consecutive rental ids", async () => {
      const { marketplace, provider, consumer, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).updateCapacity(listingId, 3n);
      expect(await marketplace.connect(consumer).rent.staticCall(listingId, 1n, PRICE)).to.equal(1n);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      expect(await marketplace.connect(consumer).rent.staticCall(listingId, 1n, PRICE)).to.equal(2n);
    });

    it("charges the listing's price, not the caller's higher maximum", async () => {
      const { marketplace, token, consumer, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rent(listingId, 3n, 10n * PRICE)).to.changeTokenBalances(
        ethers,
        token,
        [consumer],
        [-3n * PRICE],
      );
    });

    it("reverts with Marketplace_PriceAboveMax when the price is above the max", async () => {
      const { marketplace, consumer, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rent(listingId, 1n, PRICE - 1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PriceAboveMax")
        .withArgs(listingId, PRICE, PRICE - 1n);
    });

    it("reverts with Marketplace_InvalidHours for zero hours", async () => {
      const { marketplace, consumer, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rent(listingId, 0n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidHours")
        .withArgs(0n, MAX_HOURS);
    });

    it("accepts exactly the maximum hours and reverts with Marketplace_InvalidHours one above", async () => {
      const { marketplace, consumer, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rent(listingId, MAX_HOURS + 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidHours")
        .withArgs(MAX_HOURS + 1n, MAX_HOURS);
      await marketplace.connect(consumer).rent(listingId, MAX_HOURS, PRICE);
      expect((await marketplace.getRental(1n)).amount).to.equal(MAX_HOURS * PRICE);
    });

    it("reverts with Marketplace_CapacityFull when every unit is taken by open rentals", async () => {
      const { marketplace, other, listingId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(other).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CapacityFull")
        .withArgs(listingId, 1n);
    });

    it("allows as many concurrent rentals as the capacity", async () => {
      const { marketplace, provider, consumer, other, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).updateCapacity(listingId, 2n);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      await marketplace.connect(other).rent(listingId, 1n, PRICE);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(2n);
      await expect(marketplace.connect(consumer).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CapacityFull")
        .withArgs(listingId, 2n);
    });

    it("frees the unit again once a rental closes", async () => {
      const { marketplace, consumer, other, listingId, rentalId } = await loadFixture(requestedFixture);
      await marketplace.connect(consumer).cancel(rentalId);
      await marketplace.connect(other).rent(listingId, 1n, PRICE);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(1n);
    });

    it("reverts with Marketplace_ListingNotFound for an unknown listing", async () => {
      const { marketplace, consumer } = await loadFixture(listedFixture);
      await expect(marketplace.connect(consumer).rent(42n, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingNotFound")
        .withArgs(42n);
    });

    it("reverts with Marketplace_ListingInactive for a deactivated listing", async () => {
      const { marketplace, provider, consumer, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).setListingActive(listingId, false);
      await expect(marketplace.connect(consumer).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingInactive")
        .withArgs(listingId);
    });

    it("reverts with Marketplace_SelfRental when the provider rents its own listing", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_SelfRental")
        .withArgs(listingId);
    });

    it("reverts with Marketplace_OutsideAvailability before the window opens", async () => {
      const { marketplace, provider, consumer, tokenAddress } = await loadFixture(deployFixture);
      const now = BigInt(await time.latest());
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableFrom: now + DAY }));
      // Relative to the latest block, not to `now`: wall-clock time passes between a fixture and its test.
      const at = BigInt(await time.latest()) + 100n;
      await atTimestamp(at);
      await expect(marketplace.connect(consumer).rent(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_OutsideAvailability")
        .withArgs(1n, at, at + HOUR);
    });

    it("rents from the first second of the window", async () => {
      const { marketplace, provider, consumer, tokenAddress } = await loadFixture(deployFixture);
      const from = BigInt(await time.latest()) + DAY;
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableFrom: from }));
      await atTimestamp(from);
      await marketplace.connect(consumer).rent(1n, 1n, PRICE);
      expect((await marketplace.getRental(1n)).requestedAt).to.equal(from);
    });

    it("reverts with Marketplace_OutsideAvailability when the booking would run past the window", async () => {
      const { marketplace, provider, consumer, tokenAddress } = await loadFixture(deployFixture);
      const now = BigInt(await time.latest());
      const until = now + 10n * HOUR;
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableUntil: until }));
      const at = BigInt(await time.latest()) + 10n;
      await atTimestamp(at);
      await expect(marketplace.connect(consumer).rent(1n, 10n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_OutsideAvailability")
        .withArgs(1n, at, at + 10n * HOUR);
      // Ending exactly at the window's end is allowed.
      await atTimestamp(until - 9n * HOUR);
      await marketplace.connect(consumer).rent(1n, 9n, PRICE);
      expect((await marketplace.getRental(1n)).hoursBooked).to.equal(9n);
    });

    it("reverts with Marketplace_TokenNotAllowed when the listing's token was disallowed after listing", async () => {
      const { marketplace, provider, consumer, usdAddress } = await loadFixture(secondTokenFixture);
      await marketplace.connect(provider).createListing(listingParams(usdAddress));
      await marketplace.setPaymentToken(usdAddress, false);
      await expect(marketplace.connect(consumer).rent(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(usdAddress);
    });

    it("reverts with Marketplace_InsufficientAllowance when the consumer has not approved enough", async () => {
      const { marketplace, token, tokenAddress, stranger, listingId } = await loadFixture(listedFixture);
      await token.mint(stranger.address, MINTED);
      await token.connect(stranger).approve(await marketplace.getAddress(), PRICE);
      await expect(marketplace.connect(stranger).rent(listingId, 2n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InsufficientAllowance")
        .withArgs(tokenAddress, PRICE, 2n * PRICE);
    });

    it("reverts with the token's ERC20InsufficientBalance when the consumer cannot pay", async () => {
      const { marketplace, token, stranger, listingId, marketplaceAddress } = await loadFixture(listedFixture);
      await token.connect(stranger).approve(marketplaceAddress, ethers.MaxUint256);
      await expect(marketplace.connect(stranger).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(stranger.address, 0n, PRICE);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, consumer, listingId } = await loadFixture(listedFixture);
      await marketplace.pause();
      await expect(marketplace.connect(consumer).rent(listingId, 1n, PRICE)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_Paused",
      );
    });

    it("escrows a second token separately from FTNS", async () => {
      const { marketplace, usd, usdAddress, tokenAddress, provider, consumer } = await loadFixture(secondTokenFixture);
      await marketplace.connect(provider).createListing(listingParams(usdAddress, { pricePerHour: 5n }));
      await expect(marketplace.connect(consumer).rent(1n, 3n, 5n)).to.changeTokenBalances(
        ethers,
        usd,
        [consumer, marketplace],
        [-15n, 15n],
      );
      expect(await marketplace.escrowed(usdAddress)).to.equal(15n);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
    });
  });

  describe("rentWithPermit", () => {
    async function permitFixture() {
      const d = await listedFixture();
      // A consumer that holds FTNS but never approved the marketplace.
      await d.token.mint(d.stranger.address, MINTED);
      const deadline = BigInt(await time.latest()) + DAY;
      return { ...d, deadline };
    }

    it("rents in one transaction using the permit for the allowance", async () => {
      const { marketplace, token, stranger, listingId, marketplaceAddress, deadline } = await loadFixture(
        permitFixture,
      );
      const value = 5n * PRICE;
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, value, deadline);
      const tx = marketplace.connect(stranger).rentWithPermit(listingId, 2n, PRICE, value, deadline, v, r, s);
      await expect(tx)
        .to.emit(marketplace, "RentalRequested")
        .withArgs(1n, listingId, stranger.address, 2n, PRICE, 2n * PRICE, FEE_BPS);
      await expect(tx).to.changeTokenBalances(ethers, token, [stranger, marketplace], [-2n * PRICE, 2n * PRICE]);
      expect(await token.nonces(stranger.address)).to.equal(1n);
      expect(await token.allowance(stranger.address, marketplaceAddress)).to.equal(value - 2n * PRICE);
    });

    it("reverts with Marketplace_InsufficientAllowance when the permit is invalid and nothing was approved", async () => {
      const { marketplace, token, tokenAddress, stranger, other, listingId, marketplaceAddress, deadline } =
        await loadFixture(permitFixture);
      // Signed by someone else: the token rejects it, the marketplace falls back to the (zero) allowance.
      const { v, r, s } = await signPermit(token, other, marketplaceAddress, PRICE, deadline, stranger.address);
      await expect(marketplace.connect(stranger).rentWithPermit(listingId, 1n, PRICE, PRICE, deadline, v, r, s))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InsufficientAllowance")
        .withArgs(tokenAddress, 0n, PRICE);
    });

    it("uses an existing allowance when the permit has expired", async () => {
      const { marketplace, token, stranger, listingId, marketplaceAddress } = await loadFixture(permitFixture);
      await token.connect(stranger).approve(marketplaceAddress, PRICE);
      const expired = BigInt(await time.latest()) - 1n;
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, PRICE, expired);
      await marketplace.connect(stranger).rentWithPermit(listingId, 1n, PRICE, PRICE, expired, v, r, s);
      expect(await token.nonces(stranger.address)).to.equal(0n);
      expect((await marketplace.getRental(1n)).consumer).to.equal(stranger.address);
    });

    it("works with a token that has no permit at all, given an approval", async () => {
      const { marketplace, usd, usdAddress, provider, consumer } = await loadFixture(secondTokenFixture);
      await marketplace.connect(provider).createListing(listingParams(usdAddress, { pricePerHour: 5n }));
      await expect(
        marketplace.connect(consumer).rentWithPermit(1n, 2n, 5n, 0n, 0n, 0, ethers.ZeroHash, ethers.ZeroHash),
      ).to.changeTokenBalances(ethers, usd, [consumer], [-10n]);
    });

    it("reverts with Marketplace_ListingNotFound for an unknown listing", async () => {
      const { marketplace, stranger } = await loadFixture(permitFixture);
      await expect(
        marketplace.connect(stranger).rentWithPermit(9n, 1n, PRICE, PRICE, 0n, 0, ethers.ZeroHash, ethers.ZeroHash),
      )
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingNotFound")
        .withArgs(9n);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, token, stranger, listingId, marketplaceAddress, deadline } = await loadFixture(
        permitFixture,
      );
      await marketplace.pause();
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, PRICE, deadline);
      await expect(
        marketplace.connect(stranger).rentWithPermit(listingId, 1n, PRICE, PRICE, deadline, v, r, s),
      ).to.be.revertedWithCustomError(marketplace, "Marketplace_Paused");
    });

    it("reverts with Marketplace_PriceAboveMax when the price is above the max", async () => {
      const { marketplace, token, stranger, listingId, marketplaceAddress, deadline } = await loadFixture(
        permitFixture,
      );
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, PRICE, deadline);
      await expect(marketplace.connect(stranger).rentWithPermit(listingId, 1n, PRICE / 2n, PRICE, deadline, v, r, s))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PriceAboveMax")
        .withArgs(listingId, PRICE, PRICE / 2n);
    });
  });

  describe("accept", () => {
    it("starts the rental now and emits RentalAccepted with start and end", async () => {
      const { marketplace, provider, rentalId, requestedAt } = await loadFixture(requestedFixture);
      const at = requestedAt + 60n;
      await atTimestamp(at);
      await expect(marketplace.connect(provider).accept(rentalId))
        .to.emit(marketplace, "RentalAccepted")
        .withArgs(rentalId, at, at + HOURS_BOOKED * HOUR);
      const rental = await marketplace.getRental(rentalId);
      expect(rental.status).to.equal(Status.Active);
      expect(rental.startedAt).to.equal(at);
      expect(await marketplace.endsAt(rentalId)).to.equal(at + HOURS_BOOKED * HOUR);
    });

    it("accepts at the last second of the acceptance timeout", async () => {
      const { marketplace, provider, rentalId, requestedAt } = await loadFixture(requestedFixture);
      await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT);
      await marketplace.connect(provider).accept(rentalId);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Active);
    });

    it("reverts with Marketplace_AcceptanceWindowClosed after the acceptance timeout", async () => {
      const { marketplace, provider, rentalId, requestedAt } = await loadFixture(requestedFixture);
      await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT + 1n);
      await expect(marketplace.connect(provider).accept(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_AcceptanceWindowClosed")
        .withArgs(rentalId, requestedAt + ACCEPTANCE_TIMEOUT);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else accepts", async () => {
      const { marketplace, consumer, rentalId, listingId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).accept(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, consumer.address);
    });

    it("reverts with Marketplace_RentalNotFound for an unknown rental", async () => {
      const { marketplace, provider } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(provider).accept(7n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotFound")
        .withArgs(7n);
    });

    it("reverts with Marketplace_InvalidStatus when the rental is already running", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(provider).accept(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(requestedFixture);
      await marketplace.pause();
      await expect(marketplace.connect(provider).accept(rentalId)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_Paused",
      );
    });
  });

  describe("reject", () => {
    it("credits the whole escrow back to the consumer and emits RentalRejected", async () => {
      const { marketplace, tokenAddress, provider, consumer, rentalId, listingId } = await loadFixture(
        requestedFixture,
      );
      await expect(marketplace.connect(provider).reject(rentalId))
        .to.emit(marketplace, "RentalRejected")
        .withArgs(rentalId, AMOUNT);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Rejected);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(AMOUNT);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else rejects", async () => {
      const { marketplace, stranger, rentalId, listingId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(stranger).reject(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });

    it("reverts with Marketplace_InvalidStatus once accepted", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(provider).reject(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });
  });

  describe("cancel", () => {
    it("credits the whole escrow back to the consumer and emits RentalCancelled", async () => {
      const { marketplace, tokenAddress, consumer, rentalId, listingId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).cancel(rentalId))
        .to.emit(marketplace, "RentalCancelled")
        .withArgs(rentalId, AMOUNT);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Cancelled);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(AMOUNT);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
    });

    it("reverts with Marketplace_CallerNotConsumer when someone else cancels", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(provider).cancel(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotConsumer")
        .withArgs(rentalId, provider.address);
    });

    it("reverts with Marketplace_InvalidStatus once accepted", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(consumer).cancel(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });

    it("reverts with Marketplace_InvalidStatus when cancelled twice", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(requestedFixture);
      await marketplace.connect(consumer).cancel(rentalId);
      await expect(marketplace.connect(consumer).cancel(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Cancelled);
    });
  });

  describe("refundExpired", () => {
    it("reverts with Marketplace_AcceptanceWindowOpen up to and including the deadline", async () => {
      const { marketplace, stranger, rentalId, requestedAt } = await loadFixture(requestedFixture);
      await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT);
      await expect(marketplace.connect(stranger).refundExpired(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_AcceptanceWindowOpen")
        .withArgs(rentalId, requestedAt + ACCEPTANCE_TIMEOUT);
    });

    it("lets anyone refund the consumer after the deadline and emits RentalExpired", async () => {
      const { marketplace, tokenAddress, stranger, consumer, rentalId, requestedAt, listingId } = await loadFixture(
        requestedFixture,
      );
      await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT + 1n);
      await expect(marketplace.connect(stranger).refundExpired(rentalId))
        .to.emit(marketplace, "RentalExpired")
        .withArgs(rentalId, stranger.address, AMOUNT);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Expired);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(AMOUNT);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
    });

    it("measures the deadline with the acceptance timeout in force when called", async () => {
      const { marketplace, stranger, rentalId, requestedAt } = await loadFixture(requestedFixture);
      await marketplace.setAcceptanceTimeout(2n * HOUR);
      await atTimestamp(requestedAt + ACCEPTANCE_TIMEOUT + 1n);
      await expect(marketplace.connect(stranger).refundExpired(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_AcceptanceWindowOpen")
        .withArgs(rentalId, requestedAt + 2n * HOUR);
    });

    it("reverts with Marketplace_InvalidStatus once accepted", async () => {
      const { marketplace, stranger, rentalId } = await loadFixture(activeFixture);
      await time.increase(DAY);
      await expect(marketplace.connect(stranger).refundExpired(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Active);
    });
  });

  describe("extend", () => {
    it("adds hours at the listing's current price and emits RentalExtended", async () => {
      const { marketplace, token, provider, consumer, rentalId, listingId, endsAt } = await loadFixture(activeFixture);
      await marketplace.connect(provider).updatePrice(listingId, 2n * PRICE);
      const tx = marketplace.connect(consumer).extend(rentalId, 3n, 2n * PRICE);
      await expect(tx)
        .to.emit(marketplace, "RentalExtended")
        .withArgs(rentalId, 3n, 2n * PRICE, 6n * PRICE, endsAt + 3n * HOUR);
      await expect(tx).to.changeTokenBalances(ethers, token, [consumer, marketplace], [-6n * PRICE, 6n * PRICE]);
      const rental = await marketplace.getRental(rentalId);
      expect(rental.hoursBooked).to.equal(HOURS_BOOKED + 3n);
      expect(rental.amount).to.equal(AMOUNT + 6n * PRICE);
      expect(await marketplace.endsAt(rentalId)).to.equal(endsAt + 3n * HOUR);
      expect(await marketplace.escrowed(await token.getAddress())).to.equal(AMOUNT + 6n * PRICE);
    });

    it("reverts with Marketplace_PriceAboveMax when the price was raised above the max", async () => {
      const { marketplace, provider, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      await marketplace.connect(provider).updatePrice(listingId, 2n * PRICE);
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PriceAboveMax")
        .withArgs(listingId, 2n * PRICE, PRICE);
    });

    it("reverts with Marketplace_InvalidHours for zero extra hours", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(consumer).extend(rentalId, 0n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidHours")
        .withArgs(0n, MAX_HOURS);
    });

    it("reverts with Marketplace_InvalidHours when the total would pass the maximum", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(activeFixture);
      const extra = MAX_HOURS - HOURS_BOOKED + 1n;
      await expect(marketplace.connect(consumer).extend(rentalId, extra, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidHours")
        .withArgs(extra, MAX_HOURS);
      await marketplace.connect(consumer).extend(rentalId, extra - 1n, PRICE);
      expect((await marketplace.getRental(rentalId)).hoursBooked).to.equal(MAX_HOURS);
    });

    it("reverts with Marketplace_OutsideAvailability when the new end passes the window", async () => {
      const { marketplace, provider, consumer, tokenAddress } = await loadFixture(deployFixture);
      const now = BigInt(await time.latest());
      await marketplace
        .connect(provider)
        .createListing(listingParams(tokenAddress, { availableUntil: now + 5n * HOUR, capacity: 2n }));
      await marketplace.connect(consumer).rent(1n, 2n, PRICE);
      await marketplace.connect(provider).accept(1n);
      const end = await marketplace.endsAt(1n);
      await expect(marketplace.connect(consumer).extend(1n, 3n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_OutsideAvailability")
        .withArgs(1n, end, end + 3n * HOUR);
      await marketplace.connect(consumer).extend(1n, 2n, PRICE);
      expect(await marketplace.endsAt(1n)).to.equal(end + 2n * HOUR);
    });

    it("extends a rental on a full listing: the rental already holds its unit", async () => {
      const { marketplace, provider, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(1n);
      await marketplace.connect(provider).updateCapacity(listingId, 1n);
      await marketplace.connect(consumer).extend(rentalId, 1n, PRICE);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(1n);
      expect((await marketplace.getRental(rentalId)).hoursBooked).to.equal(HOURS_BOOKED + 1n);
    });

    it("reverts with Marketplace_RentalEnded at or after the end", async () => {
      const { marketplace, consumer, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt);
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalEnded")
        .withArgs(rentalId, endsAt);
    });

    it("reverts with Marketplace_ListingInactive when the listing was deactivated", async () => {
      const { marketplace, provider, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      await marketplace.connect(provider).setListingActive(listingId, false);
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingInactive")
        .withArgs(listingId);
    });

    it("reverts with Marketplace_TokenNotAllowed when the payment token was disallowed", async () => {
      const { marketplace, consumer, rentalId, tokenAddress } = await loadFixture(activeFixture);
      await marketplace.setPaymentToken(tokenAddress, false);
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(tokenAddress);
    });

    it("reverts with Marketplace_CallerNotConsumer when someone else extends", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(provider).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotConsumer")
        .withArgs(rentalId, provider.address);
    });

    it("reverts with Marketplace_InvalidStatus before acceptance", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(activeFixture);
      await marketplace.pause();
      await expect(marketplace.connect(consumer).extend(rentalId, 1n, PRICE)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_Paused",
      );
    });
  });

  describe("release", () => {
    it("pays the provider exactly what accrued per second, minus the fee", async () => {
      const { marketplace, tokenAddress, provider, rentalId, startedAt } = await loadFixture(activeFixture);
      // 2 FTNS over 7200 s; after 1800 s a quarter has accrued: 0.5 FTNS, fee 2.5% = 0.0125 FTNS.
      await atTimestamp(startedAt + 1800n);
      await expect(marketplace.connect(provider).release(rentalId))
        .to.emit(marketplace, "PaymentReleased")
        .withArgs(rentalId, 500_000_000_000_000_000n, 12_500_000_000_000_000n);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(487_500_000_000_000_000n);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(12_500_000_000_000_000n);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(1_500_000_000_000_000_000n);
      expect((await marketplace.getRental(rentalId)).released).to.equal(500_000_000_000_000_000n);
    });

    it("rounds the accrual down to the wei", async () => {
      const { marketplace, provider, rentalId, startedAt } = await loadFixture(activeFixture);
      // 2e18 * 7 / 7200 = 1944444444444444.44...
      await atTimestamp(startedAt + 7n);
      await expect(marketplace.connect(provider).release(rentalId))
        .to.emit(marketplace, "PaymentReleased")
        .withArgs(rentalId, 1_944_444_444_444_444n, feeOf(1_944_444_444_444_444n));
    });

    it("a second release pays only what accrued since the first", async () => {
      const { marketplace, provider, rentalId, startedAt } = await loadFixture(activeFixture);
      await atTimestamp(startedAt + 1800n);
      await marketplace.connect(provider).release(rentalId);
      await atTimestamp(startedAt + 5400n);
      const second = (AMOUNT * 5400n) / 7200n - (AMOUNT * 1800n) / 7200n;
      await expect(marketplace.connect(provider).release(rentalId))
        .to.emit(marketplace, "PaymentReleased")
        .withArgs(rentalId, second, feeOf(second));
      expect((await marketplace.getRental(rentalId)).released).to.equal((AMOUNT * 5400n) / 7200n);
    });

    it("after the end releases everything; the rental stays open until settled", async () => {
      const { marketplace, tokenAddress, provider, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt + 100n);
      await expect(marketplace.connect(provider).release(rentalId))
        .to.emit(marketplace, "PaymentReleased")
        .withArgs(rentalId, AMOUNT, feeOf(AMOUNT));
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Active);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      await expect(marketplace.connect(provider).release(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_NothingToRelease")
        .withArgs(rentalId);
    });

    it("reverts with Marketplace_NothingToRelease when nothing has accrued yet", async () => {
      const { marketplace, provider, consumer, tokenAddress } = await loadFixture(deployFixture);
      // 1 wei per hour: the first wei accrues only after a full hour.
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { pricePerHour: 1n }));
      await marketplace.connect(consumer).rent(1n, 1n, 1n);
      await marketplace.connect(provider).accept(1n);
      const startedAt = (await marketplace.getRental(1n)).startedAt;
      await atTimestamp(startedAt + HOUR - 1n);
      await expect(marketplace.connect(provider).release(1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_NothingToRelease")
        .withArgs(1n);
    });

    it("reports what is releasable through the releasable view", async () => {
      const { marketplace, rentalId, startedAt } = await loadFixture(activeFixture);
      await time.increaseTo(startedAt + 3600n);
      expect(await marketplace.releasable(rentalId)).to.equal(AMOUNT / 2n);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else releases", async () => {
      const { marketplace, consumer, rentalId, listingId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(consumer).release(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, consumer.address);
    });

    it("reverts with Marketplace_InvalidStatus before acceptance", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(provider).release(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
    });
  });

  describe("terminate", () => {
    it("pays the provider what accrued to the second and refunds the rest (exact arithmetic)", async () => {
      const { marketplace, tokenAddress, provider, consumer, rentalId, startedAt, listingId } = await loadFixture(
        activeFixture,
      );
      // After 1000 of 7200 s: 2e18 * 1000 / 7200 = 277777777777777777 (rounded down).
      await atTimestamp(startedAt + 1000n);
      await expect(marketplace.connect(consumer).terminate(rentalId))
        .to.emit(marketplace, "RentalTerminated")
        .withArgs(rentalId, 277_777_777_777_777_777n, 6_944_444_444_444_444n, 1_722_222_222_222_222_223n);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(270_833_333_333_333_333n);
      expect(await marketplace.creditOf(consumer.address, tokenAddress)).to.equal(1_722_222_222_222_222_223n);
      expect(await marketplace.accruedFees(tokenAddress)).to.equal(6_944_444_444_444_444n);
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      const rental = await marketplace.getRental(rentalId);
      expect(rental.status).to.equal(Status.Completed);
      expect(rental.released).to.equal(277_777_777_777_777_777n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
      expect(await marketplace.releasable(rentalId)).to.equal(0n);
    });

    it("after a partial release pays only the accrual since, and refunds the unused part", async () => {
      const { marketplace, provider, consumer, rentalId, startedAt } = await loadFixture(activeFixture);
      await atTimestamp(startedAt + 1800n);
      await marketplace.connect(provider).release(rentalId);
      await atTimestamp(startedAt + 3600n);
      const gross = AMOUNT / 2n - AMOUNT / 4n;
      await expect(marketplace.connect(consumer).terminate(rentalId))
        .to.emit(marketplace, "RentalTerminated")
        .withArgs(rentalId, gross, feeOf(gross), AMOUNT / 2n);
    });

    it("reverts with Marketplace_RentalEnded at the end: settle instead", async () => {
      const { marketplace, consumer, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt);
      await expect(marketplace.connect(consumer).terminate(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalEnded")
        .withArgs(rentalId, endsAt);
    });

    it("reverts with Marketplace_CallerNotConsumer when someone else terminates", async () => {
      const { marketplace, provider, rentalId } = await loadFixture(activeFixture);
      await expect(marketplace.connect(provider).terminate(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotConsumer")
        .withArgs(rentalId, provider.address);
    });

    it("reverts with Marketplace_InvalidStatus before acceptance", async () => {
      const { marketplace, consumer, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(consumer).terminate(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
    });
  });

  describe("settle", () => {
    it("lets anyone settle at the end: the provider is credited the rest, the rental completes", async () => {
      const { marketplace, tokenAddress, provider, stranger, rentalId, endsAt, listingId } = await loadFixture(
        activeFixture,
      );
      await atTimestamp(endsAt);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(rentalId, stranger.address, AMOUNT, feeOf(AMOUNT));
      const rental = await marketplace.getRental(rentalId);
      expect(rental.status).to.equal(Status.Completed);
      expect(rental.released).to.equal(AMOUNT);
      expect(await marketplace.creditOf(provider.address, tokenAddress)).to.equal(AMOUNT - feeOf(AMOUNT));
      expect(await marketplace.escrowed(tokenAddress)).to.equal(0n);
      expect((await marketplace.getListing(listingId)).openRentals).to.equal(0n);
    });

    it("after a partial release settles only the remainder", async () => {
      const { marketplace, provider, consumer, rentalId, startedAt, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(startedAt + 1800n);
      await marketplace.connect(provider).release(rentalId);
      await atTimestamp(endsAt + 1n);
      const rest = AMOUNT - AMOUNT / 4n;
      await expect(marketplace.connect(consumer).settle(rentalId))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(rentalId, consumer.address, rest, feeOf(rest));
    });

    it("after a full release settles zero and still completes", async () => {
      const { marketplace, provider, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt);
      await marketplace.connect(provider).release(rentalId);
      await expect(marketplace.connect(provider).settle(rentalId))
        .to.emit(marketplace, "RentalSettled")
        .withArgs(rentalId, provider.address, 0n, 0n);
      expect((await marketplace.getRental(rentalId)).status).to.equal(Status.Completed);
    });

    it("reverts with Marketplace_RentalNotEnded one second before the end", async () => {
      const { marketplace, stranger, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt - 1n);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotEnded")
        .withArgs(rentalId, endsAt);
    });

    it("reverts with Marketplace_InvalidStatus before acceptance and after completion", async () => {
      const { marketplace, stranger, rentalId } = await loadFixture(requestedFixture);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Requested);
    });

    it("reverts with Marketplace_InvalidStatus when settled twice", async () => {
      const { marketplace, stranger, rentalId, endsAt } = await loadFixture(activeFixture);
      await atTimestamp(endsAt);
      await marketplace.connect(stranger).settle(rentalId);
      await expect(marketplace.connect(stranger).settle(rentalId))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidStatus")
        .withArgs(rentalId, Status.Completed);
    });
  });

  describe("views of unknown rentals", () => {
    it("revert with Marketplace_RentalNotFound", async () => {
      const { marketplace } = await loadFixture(listedFixture);
      await expect(marketplace.getRental(1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotFound")
        .withArgs(1n);
      await expect(marketplace.releasable(1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotFound")
        .withArgs(1n);
      await expect(marketplace.endsAt(1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_RentalNotFound")
        .withArgs(1n);
    });
  });
});
