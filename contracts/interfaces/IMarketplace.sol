// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ListingParams, ListingView, Rental, RentalStatus} from "../types/MarketplaceTypes.sol";

/// @title IMarketplace
/// @notice Escrow marketplace for compute: providers list resources priced per hour in an allow-listed
/// ERC-20, consumers rent them, the escrow is released per second while the rental runs. Every state
/// change emits an event carrying what an off-chain mirror needs, so the mirror is built from logs alone.
/// Every open state has a deadline path, and payouts are credited, then withdrawn (pull), so a party
/// that disappears or cannot receive never blocks anyone else.
interface IMarketplace {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a listing is created. `metadata` is the JSON whose keccak256 is stored.
    event ListingCreated(
        uint256 indexed listingId,
        address indexed provider,
        address token,
        uint256 pricePerHour,
        uint40 availableFrom,
        uint40 availableUntil,
        uint16 capacity,
        string metadata
    );
    /// @notice Emitted when a provider changes the price per hour.
    event ListingPriceUpdated(uint256 indexed listingId, uint256 oldPrice, uint256 newPrice);
    /// @notice Emitted when a provider changes the availability window.
    event ListingAvailabilityUpdated(uint256 indexed listingId, uint40 availableFrom, uint40 availableUntil);
    /// @notice Emitted when a provider changes the number of concurrent rentals.
    event ListingCapacityUpdated(uint256 indexed listingId, uint16 capacity);
    /// @notice Emitted when a provider replaces the metadata JSON.
    event ListingMetadataUpdated(uint256 indexed listingId, string metadata);
    /// @notice Emitted when a provider deactivates or reactivates a listing.
    event ListingStatusChanged(uint256 indexed listingId, bool active);

    /// @notice Emitted when a consumer escrows `amount` = `pricePerHour` * `hoursBooked` for a listing.
    event RentalRequested(
        uint256 indexed rentalId,
        uint256 indexed listingId,
        address indexed consumer,
        uint256 hoursBooked,
        uint256 pricePerHour,
        uint256 amount,
        uint16 feeBps
    );
    /// @notice Emitted when the provider accepts; the rental runs from `startedAt` to `endsAt`.
    event RentalAccepted(uint256 indexed rentalId, uint40 startedAt, uint40 endsAt);
    /// @notice Emitted when the provider declines a request; `refund` is credited to the consumer.
    event RentalRejected(uint256 indexed rentalId, uint256 refund);
    /// @notice Emitted when the consumer withdraws a request before acceptance.
    event RentalCancelled(uint256 indexed rentalId, uint256 refund);
    /// @notice Emitted when an unanswered request is refunded after the acceptance timeout.
    event RentalExpired(uint256 indexed rentalId, address indexed caller, uint256 refund);
    /// @notice Emitted when the consumer tops a running rental up with more hours.
    event RentalExtended(
        uint256 indexed rentalId, uint256 extraHours, uint256 pricePerHour, uint256 extraAmount, uint40 endsAt
    );
    /// @notice Emitted when accrued escrow is released while running: the provider is credited
    /// `gross - fee`, the protocol `fee`.
    event PaymentReleased(uint256 indexed rentalId, uint256 gross, uint256 fee);
    /// @notice Emitted when the consumer ends a running rental early: the provider is credited what
    /// accrued (`gross - fee`), the consumer `refund`.
    event RentalTerminated(uint256 indexed rentalId, uint256 gross, uint256 fee, uint256 refund);
    /// @notice Emitted when an ended rental is settled: the provider is credited the rest (`gross - fee`).
    event RentalSettled(uint256 indexed rentalId, address indexed caller, uint256 gross, uint256 fee);
    /// @notice Emitted when a party disputes a rental; `frozen` is the escrow not yet released.
    event DisputeOpened(uint256 indexed rentalId, address indexed openedBy, uint256 frozen);
    /// @notice Emitted when a dispute is decided: by an arbiter (`resolver`), or by the default after the
    /// dispute timeout (`resolver` is then the caller and `byDefault` is true).
    event DisputeResolved(
        uint256 indexed rentalId,
        address indexed resolver,
        bool byDefault,
        uint256 toProvider,
        uint256 fee,
        uint256 toConsumer
    );
    /// @notice Emitted when a consumer rates a finished rental.
    event RentalRated(uint256 indexed rentalId, uint256 indexed listingId, address indexed consumer, uint8 score);

    /// @notice Emitted when an account withdraws its credited balance of a token.
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    /// @notice Emitted when accumulated protocol fees are sent to the treasury.
    event FeesWithdrawn(address indexed token, address indexed treasury, uint256 amount);

    /// @notice Emitted when a payment token is added to or removed from the allow-list.
    event PaymentTokenSet(address indexed token, uint8 index, bool allowed);
    /// @notice Emitted when the protocol fee for new rentals changes.
    event FeeUpdated(uint16 oldFeeBps, uint16 newFeeBps);
    /// @notice Emitted when the treasury changes.
    event TreasuryUpdated(address oldTreasury, address newTreasury);
    /// @notice Emitted when the acceptance timeout for requests changes.
    event AcceptanceTimeoutUpdated(uint32 oldTimeout, uint32 newTimeout);
    /// @notice Emitted when the dispute timeout changes.
    event DisputeTimeoutUpdated(uint32 oldTimeout, uint32 newTimeout);
    /// @notice Emitted when the marketplace is paused.
    event Paused(address account);
    /// @notice Emitted when the marketplace is unpaused.
    event Unpaused(address account);

    /*//////////////////////////////////////////////////////////////
                                LISTINGS
    //////////////////////////////////////////////////////////////*/

    /// @notice Lists a resource. The caller becomes its provider.
    /// @return listingId The new listing's id (ids start at 1).
    function createListing(ListingParams calldata params) external returns (uint256 listingId);

    /// @notice Lists several resources in one transaction.
    /// @return firstListingId The id of the first; the rest follow consecutively.
    function createListings(ListingParams[] calldata params) external returns (uint256 firstListingId);

    /// @notice Changes the price per hour of future rentals; open rentals keep theirs.
    function updatePrice(uint256 listingId, uint96 newPricePerHour) external;

    /// @notice Changes the window in which rentals may run. `availableUntil` 0 means open-ended.
    function updateAvailability(uint256 listingId, uint40 availableFrom, uint40 availableUntil) external;

    /// @notice Changes the number of concurrent rentals; lowering it below the open rentals only blocks new ones.
    function updateCapacity(uint256 listingId, uint16 capacity) external;

    /// @notice Replaces the metadata JSON.
    function updateMetadata(uint256 listingId, string calldata metadata) external;

    /// @notice Deactivates (no new rentals) or reactivates a listing. Open rentals are unaffected.
    function setListingActive(uint256 listingId, bool active) external;

    /*//////////////////////////////////////////////////////////////
                                RENTALS
    //////////////////////////////////////////////////////////////*/

    /// @notice Escrows `price * hoursBooked` and requests the listing. Reverts if the price is above
    /// `maxPricePerHour`, so a price raised in the same block cannot overcharge the caller.
    function rent(uint256 listingId, uint32 hoursBooked, uint96 maxPricePerHour) external returns (uint256 rentalId);

    /// @notice `rent` with an ERC-2612 permit in the same transaction. If the permit was already used
    /// (front-run), the existing allowance is used instead.
    function rentWithPermit(
        uint256 listingId,
        uint32 hoursBooked,
        uint96 maxPricePerHour,
        uint256 permitValue,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 rentalId);

    /// @notice The provider accepts a request before the acceptance timeout; the rental starts now.
    function accept(uint256 rentalId) external;

    /// @notice The provider declines a request; the escrow is credited back to the consumer.
    function reject(uint256 rentalId) external;

    /// @notice The consumer withdraws a request that was not accepted yet.
    function cancel(uint256 rentalId) external;

    /// @notice Anyone refunds a request the provider did not answer within the acceptance timeout.
    function refundExpired(uint256 rentalId) external;

    /// @notice The consumer adds hours to a running rental at the listing's current price.
    function extend(uint256 rentalId, uint32 extraHours, uint96 maxPricePerHour) external;

    /// @notice The provider takes what has accrued per second so far.
    function release(uint256 rentalId) external;

    /// @notice The consumer ends a running rental early: the provider keeps what accrued, the rest is refunded.
    function terminate(uint256 rentalId) external;

    /// @notice Anyone settles a rental that has reached its end: the provider is credited the rest.
    function settle(uint256 rentalId) external;

    /// @notice The consumer or the provider freezes the unreleased escrow of a running rental.
    function openDispute(uint256 rentalId) external;

    /// @notice An arbiter splits the frozen escrow: `toProvider` (fee applies) to the provider, the rest back.
    function resolveDispute(uint256 rentalId, uint256 toProvider) external;

    /// @notice Anyone applies the default once the dispute timeout has passed: the provider gets what had
    /// accrued when the dispute was opened, the consumer the rest.
    function resolveExpiredDispute(uint256 rentalId) external;

    /// @notice The consumer rates a completed or resolved rental, 1..5, once.
    function rate(uint256 rentalId, uint8 score) external;

    /*//////////////////////////////////////////////////////////////
                                 FUNDS
    //////////////////////////////////////////////////////////////*/

    /// @notice Sends the caller everything credited to it in `token`.
    function withdraw(address token) external returns (uint256 amount);

    /// @notice Sends the accumulated protocol fees in `token` to the treasury. Anyone may call it.
    function withdrawFees(address token) external returns (uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Allows or disallows a payment token for new listings and rentals.
    function setPaymentToken(address token, bool allowed) external;

    /// @notice Sets the protocol fee for rentals made from now on (capped by `MAX_FEE_BPS`).
    function setFee(uint16 feeBps) external;

    /// @notice Sets where protocol fees go.
    function setTreasury(address treasury) external;

    /// @notice Sets how long a provider has to accept a request.
    function setAcceptanceTimeout(uint32 timeout) external;

    /// @notice Sets how long a dispute may stay open before the default applies.
    function setDisputeTimeout(uint32 timeout) external;

    /// @notice Stops new listings, rentals, extensions and acceptances. Never refunds, settlement or withdrawals.
    function pause() external;

    /// @notice Lifts a pause.
    function unpause() external;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice One listing, with its payment token resolved.
    function getListing(uint256 listingId) external view returns (ListingView memory);

    /// @notice One rental as stored.
    function getRental(uint256 rentalId) external view returns (Rental memory);

    /// @notice What the provider could release from a running rental right now.
    function releasable(uint256 rentalId) external view returns (uint256);

    /// @notice When a rental ends (0 while not started).
    function endsAt(uint256 rentalId) external view returns (uint256);

    /// @notice What `account` can withdraw in `token`.
    function creditOf(address account, address token) external view returns (uint256);

    /// @notice Protocol fees in `token` not yet sent to the treasury.
    function accruedFees(address token) external view returns (uint256);

    /// @notice Escrow in `token` still held for open rentals.
    function escrowed(address token) external view returns (uint256);

    /// @notice Whether `token` is allowed for new listings and rentals.
    function isPaymentToken(address token) external view returns (bool);

    /// @notice The allow-list in index order (disallowed tokens keep their index).
    function paymentTokens() external view returns (address[] memory);

    /// @notice Counters and settings.
    function listingCount() external view returns (uint256);
    function rentalCount() external view returns (uint256);
    function feeBps() external view returns (uint16);
    function acceptanceTimeout() external view returns (uint32);
    function disputeTimeout() external view returns (uint32);
    function paused() external view returns (bool);
    function treasury() external view returns (address);
}
