import { expect } from "chai";
import {
  DAY,
  deployFixture,
  ethers,
  listedFixture,
  listingParams,
  metadata,
  networkHelpers,
  PRICE,
  secondTokenFixture,
  Status,
} from "./helpers/fixtures.js";

const { loadFixture, time } = networkHelpers;
const MAX_METADATA_BYTES = 4096n;
const MAX_BATCH = 50n;

describe("Marketplace listings", () => {
  describe("createListing", () => {
    it("creates listing 1 for the caller and emits ListingCreated with every field", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const params = listingParams(tokenAddress);
      await expect(marketplace.connect(provider).createListing(params))
        .to.emit(marketplace, "ListingCreated")
        .withArgs(1n, provider.address, tokenAddress, PRICE, 0n, 0n, 1n, params.metadata);
      expect(await marketplace.listingCount()).to.equal(1n);
    });

    it("returns the new id, and ids are consecutive", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const params = listingParams(tokenAddress);
      expect(await marketplace.connect(provider).createListing.staticCall(params)).to.equal(1n);
      await marketplace.connect(provider).createListing(params);
      expect(await marketplace.connect(provider).createListing.staticCall(params)).to.equal(2n);
      await marketplace.connect(provider).createListing(params);
      expect(await marketplace.listingCount()).to.equal(2n);
    });

    it("stores the common listing as zeros that read back as capacity 1, active, default token, open window", async () => {
      const { marketplace, provider, tokenAddress, listingId } = await loadFixture(listedFixture);
      const listing = await marketplace.getListing(listingId);
      expect(listing.provider).to.equal(provider.address);
      expect(listing.token).to.equal(tokenAddress);
      expect(listing.pricePerHour).to.equal(PRICE);
      expect(listing.availableFrom).to.equal(0n);
      expect(listing.availableUntil).to.equal(0n);
      expect(listing.capacity).to.equal(1n);
      expect(listing.openRentals).to.equal(0n);
      expect(listing.active).to.equal(true);
      expect(listing.ratingCount).to.equal(0n);
      expect(listing.ratingSum).to.equal(0n);
      expect(listing.metadataHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(metadata())));
    });

    it("stores a windowed, multi-capacity listing in a second token and reads every field back", async () => {
      const { marketplace, provider, usdAddress } = await loadFixture(secondTokenFixture);
      const now = BigInt(await time.latest());
      const params = listingParams(usdAddress, {
        pricePerHour: 3n * PRICE,
        availableFrom: now + DAY,
        availableUntil: now + 30n * DAY,
        capacity: 7n,
        metadata: metadata("Storage node", { category: "storage" }),
      });
      await expect(marketplace.connect(provider).createListing(params))
        .to.emit(marketplace, "ListingCreated")
        .withArgs(1n, provider.address, usdAddress, 3n * PRICE, now + DAY, now + 30n * DAY, 7n, params.metadata);
      const listing = await marketplace.getListing(1n);
      expect(listing.token).to.equal(usdAddress);
      expect(listing.pricePerHour).to.equal(3n * PRICE);
      expect(listing.availableFrom).to.equal(now + DAY);
      expect(listing.availableUntil).to.equal(now + 30n * DAY);
      expect(listing.capacity).to.equal(7n);
      expect(listing.active).to.equal(true);
      expect(listing.metadataHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(params.metadata)));
    });

    // Each non-default field alone must take the listing off the all-zero encoding.
    it("stores a listing whose only non-default field is the capacity", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { capacity: 2n }));
      const listing = await marketplace.getListing(1n);
      expect([listing.capacity, listing.availableFrom, listing.availableUntil]).to.deep.equal([2n, 0n, 0n]);
      expect(listing.token).to.equal(tokenAddress);
    });

    it("stores a listing whose only non-default field is availableFrom", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const from = BigInt(await time.latest()) + 10n;
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableFrom: from }));
      const listing = await marketplace.getListing(1n);
      expect([listing.capacity, listing.availableFrom, listing.availableUntil]).to.deep.equal([1n, from, 0n]);
    });

    it("stores a listing whose only non-default field is availableUntil", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const until = BigInt(await time.latest()) + DAY;
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableUntil: until }));
      const listing = await marketplace.getListing(1n);
      expect([listing.capacity, listing.availableFrom, listing.availableUntil]).to.deep.equal([1n, 0n, until]);
    });

    it("stores a listing whose only non-default field is the token", async () => {
      const { marketplace, provider, usdAddress } = await loadFixture(secondTokenFixture);
      await marketplace.connect(provider).createListing(listingParams(usdAddress));
      const listing = await marketplace.getListing(1n);
      expect(listing.token).to.equal(usdAddress);
      expect(listing.capacity).to.equal(1n);
      expect(listing.availableUntil).to.equal(0n);
    });

    it("reverts with Marketplace_ZeroPrice when the price is zero", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await expect(
        marketplace.connect(provider).createListing(listingParams(tokenAddress, { pricePerHour: 0n })),
      ).to.be.revertedWithCustomError(marketplace, "Marketplace_ZeroPrice");
    });

    it("reverts with Marketplace_ZeroCapacity when the capacity is zero", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await expect(
        marketplace.connect(provider).createListing(listingParams(tokenAddress, { capacity: 0n })),
      ).to.be.revertedWithCustomError(marketplace, "Marketplace_ZeroCapacity");
    });

    it("reverts with Marketplace_InvalidAvailability when the window ends before it starts", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const now = BigInt(await time.latest());
      const from = now + 2n * DAY;
      const until = now + DAY;
      await expect(
        marketplace
          .connect(provider)
          .createListing(listingParams(tokenAddress, { availableFrom: from, availableUntil: until })),
      )
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidAvailability")
        .withArgs(from, until);
    });

    it("reverts with Marketplace_InvalidAvailability when the window ends as it starts", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const at = BigInt(await time.latest()) + DAY;
      await expect(
        marketplace
          .connect(provider)
          .createListing(listingParams(tokenAddress, { availableFrom: at, availableUntil: at })),
      )
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidAvailability")
        .withArgs(at, at);
    });

    it("reverts with Marketplace_InvalidAvailability when the window has already ended", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const past = BigInt(await time.latest()) - 1n;
      await expect(marketplace.connect(provider).createListing(listingParams(tokenAddress, { availableUntil: past })))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidAvailability")
        .withArgs(0n, past);
    });

    it("reverts with Marketplace_InvalidMetadataLength when the metadata is empty", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await expect(marketplace.connect(provider).createListing(listingParams(tokenAddress, { metadata: "" })))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidMetadataLength")
        .withArgs(0n, MAX_METADATA_BYTES);
    });

    it("reverts with Marketplace_InvalidMetadataLength when the metadata is one byte over the maximum", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const tooLong = "x".repeat(Number(MAX_METADATA_BYTES) + 1);
      await expect(marketplace.connect(provider).createListing(listingParams(tokenAddress, { metadata: tooLong })))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidMetadataLength")
        .withArgs(MAX_METADATA_BYTES + 1n, MAX_METADATA_BYTES);
    });

    it("accepts metadata of exactly the maximum length, counted in bytes", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      // "é" is two bytes in UTF-8: 2048 of them are 4096 bytes.
      const exact = "é".repeat(Number(MAX_METADATA_BYTES) / 2);
      await marketplace.connect(provider).createListing(listingParams(tokenAddress, { metadata: exact }));
      expect((await marketplace.getListing(1n)).metadataHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(exact)));
      await expect(marketplace.connect(provider).createListing(listingParams(tokenAddress, { metadata: exact + "x" })))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidMetadataLength")
        .withArgs(MAX_METADATA_BYTES + 1n, MAX_METADATA_BYTES);
    });

    it("reverts with Marketplace_TokenNotAllowed for a token that was never allow-listed", async () => {
      const { marketplace, provider } = await loadFixture(deployFixture);
      const unknown = ethers.Wallet.createRandom().address;
      await expect(marketplace.connect(provider).createListing(listingParams(unknown)))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(unknown);
    });

    it("reverts with Marketplace_TokenNotAllowed for a listed token that was disallowed", async () => {
      const { marketplace, provider, usdAddress } = await loadFixture(secondTokenFixture);
      await marketplace.setPaymentToken(usdAddress, false);
      await expect(marketplace.connect(provider).createListing(listingParams(usdAddress)))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(usdAddress);
    });

    it("reverts with Marketplace_TokenNotAllowed for the default token once it is disallowed", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await marketplace.setPaymentToken(tokenAddress, false);
      await expect(marketplace.connect(provider).createListing(listingParams(tokenAddress)))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(tokenAddress);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await marketplace.pause();
      await expect(
        marketplace.connect(provider).createListing(listingParams(tokenAddress)),
      ).to.be.revertedWithCustomError(marketplace, "Marketplace_Paused");
    });
  });

  describe("createListings", () => {
    it("creates every listing with consecutive ids and returns the first", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(listedFixture);
      const batch = [1n, 2n, 3n].map((i) =>
        listingParams(tokenAddress, { pricePerHour: i * PRICE, capacity: i, metadata: metadata(`GPU ${i}`) }),
      );
      expect(await marketplace.connect(provider).createListings.staticCall(batch)).to.equal(2n);
      const tx = marketplace.connect(provider).createListings(batch);
      for (const [i, params] of batch.entries()) {
        await expect(tx)
          .to.emit(marketplace, "ListingCreated")
          .withArgs(
            2n + BigInt(i),
            provider.address,
            tokenAddress,
            params.pricePerHour,
            0n,
            0n,
            params.capacity,
            params.metadata,
          );
      }
      expect(await marketplace.listingCount()).to.equal(4n);
      for (const [i, params] of batch.entries()) {
        const listing = await marketplace.getListing(2n + BigInt(i));
        expect(listing.pricePerHour).to.equal(params.pricePerHour);
        expect(listing.capacity).to.equal(params.capacity);
      }
    });

    it("accepts a batch of exactly the maximum size", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const batch = Array.from({ length: Number(MAX_BATCH) }, () => listingParams(tokenAddress));
      await marketplace.connect(provider).createListings(batch);
      expect(await marketplace.listingCount()).to.equal(MAX_BATCH);
      expect((await marketplace.getListing(MAX_BATCH)).provider).to.equal(provider.address);
    });

    it("reverts with Marketplace_InvalidBatchSize for one more than the maximum", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const batch = Array.from({ length: Number(MAX_BATCH) + 1 }, () => listingParams(tokenAddress));
      await expect(marketplace.connect(provider).createListings(batch))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidBatchSize")
        .withArgs(MAX_BATCH + 1n, MAX_BATCH);
    });

    it("reverts with Marketplace_InvalidBatchSize for an empty batch", async () => {
      const { marketplace, provider } = await loadFixture(deployFixture);
      await expect(marketplace.connect(provider).createListings([]))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidBatchSize")
        .withArgs(0n, MAX_BATCH);
    });

    it("reverts the whole batch when one listing is invalid", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      const batch = [listingParams(tokenAddress), listingParams(tokenAddress, { pricePerHour: 0n })];
      await expect(marketplace.connect(provider).createListings(batch)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_ZeroPrice",
      );
      expect(await marketplace.listingCount()).to.equal(0n);
    });

    it("reverts with Marketplace_Paused while paused", async () => {
      const { marketplace, provider, tokenAddress } = await loadFixture(deployFixture);
      await marketplace.pause();
      await expect(
        marketplace.connect(provider).createListings([listingParams(tokenAddress)]),
      ).to.be.revertedWithCustomError(marketplace, "Marketplace_Paused");
    });
  });

  describe("updatePrice", () => {
    it("changes the price and emits ListingPriceUpdated with the old and new price", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updatePrice(listingId, 2n * PRICE))
        .to.emit(marketplace, "ListingPriceUpdated")
        .withArgs(listingId, PRICE, 2n * PRICE);
      expect((await marketplace.getListing(listingId)).pricePerHour).to.equal(2n * PRICE);
    });

    it("leaves the escrow of an open rental at the old price", async () => {
      const { marketplace, provider, consumer, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(consumer).rent(listingId, 2n, PRICE);
      await marketplace.connect(provider).updatePrice(listingId, 5n * PRICE);
      expect((await marketplace.getRental(1n)).amount).to.equal(2n * PRICE);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else changes it", async () => {
      const { marketplace, stranger, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(stranger).updatePrice(listingId, 2n * PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });

    it("reverts with Marketplace_ListingNotFound for an unknown listing", async () => {
      const { marketplace, provider } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updatePrice(99n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingNotFound")
        .withArgs(99n);
    });

    it("reverts with Marketplace_ZeroPrice for a zero price", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updatePrice(listingId, 0n)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_ZeroPrice",
      );
    });
  });

  describe("updateAvailability", () => {
    it("changes the window and emits ListingAvailabilityUpdated", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      const now = BigInt(await time.latest());
      await expect(marketplace.connect(provider).updateAvailability(listingId, now + DAY, now + 2n * DAY))
        .to.emit(marketplace, "ListingAvailabilityUpdated")
        .withArgs(listingId, now + DAY, now + 2n * DAY);
      const listing = await marketplace.getListing(listingId);
      expect(listing.availableFrom).to.equal(now + DAY);
      expect(listing.availableUntil).to.equal(now + 2n * DAY);
      expect(listing.capacity).to.equal(1n);
      expect(listing.active).to.equal(true);
    });

    it("can reopen the window to open-ended", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      const now = BigInt(await time.latest());
      await marketplace.connect(provider).updateAvailability(listingId, now + DAY, now + 2n * DAY);
      await marketplace.connect(provider).updateAvailability(listingId, 0n, 0n);
      const listing = await marketplace.getListing(listingId);
      expect(listing.availableFrom).to.equal(0n);
      expect(listing.availableUntil).to.equal(0n);
    });

    it("reverts with Marketplace_InvalidAvailability for a window that ends before it starts", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      const now = BigInt(await time.latest());
      await expect(marketplace.connect(provider).updateAvailability(listingId, now + 2n * DAY, now + DAY))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidAvailability")
        .withArgs(now + 2n * DAY, now + DAY);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else changes it", async () => {
      const { marketplace, stranger, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(stranger).updateAvailability(listingId, 0n, 0n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });
  });

  describe("updateCapacity", () => {
    it("changes the capacity and emits ListingCapacityUpdated", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updateCapacity(listingId, 12n))
        .to.emit(marketplace, "ListingCapacityUpdated")
        .withArgs(listingId, 12n);
      expect((await marketplace.getListing(listingId)).capacity).to.equal(12n);
    });

    it("lowered below the open rentals, only blocks new rentals", async () => {
      const { marketplace, provider, consumer, other, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).updateCapacity(listingId, 2n);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      await marketplace.connect(other).rent(listingId, 1n, PRICE);
      await marketplace.connect(provider).updateCapacity(listingId, 1n);
      await marketplace.connect(provider).accept(1n);
      await marketplace.connect(provider).accept(2n);
      expect((await marketplace.getRental(2n)).status).to.equal(Status.Active);
      await expect(marketplace.connect(consumer).rent(listingId, 1n, PRICE))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CapacityFull")
        .withArgs(listingId, 1n);
    });

    it("reverts with Marketplace_ZeroCapacity for zero", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updateCapacity(listingId, 0n)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_ZeroCapacity",
      );
    });

    it("reverts with Marketplace_CallerNotProvider when someone else changes it", async () => {
      const { marketplace, stranger, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(stranger).updateCapacity(listingId, 3n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });
  });

  describe("updateMetadata", () => {
    it("replaces the metadata hash and emits ListingMetadataUpdated with the JSON", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      const json = metadata("RTX 4090", { location: "us-east-1" });
      await expect(marketplace.connect(provider).updateMetadata(listingId, json))
        .to.emit(marketplace, "ListingMetadataUpdated")
        .withArgs(listingId, json);
      expect((await marketplace.getListing(listingId)).metadataHash).to.equal(
        ethers.keccak256(ethers.toUtf8Bytes(json)),
      );
    });

    it("reverts with Marketplace_InvalidMetadataLength for empty or oversized metadata", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).updateMetadata(listingId, ""))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidMetadataLength")
        .withArgs(0n, MAX_METADATA_BYTES);
      await expect(marketplace.connect(provider).updateMetadata(listingId, "y".repeat(5000)))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_InvalidMetadataLength")
        .withArgs(5000n, MAX_METADATA_BYTES);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else changes it", async () => {
      const { marketplace, stranger, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(stranger).updateMetadata(listingId, metadata()))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });
  });

  describe("setListingActive", () => {
    it("deactivates and reactivates, emitting ListingStatusChanged each time", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).setListingActive(listingId, false))
        .to.emit(marketplace, "ListingStatusChanged")
        .withArgs(listingId, false);
      expect((await marketplace.getListing(listingId)).active).to.equal(false);
      await expect(marketplace.connect(provider).setListingActive(listingId, true))
        .to.emit(marketplace, "ListingStatusChanged")
        .withArgs(listingId, true);
      expect((await marketplace.getListing(listingId)).active).to.equal(true);
    });

    it("leaves open rentals running when deactivated", async () => {
      const { marketplace, provider, consumer, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(consumer).rent(listingId, 1n, PRICE);
      await marketplace.connect(provider).setListingActive(listingId, false);
      await marketplace.connect(provider).accept(1n);
      expect((await marketplace.getRental(1n)).status).to.equal(Status.Active);
    });

    it("reverts with Marketplace_ListingStatusUnchanged when activating an active listing", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(provider).setListingActive(listingId, true))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingStatusUnchanged")
        .withArgs(listingId, true);
    });

    it("reverts with Marketplace_ListingStatusUnchanged when deactivating an inactive listing", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await marketplace.connect(provider).setListingActive(listingId, false);
      await expect(marketplace.connect(provider).setListingActive(listingId, false))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingStatusUnchanged")
        .withArgs(listingId, false);
    });

    it("reverts with Marketplace_CallerNotProvider when someone else changes it", async () => {
      const { marketplace, stranger, listingId } = await loadFixture(listedFixture);
      await expect(marketplace.connect(stranger).setListingActive(listingId, false))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_CallerNotProvider")
        .withArgs(listingId, stranger.address);
    });
  });

  describe("listing maintenance while paused", () => {
    it("still lets the provider update price, availability, capacity, metadata and status", async () => {
      const { marketplace, provider, listingId } = await loadFixture(listedFixture);
      await marketplace.pause();
      await marketplace.connect(provider).updatePrice(listingId, 2n * PRICE);
      await marketplace.connect(provider).updateAvailability(listingId, 0n, 0n);
      await marketplace.connect(provider).updateCapacity(listingId, 4n);
      await marketplace.connect(provider).updateMetadata(listingId, metadata("paused edit"));
      await marketplace.connect(provider).setListingActive(listingId, false);
      const listing = await marketplace.getListing(listingId);
      expect([listing.pricePerHour, listing.capacity, listing.active]).to.deep.equal([2n * PRICE, 4n, false]);
    });
  });

  describe("getListing", () => {
    it("reverts with Marketplace_ListingNotFound for id 0 and for an id past the last", async () => {
      const { marketplace } = await loadFixture(listedFixture);
      await expect(marketplace.getListing(0n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingNotFound")
        .withArgs(0n);
      await expect(marketplace.getListing(2n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_ListingNotFound")
        .withArgs(2n);
    });
  });
});
