// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RentalStatus} from "../../../contracts/types/MarketplaceTypes.sol";

/// @notice The invariant suite's own books: what the handler expects the marketplace to hold and owe,
/// kept from the handler's model of each call, never read back from the marketplace. The invariants
/// compare these running totals with the contract's views.
contract MarketplaceStore {
    /// @dev What the model knows about one rental.
    struct RentalRecord {
        uint256 listingId;
        address token;
        address consumer;
        address provider;
        uint16 feeBps; // the fee at rent time
        uint32 hoursBooked; // extensions included
        uint40 requestedAt;
        uint40 startedAt;
        uint40 disputedAt;
        uint40 checkpointAt; // accrual restarts here after an extension (the start otherwise)
        uint256 earnedAtCheckpoint; // what the provider had earned at `checkpointAt`
        uint256 extensions;
        uint256 releasableAtDispute; // what the provider could still take when the dispute was opened
        uint256 escrowed; // everything pulled in for this rental, extensions included
        uint256 gross; // paid towards the provider, fee included
        uint256 fees; // the protocol's part of `gross`
        uint256 refunded; // credited back to the consumer
        uint256 payouts; // number of gross payouts, each rounding its fee down by less than 1 unit
        RentalStatus status; // last status observed
        bool rated;
    }

    struct ListingRecord {
        address provider;
        address token;
        uint256 ratingCount;
        uint256 ratingSum;
        uint256 openCeiling; // max(capacity, open rentals) before the current call
    }

    /// @dev Money in and out of the marketplace, per token.
    struct Totals {
        uint256 deposited; // pulled in by rent and extend
        uint256 gross; // paid towards providers, fees included
        uint256 fees; // charged by the protocol
        uint256 refunded; // credited back to consumers
        uint256 withdrawn; // sent out by withdraw
        uint256 feesWithdrawn; // sent to the treasury
    }

    uint256[] internal _rentalIds;
    uint256[] internal _listingIds;
    mapping(uint256 rentalId => RentalRecord) internal _rentals;
    mapping(uint256 listingId => ListingRecord) internal _listings;
    mapping(address token => Totals) internal _totals;
    mapping(address token => mapping(address account => uint256)) public expectedCredit;

    /// @dev Instrumentation: how often each action really reached the marketplace.
    mapping(string action => uint256) public calls;
    uint256 public totalCalls;

    /// @dev Status changes that the life cycle does not allow, with the first one kept for the report.
    uint256 public invalidTransitions;
    uint256 public firstInvalidRental;
    RentalStatus public firstInvalidFrom;
    RentalStatus public firstInvalidTo;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function rentalCount() external view returns (uint256) {
        return _rentalIds.length;
    }

    function rentalIdAt(uint256 index) external view returns (uint256) {
        return _rentalIds[index];
    }

    function listingCount() external view returns (uint256) {
        return _listingIds.length;
    }

    function listingIdAt(uint256 index) external view returns (uint256) {
        return _listingIds[index];
    }

    function rental(uint256 rentalId) external view returns (RentalRecord memory) {
        return _rentals[rentalId];
    }

    function listing(uint256 listingId) external view returns (ListingRecord memory) {
        return _listings[listingId];
    }

    function totals(address token) external view returns (Totals memory) {
        return _totals[token];
    }

    /// @notice What the provider has earned at time `t` of a running rental: per second, at the price of
    /// each stretch of time. An extension buys future hours, so accrual restarts at the extension from
    /// what had been earned by then and spreads the rest of the escrow over the rest of the booking.
    function specEarned(uint256 rentalId, uint256 t) public view returns (uint256) {
        RentalRecord storage r = _rentals[rentalId];
        if (r.startedAt == 0) return 0;
        uint256 end = uint256(r.startedAt) + uint256(r.hoursBooked) * 3600;
        if (t >= end) return r.escrowed;
        uint256 base = r.earnedAtCheckpoint;
        return base + (r.escrowed - base) * (t - r.checkpointAt) / (end - r.checkpointAt);
    }

    /// @dev Escrow the model says is still held for `rental` (zero once it is final).
    function heldFor(uint256 rentalId) public view returns (uint256) {
        RentalRecord storage r = _rentals[rentalId];
        return r.escrowed - r.gross - r.refunded;
    }

    /*//////////////////////////////////////////////////////////////
                                RECORDS
    //////////////////////////////////////////////////////////////*/

    function countCall(string calldata action) external {
        calls[action] += 1;
        totalCalls += 1;
    }

    function pushListing(uint256 listingId, address provider, address token, uint256 capacity) external {
        _listingIds.push(listingId);
        _listings[listingId] = ListingRecord({
            provider: provider,
            token: token,
            ratingCount: 0,
            ratingSum: 0,
            openCeiling: capacity
        });
    }

    function setOpenCeiling(uint256 listingId, uint256 ceiling) external {
        _listings[listingId].openCeiling = ceiling;
    }

    function pushRental(
        uint256 rentalId,
        uint256 listingId,
        address consumer,
        uint16 feeBps,
        uint32 hoursBooked,
        uint256 amount
    ) external {
        ListingRecord storage l = _listings[listingId];
        _rentalIds.push(rentalId);
        RentalRecord storage r = _rentals[rentalId];
        r.listingId = listingId;
        r.token = l.token;
        r.consumer = consumer;
        r.provider = l.provider;
        r.feeBps = feeBps;
        r.hoursBooked = hoursBooked;
        r.requestedAt = uint40(block.timestamp);
        r.escrowed = amount;
        _totals[l.token].deposited += amount;
    }

    function recordStart(uint256 rentalId) external {
        RentalRecord storage r = _rentals[rentalId];
        r.startedAt = uint40(block.timestamp);
        r.checkpointAt = uint40(block.timestamp);
    }

    function recordDispute(uint256 rentalId, uint256 releasable) external {
        RentalRecord storage r = _rentals[rentalId];
        r.disputedAt = uint40(block.timestamp);
        r.releasableAtDispute = releasable;
    }

    function recordExtension(uint256 rentalId, uint32 extraHours, uint256 extraAmount) external {
        RentalRecord storage r = _rentals[rentalId];
        r.earnedAtCheckpoint = specEarned(rentalId, block.timestamp);
        r.checkpointAt = uint40(block.timestamp);
        r.extensions += 1;
        r.hoursBooked += extraHours;
        r.escrowed += extraAmount;
        _totals[r.token].deposited += extraAmount;
    }

    /// @dev One movement out of a rental's escrow: `gross` towards the provider (of which `fee` to the
    /// protocol), `refund` back to the consumer.
    function recordPayout(uint256 rentalId, uint256 gross, uint256 fee, uint256 refund) external {
        RentalRecord storage r = _rentals[rentalId];
        Totals storage t = _totals[r.token];
        if (gross != 0) {
            r.gross += gross;
            r.fees += fee;
            r.payouts += 1;
            t.gross += gross;
            t.fees += fee;
            expectedCredit[r.token][r.provider] += gross - fee;
        }
        if (refund != 0) {
            r.refunded += refund;
            t.refunded += refund;
            expectedCredit[r.token][r.consumer] += refund;
        }
    }

    function recordWithdrawal(address token, address account, uint256 amount) external {
        expectedCredit[token][account] -= amount;
        _totals[token].withdrawn += amount;
    }

    function recordFeesWithdrawal(address token, uint256 amount) external {
        _totals[token].feesWithdrawn += amount;
    }

    function recordRating(uint256 rentalId, uint8 score) external {
        RentalRecord storage r = _rentals[rentalId];
        r.rated = true;
        ListingRecord storage l = _listings[r.listingId];
        l.ratingCount += 1;
        l.ratingSum += score;
    }

    /// @dev Called after every step with the status the marketplace now reports.
    function observeStatus(uint256 rentalId, RentalStatus current) external {
        RentalRecord storage r = _rentals[rentalId];
        RentalStatus previous = r.status;
        if (current == previous) return;
        if (!isAllowedTransition(previous, current)) {
            if (invalidTransitions == 0) {
                firstInvalidRental = rentalId;
                firstInvalidFrom = previous;
                firstInvalidTo = current;
            }
            invalidTransitions += 1;
        }
        r.status = current;
    }

    /// @notice The life cycle: a request is answered once, a running rental ends or is disputed, a dispute
    /// is decided; final statuses never change.
    function isAllowedTransition(RentalStatus from, RentalStatus to) public pure returns (bool) {
        if (from == RentalStatus.None) return to == RentalStatus.Requested;
        if (from == RentalStatus.Requested) {
            return to == RentalStatus.Active || to == RentalStatus.Rejected || to == RentalStatus.Cancelled
                || to == RentalStatus.Expired;
        }
        if (from == RentalStatus.Active) return to == RentalStatus.Completed || to == RentalStatus.Disputed;
        if (from == RentalStatus.Disputed) return to == RentalStatus.Resolved;
        return false;
    }
}
