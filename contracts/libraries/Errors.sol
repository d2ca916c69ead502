// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RentalStatus} from "../types/MarketplaceTypes.sol";

/// @title Errors
/// @notice Every custom error of the marketplace, one place, EIP-6093 style.
library Errors {
    /// @notice Thrown when a state-changing call that pause stops is made while paused.
    error Marketplace_Paused();
    /// @notice Thrown when `unpause` is called while not paused, or `pause` while paused.
    error Marketplace_PauseStateUnchanged(bool paused);
    /// @notice Thrown when a listing id does not exist.
    error Marketplace_ListingNotFound(uint256 listingId);
    /// @notice Thrown when a rental id does not exist.
    error Marketplace_RentalNotFound(uint256 rentalId);
    /// @notice Thrown when someone other than the listing's provider changes it or answers its rentals.
    error Marketplace_CallerNotProvider(uint256 listingId, address caller);
    /// @notice Thrown when someone other than the rental's consumer acts for the consumer.
    error Marketplace_CallerNotConsumer(uint256 rentalId, address caller);
    /// @notice Thrown when someone other than the consumer or the provider opens a dispute.
    error Marketplace_CallerNotParty(uint256 rentalId, address caller);
    /// @notice Thrown when the payment token is not on the allow-list, or when disallowing a token never listed.
    error Marketplace_TokenNotAllowed(address token);
    /// @notice Thrown when a price per hour is zero.
    error Marketplace_ZeroPrice();
    /// @notice Thrown when a capacity is zero.
    error Marketplace_ZeroCapacity();
    /// @notice Thrown when an availability window ends before it starts or has already ended.
    error Marketplace_InvalidAvailability(uint40 availableFrom, uint40 availableUntil);
    /// @notice Thrown when listing metadata is empty or longer than the maximum.
    error Marketplace_InvalidMetadataLength(uint256 length, uint256 max);
    /// @notice Thrown when a bulk call is empty or longer than the maximum.
    error Marketplace_InvalidBatchSize(uint256 size, uint256 max);
    /// @notice Thrown when renting or extending an inactive listing.
    error Marketplace_ListingInactive(uint256 listingId);
    /// @notice Thrown when a listing's status is set to the status it already has.
    error Marketplace_ListingStatusUnchanged(uint256 listingId, bool active);
    /// @notice Thrown when the listing's price per hour exceeds the caller's maximum.
    error Marketplace_PriceAboveMax(uint256 listingId, uint256 price, uint256 max);
    /// @notice Thrown when the number of hours is zero or above the maximum.
    error Marketplace_InvalidHours(uint256 hoursBooked, uint256 max);
    /// @notice Thrown when all of a listing's capacity is taken by open rentals.
    error Marketplace_CapacityFull(uint256 listingId, uint256 capacity);
    /// @notice Thrown when the requested time falls outside the listing's availability window.
    error Marketplace_OutsideAvailability(uint256 listingId, uint256 start, uint256 end);
    /// @notice Thrown when a provider rents its own listing.
    error Marketplace_SelfRental(uint256 listingId);
    /// @notice Thrown when a rental is not in the status the call needs.
    error Marketplace_InvalidStatus(uint256 rentalId, RentalStatus status);
    /// @notice Thrown when refunding a request whose acceptance timeout has not passed yet.
    error Marketplace_AcceptanceWindowOpen(uint256 rentalId, uint256 deadline);
    /// @notice Thrown when accepting a request whose acceptance timeout has already passed.
    error Marketplace_AcceptanceWindowClosed(uint256 rentalId, uint256 deadline);
    /// @notice Thrown when settling a rental that has not reached its end.
    error Marketplace_RentalNotEnded(uint256 rentalId, uint256 endsAt);
    /// @notice Thrown when terminating or extending a rental that has already ended.
    error Marketplace_RentalEnded(uint256 rentalId, uint256 endsAt);
    /// @notice Thrown when nothing has accrued since the last release.
    error Marketplace_NothingToRelease(uint256 rentalId);
    /// @notice Thrown when resolving an expired dispute before the dispute timeout.
    error Marketplace_DisputeWindowOpen(uint256 rentalId, uint256 deadline);
    /// @notice Thrown when an arbiter awards the provider more than is frozen.
    error Marketplace_AwardAboveEscrow(uint256 rentalId, uint256 award, uint256 escrow);
    /// @notice Thrown when a score is outside 1..5.
    error Marketplace_InvalidScore(uint8 score);
    /// @notice Thrown when a rental is rated a second time.
    error Marketplace_AlreadyRated(uint256 rentalId);
    /// @notice Thrown when withdrawing with nothing credited.
    error Marketplace_NothingToWithdraw(address account, address token);
    /// @notice Thrown when a token moved fewer units into escrow than it was asked to (fee-on-transfer).
    error Marketplace_TransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice Thrown when the permit failed and the allowance does not cover the escrow either.
    error Marketplace_InsufficientAllowance(address token, uint256 allowance, uint256 needed);
    /// @notice Thrown when the fee is set above its cap.
    error Marketplace_FeeTooHigh(uint256 feeBps, uint256 max);
    /// @notice Thrown when a timeout is set outside its bounds.
    error Marketplace_TimeoutOutOfBounds(uint256 timeout, uint256 min, uint256 max);
    /// @notice Thrown when an address that must be set is zero.
    error Marketplace_ZeroAddress();
    /// @notice Thrown when the allow-list already holds the maximum number of tokens.
    error Marketplace_TooManyTokens(uint256 max);
}
