// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarketplace} from "../../../contracts/interfaces/IMarketplace.sol";
import {ListingParams} from "../../../contracts/types/MarketplaceTypes.sol";
import {BenchActor} from "./BenchActor.sol";

/// @title BenchProvider
/// @notice A provider that lists and answers in bulk: listings, accepts, rejects, releases and listing
/// updates, many per transaction.
contract BenchProvider is BenchActor {
    constructor(IMarketplace market) BenchActor(market) {}

    /// @notice Lists every entry of every chunk; each chunk is one `createListings` call, so it holds at
    /// most the marketplace's batch maximum (calldata arrays of structs cannot be sliced here).
    function createListings(ListingParams[][] calldata chunks) external onlyOwner {
        for (uint256 i; i < chunks.length; ++i) {
            MARKET.createListings(chunks[i]);
        }
    }

    function accept(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.accept(rentalIds[i]);
        }
    }

    function reject(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.reject(rentalIds[i]);
        }
    }

    function release(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.release(rentalIds[i]);
        }
    }

    function updatePrices(uint256[] calldata listingIds, uint96[] calldata prices) external onlyOwner {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.updatePrice(listingIds[i], prices[i]);
        }
    }

    function updateCapacities(uint256[] calldata listingIds, uint16[] calldata capacities) external onlyOwner {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.updateCapacity(listingIds[i], capacities[i]);
        }
    }

    function updateAvailabilities(uint256[] calldata listingIds, uint40 availableFrom, uint40 availableUntil)
        external
        onlyOwner
    {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.updateAvailability(listingIds[i], availableFrom, availableUntil);
        }
    }

    function updateMetadata(uint256[] calldata listingIds, string[] calldata metadata) external onlyOwner {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.updateMetadata(listingIds[i], metadata[i]);
        }
    }

    function setListingsActive(uint256[] calldata listingIds, bool active) external onlyOwner {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.setListingActive(listingIds[i], active);
        }
    }
}
