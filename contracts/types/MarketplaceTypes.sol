// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Where a rental is in its life cycle. Requested, Active and Disputed are open (escrow held);
/// every other status is final.
enum RentalStatus {
    None,
    Requested, // escrowed, waiting for the provider
    Active, // accepted and running (or ended and not yet settled)
    Disputed, // unreleased escrow frozen until an arbiter or the dispute timeout decides
    Completed, // settled at the end or terminated early by the consumer
    Rejected, // the provider declined; full refund
    Cancelled, // the consumer withdrew before acceptance; full refund
    Expired, // the provider did not answer within the acceptance timeout; full refund
    Resolved // a dispute was decided
}

/// @notice Input of `createListing` and `createListings`.
struct ListingParams {
    address token;
    uint96 pricePerHour;
    uint40 availableFrom;
    uint40 availableUntil; // 0 = open-ended
    uint16 capacity; // concurrent rentals
    string metadata; // JSON: title, description, category, resource_type, location, specifications
}

/// @notice Storage of one listing. Slot 2 encodes its common values as zero (capacity 1, open window,
/// the default token, active), so the usual listing is created with two storage writes, not three.
struct Listing {
    // slot 0
    address provider;
    uint96 pricePerHour;
    // slot 1
    bytes32 metadataHash;
    // slot 2
    uint40 availableFrom;
    uint40 availableUntil; // 0 = open-ended
    uint16 extraCapacity; // capacity - 1
    uint8 tokenIndex; // 0 = the default token
    bool inactive;
    uint16 openRentals; // Requested + Active + Disputed
    uint32 ratingCount;
    uint64 ratingSum;
}

/// @notice Storage of one rental: two slots at rent time, the third only once money is released.
struct Rental {
    // slot 0
    address consumer;
    uint64 listingId;
    uint32 hoursBooked;
    // slot 1
    uint128 amount; // everything escrowed, extensions included
    uint40 requestedAt;
    uint40 startedAt;
    RentalStatus status;
    uint16 feeBps; // fixed at rent time
    // slot 2
    uint128 released; // gross amount paid towards the provider so far (fee included)
    uint40 disputedAt;
    bool rated;
}

/// @notice Where a rental's accrual restarts after an extension: the time, and what the provider had earned
/// by then. An extension buys future hours; the hours already used keep the price they were bought at.
/// Kept apart from `Rental` because only extended rentals need it.
struct AccrualCheckpoint {
    uint40 at;
    uint128 earned;
}

/// @notice A listing as returned by `getListing`, with the payment token resolved.
struct ListingView {
    address provider;
    address token;
    uint96 pricePerHour;
    uint40 availableFrom;
    uint40 availableUntil;
    uint16 capacity;
    uint16 openRentals;
    bool active;
    uint32 ratingCount;
    uint64 ratingSum;
    bytes32 metadataHash;
}

/// @notice Global settings and counters, packed in one slot because nearly every call reads it.
struct Config {
    bool paused;
    uint16 feeBps;
    uint32 acceptanceTimeout;
    uint32 disputeTimeout;
    uint64 listingCount;
    uint64 rentalCount;
    uint32 allowedTokens; // bit i set = payment token i is allowed
}
