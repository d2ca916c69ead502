// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Marketplace} from "../../../contracts/Marketplace.sol";
import {Errors} from "../../../contracts/libraries/Errors.sol";
import {RentalMath} from "../../../contracts/libraries/RentalMath.sol";
import {ListingParams, ListingView, Rental, RentalStatus} from "../../../contracts/types/MarketplaceTypes.sol";

import {MarketplaceStore} from "../stores/MarketplaceStore.sol";
import {bound} from "../utils/Bound.sol";
import {vm} from "../utils/Vm.sol";

/// @notice Drives the marketplace through random sequences of calls by a few providers, consumers, an
/// admin and an arbiter. Each action first picks, from the store's model, something it can legally act
/// on; when nothing qualifies it does nothing. So every call that reaches the marketplace is one the
/// model says must succeed, and the suite runs with `failOnRevert`: an unexpected revert is a finding,
/// not noise. After a call the handler checks the money it moved against the model, then records it.
/// Accrual is taken from the contract's `releasable` view and judged separately by an invariant, so a
/// wrong accrual shows up as that one failing invariant while the money checks keep running.
contract MarketplaceHandler {
    uint256 internal constant MAX_LISTINGS = 12;
    uint256 internal constant MAX_RENTALS = 60;
    uint256 internal constant MAX_RENT_HOURS = 48;
    uint256 internal constant MAX_EXTRA_HOURS = 24;
    uint256 internal constant MAX_CAPACITY = 6;
    string internal constant METADATA = '{"title":"GPU","category":"GPU","resource_type":"gpu"}';

    Marketplace public immutable marketplace;
    MarketplaceStore public immutable store;
    address public immutable admin;
    address public immutable arbiter;
    address public immutable treasury;
    address public immutable stranger;

    address[] internal _tokens;
    address[] internal _providers;
    address[] internal _consumers;

    /// @dev Credits and balances of the parties a payout touches, before the call.
    struct Snapshot {
        uint256 providerCredit;
        uint256 consumerCredit;
        uint256 fees;
        uint256 escrowed;
        uint256 balance;
    }

    constructor(
        Marketplace marketplace_,
        MarketplaceStore store_,
        address[] memory tokens_,
        address[] memory providers_,
        address[] memory consumers_,
        address admin_,
        address arbiter_,
        address treasury_,
        address stranger_
    ) {
        marketplace = marketplace_;
        store = store_;
        _tokens = tokens_;
        _providers = providers_;
        _consumers = consumers_;
        admin = admin_;
        arbiter = arbiter_;
        treasury = treasury_;
        stranger = stranger_;
    }

    /// @dev Before the action: remember how many open rentals each listing may hold, so an invariant can
    /// tell a rent past capacity from a capacity lowered under running rentals. After it: observe every
    /// rental's status so the store can judge each transition.
    modifier step() {
        _recordCeilings();
        _;
        _observeStatuses();
    }

    /*//////////////////////////////////////////////////////////////
                                LISTINGS
    //////////////////////////////////////////////////////////////*/

    function createListing(
        uint256 providerSeed,
        uint256 tokenSeed,
        uint256 priceSeed,
        uint256 capacitySeed,
        uint256 windowSeed
    ) external step {
        address token = _tokens[tokenSeed % _tokens.length];
        if (marketplace.paused() || !marketplace.isPaymentToken(token) || store.listingCount() >= MAX_LISTINGS) {
            return;
        }
        address provider = _providers[providerSeed % _providers.length];
        uint16 capacity = uint16(bound(capacitySeed, 1, MAX_CAPACITY));
        (uint40 availableFrom, uint40 availableUntil) = _window(windowSeed);
        ListingParams memory params = ListingParams({
            token: token,
            pricePerHour: _price(priceSeed),
            availableFrom: availableFrom,
            availableUntil: availableUntil,
            capacity: capacity,
            metadata: METADATA
        });

        vm.prank(provider);
        uint256 listingId = marketplace.createListing(params);

        vm.assertEq(listingId, marketplace.listingCount(), "createListing: id");
        ListingView memory created = marketplace.getListing(listingId);
        vm.assertEq(created.token, token, "createListing: token");
        vm.assertEq(created.capacity, capacity, "createListing: capacity");
        store.pushListing(listingId, provider, token, capacity);
        store.countCall("createListing");
    }

    /// @dev Price, capacity and active flag in one entry point, so maintenance does not crowd out rentals
    /// in the fuzzer's choice of calls. Capacity may drop below the open rentals: that only blocks new ones.
    function updateListing(uint256 kindSeed, uint256 listingSeed, uint256 valueSeed) external step {
        (uint256 listingId, bool found) = _pickListing(listingSeed, _anyListing);
        if (!found) return;
        address provider = store.listing(listingId).provider;
        uint256 kind = kindSeed % 3;
        if (kind == 0) {
            uint96 price = _price(valueSeed);
            vm.prank(provider);
            marketplace.updatePrice(listingId, price);
            store.countCall("updatePrice");
        } else if (kind == 1) {
            uint16 capacity = uint16(bound(valueSeed, 1, MAX_CAPACITY));
            vm.prank(provider);
            marketplace.updateCapacity(listingId, capacity);
            store.countCall("updateCapacity");
        } else {
            bool active = marketplace.getListing(listingId).active;
            vm.prank(provider);
            marketplace.setListingActive(listingId, !active);
            store.countCall("toggleListing");
        }
    }

    /*//////////////////////////////////////////////////////////////
                                REQUESTS
    //////////////////////////////////////////////////////////////*/

    function rent(uint256 listingSeed, uint256 consumerSeed, uint256 hoursSeed, uint256 maxPriceSeed)
        external
        step
    {
        if (marketplace.paused() || store.rentalCount() >= MAX_RENTALS) return;
        (uint256 listingId, bool found) = _pickListing(listingSeed, _isRentable);
        if (!found) return;
        ListingView memory l = marketplace.getListing(listingId);
        address consumer = _consumers[consumerSeed % _consumers.length];
        uint256 maxHours = _maxHoursFrom(block.timestamp, l.availableUntil, MAX_RENT_HOURS);
        uint32 hoursBooked = uint32(bound(hoursSeed, 1, maxHours));
        uint256 price = l.pricePerHour;

        // One call in five probes the price guard: a maximum below the price must not rent anything.
        if (maxPriceSeed % 5 == 0) {
            uint96 lowMax = uint96(bound(maxPriceSeed, 0, price - 1));
            vm.prank(consumer);
            try marketplace.rent(listingId, hoursBooked, lowMax) {
                vm.assertTrue(false, "rent: charged above maxPricePerHour");
            } catch (bytes memory reason) {
                _assertReason(
                    reason,
                    abi.encodeWithSelector(Errors.Marketplace_PriceAboveMax.selector, listingId, price, lowMax),
                    "rent: price guard error"
                );
            }
            store.countCall("rentAboveMaxPrice");
            return;
        }

        uint96 maxPrice = uint96(bound(maxPriceSeed, price, type(uint96).max));
        _rentAndCheck(listingId, l.token, consumer, hoursBooked, price, maxPrice);
    }

    /// @dev Rents and checks that exactly `price * hoursBooked` moved from the consumer into escrow, at the
    /// fee rate of this moment.
    function _rentAndCheck(
        uint256 listingId,
        address token,
        address consumer,
        uint32 hoursBooked,
        uint256 price,
        uint96 maxPrice
    ) internal {
        uint256 amount = price * hoursBooked;
        uint256 consumerBalance = IERC20(token).balanceOf(consumer);
        uint256 marketBalance = IERC20(token).balanceOf(address(marketplace));
        uint256 escrowBefore = marketplace.escrowed(token);
        uint16 feeBps = marketplace.feeBps();

        vm.prank(consumer);
        uint256 rentalId = marketplace.rent(listingId, hoursBooked, maxPrice);

        vm.assertEq(IERC20(token).balanceOf(consumer), consumerBalance - amount, "rent: consumer charged");
        vm.assertEq(
            IERC20(token).balanceOf(address(marketplace)), marketBalance + amount, "rent: marketplace received"
        );
        vm.assertEq(marketplace.escrowed(token), escrowBefore + amount, "rent: escrowed");
        Rental memory r = marketplace.getRental(rentalId);
        vm.assertEq(r.amount, amount, "rent: amount");
        vm.assertEq(r.feeBps, feeBps, "rent: fee fixed at rent time");
        store.pushRental(rentalId, listingId, consumer, feeBps, hoursBooked, amount);
        store.countCall("rent");
    }

    function accept(uint256 rentalSeed) external step {
        if (marketplace.paused()) return;
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isAcceptable);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        vm.prank(r.provider);
        marketplace.accept(rentalId);
        vm.assertEq(
            marketplace.endsAt(rentalId),
            block.timestamp + RentalMath.duration(r.hoursBooked),
            "accept: ends after the hours booked"
        );
        store.recordStart(rentalId);
        store.countCall("accept");
    }

    function reject(uint256 rentalSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isRequested);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        Snapshot memory before = _snapshot(r);
        vm.prank(r.provider);
        marketplace.reject(rentalId);
        _checkPayout(rentalId, r, before, 0, r.escrowed, "reject");
        store.countCall("reject");
    }

    function cancel(uint256 rentalSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isRequested);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        Snapshot memory before = _snapshot(r);
        vm.prank(r.consumer);
        marketplace.cancel(rentalId);
        _checkPayout(rentalId, r, before, 0, r.escrowed, "cancel");
        store.countCall("cancel");
    }

    /// @dev Anyone may refund an unanswered request: the caller is whoever the seed picks.
    function refundExpired(uint256 rentalSeed, uint256 callerSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isExpiredRequest);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        Snapshot memory before = _snapshot(r);
        vm.prank(_anyone(callerSeed));
        marketplace.refundExpired(rentalId);
        _checkPayout(rentalId, r, before, 0, r.escrowed, "refundExpired");
        store.countCall("refundExpired");
    }

    /*//////////////////////////////////////////////////////////////
                             RUNNING RENTALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Takes what the contract says is releasable; that figure is checked against the per-second model
    /// after every step by `invariant_ProviderEarnsPerSecondWithoutRepricing`.
    function release(uint256 rentalSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _hasReleasable);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint256 gross = marketplace.releasable(rentalId);
        Snapshot memory before = _snapshot(r);
        vm.prank(r.provider);
        marketplace.release(rentalId);
        _checkPayout(rentalId, r, before, gross, 0, "release");
        store.countCall("release");
    }

    function extend(uint256 rentalSeed, uint256 hoursSeed, uint256 maxPriceSeed) external step {
        if (marketplace.paused()) return;
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isExtendable);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        ListingView memory l = marketplace.getListing(r.listingId);
        uint256 end = _endOf(r);
        uint256 maxExtra = _maxHoursFrom(end, l.availableUntil, MAX_EXTRA_HOURS);
        if (r.hoursBooked + maxExtra > marketplace.MAX_HOURS()) maxExtra = marketplace.MAX_HOURS() - r.hoursBooked;
        uint32 extraHours = uint32(bound(hoursSeed, 1, maxExtra));
        uint256 price = l.pricePerHour;

        if (maxPriceSeed % 5 == 0) {
            uint96 lowMax = uint96(bound(maxPriceSeed, 0, price - 1));
            vm.prank(r.consumer);
            try marketplace.extend(rentalId, extraHours, lowMax) {
                vm.assertTrue(false, "extend: charged above maxPricePerHour");
            } catch (bytes memory reason) {
                _assertReason(
                    reason,
                    abi.encodeWithSelector(Errors.Marketplace_PriceAboveMax.selector, r.listingId, price, lowMax),
                    "extend: price guard error"
                );
            }
            store.countCall("extendAboveMaxPrice");
            return;
        }

        uint96 maxPrice = uint96(bound(maxPriceSeed, price, type(uint96).max));
        uint256 extraAmount = price * extraHours;
        uint256 consumerBalance = IERC20(r.token).balanceOf(r.consumer);
        uint256 escrowBefore = marketplace.escrowed(r.token);

        vm.prank(r.consumer);
        marketplace.extend(rentalId, extraHours, maxPrice);

        vm.assertEq(IERC20(r.token).balanceOf(r.consumer), consumerBalance - extraAmount, "extend: consumer charged");
        vm.assertEq(marketplace.escrowed(r.token), escrowBefore + extraAmount, "extend: escrowed");
        vm.assertEq(marketplace.endsAt(rentalId), end + RentalMath.duration(extraHours), "extend: new end");
        store.recordExtension(rentalId, extraHours, extraAmount);
        store.countCall("extend");
    }

    function terminate(uint256 rentalSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isRunning);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint256 gross = marketplace.releasable(rentalId);
        uint256 refund = r.escrowed - r.gross - gross;
        Snapshot memory before = _snapshot(r);
        vm.prank(r.consumer);
        marketplace.terminate(rentalId);
        _checkPayout(rentalId, r, before, gross, refund, "terminate");
        store.countCall("terminate");
    }

    /// @dev Anyone may settle an ended rental.
    function settle(uint256 rentalSeed, uint256 callerSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _hasEnded);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        Snapshot memory before = _snapshot(r);
        vm.prank(_anyone(callerSeed));
        marketplace.settle(rentalId);
        _checkPayout(rentalId, r, before, r.escrowed - r.gross, 0, "settle");
        store.countCall("settle");
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @dev Either party may dispute, also after the end while nobody has settled yet.
    function openDispute(uint256 rentalSeed, bool byProvider) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isActive);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint256 escrowBefore = marketplace.escrowed(r.token);
        uint256 releasable = marketplace.releasable(rentalId);
        vm.prank(byProvider ? r.provider : r.consumer);
        marketplace.openDispute(rentalId);
        vm.assertEq(marketplace.escrowed(r.token), escrowBefore, "openDispute: escrow frozen, not moved");
        store.recordDispute(rentalId, releasable);
        store.countCall("openDispute");
    }

    /// @dev The arbiter splits what is frozen; the seed favours the edges (all to one side) a little.
    function resolveDispute(uint256 rentalSeed, uint256 awardSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isDisputed);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint256 frozen = r.escrowed - r.gross;

        if (awardSeed % 7 == 0) {
            uint256 tooMuch = frozen + 1 + awardSeed % 1000;
            vm.prank(arbiter);
            try marketplace.resolveDispute(rentalId, tooMuch) {
                vm.assertTrue(false, "resolveDispute: awarded more than frozen");
            } catch (bytes memory reason) {
                _assertReason(
                    reason,
                    abi.encodeWithSelector(Errors.Marketplace_AwardAboveEscrow.selector, rentalId, tooMuch, frozen),
                    "resolveDispute: award guard error"
                );
            }
            store.countCall("resolveDisputeAboveEscrow");
            return;
        }

        uint256 award = awardSeed % 7 == 1 ? 0 : awardSeed % 7 == 2 ? frozen : bound(awardSeed, 0, frozen);
        Snapshot memory before = _snapshot(r);
        vm.prank(arbiter);
        marketplace.resolveDispute(rentalId, award);
        _checkPayout(rentalId, r, before, award, frozen - award, "resolveDispute");
        store.countCall("resolveDispute");
    }

    /// @dev The documented default: the provider gets what had accrued when the dispute was opened.
    function resolveExpiredDispute(uint256 rentalSeed, uint256 callerSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isDisputeExpired);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint256 toProvider = r.releasableAtDispute;
        Snapshot memory before = _snapshot(r);
        vm.prank(_anyone(callerSeed));
        marketplace.resolveExpiredDispute(rentalId);
        _checkPayout(rentalId, r, before, toProvider, r.escrowed - r.gross - toProvider, "resolveExpiredDispute");
        store.countCall("resolveExpiredDispute");
    }

    /*//////////////////////////////////////////////////////////////
                                 RATINGS
    //////////////////////////////////////////////////////////////*/

    /// @dev A rated rental is rated again on purpose: the second rating must be refused.
    function rate(uint256 rentalSeed, uint256 scoreSeed) external step {
        (uint256 rentalId, bool found) = _pickRental(rentalSeed, _isRateable);
        if (!found) return;
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        uint8 score = uint8(bound(scoreSeed, 1, 5));
        if (r.rated) {
            vm.prank(r.consumer);
            try marketplace.rate(rentalId, score) {
                vm.assertTrue(false, "rate: rated twice");
            } catch (bytes memory reason) {
                _assertReason(
                    reason,
                    abi.encodeWithSelector(Errors.Marketplace_AlreadyRated.selector, rentalId),
                    "rate: second rating error"
                );
            }
            store.countCall("rateAgain");
            return;
        }
        vm.prank(r.consumer);
        marketplace.rate(rentalId, score);
        store.recordRating(rentalId, score);
        store.countCall("rate");
    }

    /*//////////////////////////////////////////////////////////////
                                  FUNDS
    //////////////////////////////////////////////////////////////*/

    /// @dev Starting from the seed, the first party with something credited withdraws it.
    function withdraw(uint256 accountSeed, uint256 tokenSeed) external step {
        uint256 parties = _providers.length + _consumers.length;
        for (uint256 i; i < parties * _tokens.length; ++i) {
            address account = _party((accountSeed % parties + i) % parties);
            address token = _tokens[(tokenSeed % _tokens.length + i / parties) % _tokens.length];
            uint256 expected = store.expectedCredit(token, account);
            if (expected == 0) continue;
            uint256 balanceBefore = IERC20(token).balanceOf(account);
            vm.prank(account);
            uint256 amount = marketplace.withdraw(token);
            vm.assertEq(amount, expected, "withdraw: amount");
            vm.assertEq(IERC20(token).balanceOf(account), balanceBefore + amount, "withdraw: received");
            vm.assertEq(marketplace.creditOf(account, token), 0, "withdraw: credit cleared");
            store.recordWithdrawal(token, account, amount);
            store.countCall("withdraw");
            return;
        }
    }

    /// @dev Anyone may push the fees to the treasury.
    function withdrawFees(uint256 tokenSeed, uint256 callerSeed) external step {
        address token = _tokens[tokenSeed % _tokens.length];
        MarketplaceStore.Totals memory t = store.totals(token);
        uint256 expected = t.fees - t.feesWithdrawn;
        if (expected == 0) return;
        uint256 balanceBefore = IERC20(token).balanceOf(treasury);
        vm.prank(_anyone(callerSeed));
        uint256 amount = marketplace.withdrawFees(token);
        vm.assertEq(amount, expected, "withdrawFees: amount");
        vm.assertEq(IERC20(token).balanceOf(treasury), balanceBefore + amount, "withdrawFees: treasury received");
        store.recordFeesWithdrawal(token, amount);
        store.countCall("withdrawFees");
    }

    /*//////////////////////////////////////////////////////////////
                                  ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @dev The admin's levers in one entry point: the fee (only rentals made from now on pay it; the
    /// invariants check the old ones kept theirs), pause (it must stop new business only, so every other
    /// action keeps running and must not revert; pausing is rarer than unpausing so a run is not spent
    /// mostly paused) and the second payment token's allowance (disallowing it stops new rentals in it,
    /// never refunds or payouts; the default token stays allowed).
    function govern(uint256 kindSeed, uint256 seed) external step {
        uint256 kind = kindSeed % 3;
        if (kind == 0) {
            uint16 newFee = uint16(bound(seed, 0, marketplace.MAX_FEE_BPS()));
            vm.prank(admin);
            marketplace.setFee(newFee);
            store.countCall("setFee");
        } else if (kind == 1) {
            bool wasPaused = marketplace.paused();
            if (!wasPaused && seed % 3 != 0) return;
            vm.prank(admin);
            if (wasPaused) marketplace.unpause();
            else marketplace.pause();
            store.countCall(wasPaused ? "unpause" : "pause");
        } else {
            address token = _tokens[1 + seed % (_tokens.length - 1)];
            bool allowed = marketplace.isPaymentToken(token);
            vm.prank(admin);
            marketplace.setPaymentToken(token, !allowed);
            store.countCall("togglePaymentToken");
        }
    }

    /// @dev Moves time forward on one of four scales, so requests expire, rentals run out and disputes
    /// time out, but not all in one jump.
    function passTime(uint256 seed) external step {
        uint256 scale = seed % 4;
        uint256 jump;
        if (scale == 0) jump = bound(seed >> 2, 1, 10 minutes);
        else if (scale == 1) jump = bound(seed >> 2, 10 minutes, 6 hours);
        else if (scale == 2) jump = bound(seed >> 2, 6 hours, 2 days);
        else jump = bound(seed >> 2, 2 days, 5 days);
        vm.warp(block.timestamp + jump);
        store.countCall("passTime");
    }

    /*//////////////////////////////////////////////////////////////
                               PICKERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The first rental, scanning from a seeded position, that `eligible` accepts.
    function _pickRental(uint256 seed, function(uint256) view returns (bool) eligible)
        internal
        view
        returns (uint256 rentalId, bool found)
    {
        uint256 count = store.rentalCount();
        for (uint256 i; i < count; ++i) {
            rentalId = store.rentalIdAt((seed % count + i) % count);
            if (eligible(rentalId)) return (rentalId, true);
        }
        return (0, false);
    }

    function _pickListing(uint256 seed, function(uint256) view returns (bool) eligible)
        internal
        view
        returns (uint256 listingId, bool found)
    {
        uint256 count = store.listingCount();
        for (uint256 i; i < count; ++i) {
            listingId = store.listingIdAt((seed % count + i) % count);
            if (eligible(listingId)) return (listingId, true);
        }
        return (0, false);
    }

    function _anyListing(uint256) internal pure returns (bool) {
        return true;
    }

    function _isRentable(uint256 listingId) internal view returns (bool) {
        ListingView memory l = marketplace.getListing(listingId);
        return l.active && marketplace.isPaymentToken(l.token) && l.openRentals < l.capacity
            && block.timestamp >= l.availableFrom && _maxHoursFrom(block.timestamp, l.availableUntil, 1) != 0;
    }

    function _status(uint256 rentalId) internal view returns (RentalStatus) {
        return store.rental(rentalId).status;
    }

    function _isRequested(uint256 rentalId) internal view returns (bool) {
        return _status(rentalId) == RentalStatus.Requested;
    }

    function _isAcceptable(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        return r.status == RentalStatus.Requested && block.timestamp <= r.requestedAt + marketplace.acceptanceTimeout();
    }

    function _isExpiredRequest(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        return r.status == RentalStatus.Requested && block.timestamp > r.requestedAt + marketplace.acceptanceTimeout();
    }

    function _isActive(uint256 rentalId) internal view returns (bool) {
        return _status(rentalId) == RentalStatus.Active;
    }

    function _hasReleasable(uint256 rentalId) internal view returns (bool) {
        return _status(rentalId) == RentalStatus.Active && marketplace.releasable(rentalId) != 0;
    }

    function _isRunning(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        return r.status == RentalStatus.Active && block.timestamp < _endOf(r);
    }

    function _hasEnded(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        return r.status == RentalStatus.Active && block.timestamp >= _endOf(r);
    }

    function _isExtendable(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        if (r.status != RentalStatus.Active || block.timestamp >= _endOf(r)) return false;
        if (r.hoursBooked >= marketplace.MAX_HOURS()) return false;
        ListingView memory l = marketplace.getListing(r.listingId);
        return l.active && marketplace.isPaymentToken(l.token) && _maxHoursFrom(_endOf(r), l.availableUntil, 1) != 0;
    }

    function _isDisputed(uint256 rentalId) internal view returns (bool) {
        return _status(rentalId) == RentalStatus.Disputed;
    }

    function _isDisputeExpired(uint256 rentalId) internal view returns (bool) {
        MarketplaceStore.RentalRecord memory r = store.rental(rentalId);
        return r.status == RentalStatus.Disputed && block.timestamp > r.disputedAt + marketplace.disputeTimeout();
    }

    function _isRateable(uint256 rentalId) internal view returns (bool) {
        RentalStatus status = _status(rentalId);
        return status == RentalStatus.Completed || status == RentalStatus.Resolved;
    }

    /*//////////////////////////////////////////////////////////////
                                 MODEL
    //////////////////////////////////////////////////////////////*/

    function _endOf(MarketplaceStore.RentalRecord memory r) internal pure returns (uint256) {
        return uint256(r.startedAt) + RentalMath.duration(r.hoursBooked);
    }

    /// @dev How many whole hours fit between `from` and the end of the availability window, capped.
    function _maxHoursFrom(uint256 from, uint256 availableUntil, uint256 cap) internal pure returns (uint256) {
        if (availableUntil == 0) return cap;
        if (availableUntil <= from) return 0;
        uint256 fit = (availableUntil - from) / RentalMath.SECONDS_PER_HOUR;
        return fit < cap ? fit : cap;
    }

    /// @dev Dust prices make rounding matter; realistic ones make amounts large.
    function _price(uint256 seed) internal pure returns (uint96) {
        return uint96(seed % 3 == 0 ? bound(seed, 1, 1000) : bound(seed, 1e12, 1e22));
    }

    /// @dev Mostly open-ended; sometimes a window that closes within weeks or opens within a day.
    function _window(uint256 seed) internal view returns (uint40 availableFrom, uint40 availableUntil) {
        uint256 mode = seed % 4;
        if (mode == 2) availableUntil = uint40(block.timestamp + bound(seed >> 2, 1 days, 20 days));
        if (mode == 3) availableFrom = uint40(block.timestamp + bound(seed >> 2, 0, 1 days));
    }

    function _party(uint256 index) internal view returns (address) {
        return index < _providers.length ? _providers[index] : _consumers[index - _providers.length];
    }

    /// @dev For the calls anyone may make: a provider, a consumer or a stranger.
    function _anyone(uint256 seed) internal view returns (address) {
        uint256 parties = _providers.length + _consumers.length;
        uint256 index = seed % (parties + 1);
        return index == parties ? stranger : _party(index);
    }

    /*//////////////////////////////////////////////////////////////
                                 CHECKS
    //////////////////////////////////////////////////////////////*/

    function _snapshot(MarketplaceStore.RentalRecord memory r) internal view returns (Snapshot memory) {
        return Snapshot({
            providerCredit: marketplace.creditOf(r.provider, r.token),
            consumerCredit: marketplace.creditOf(r.consumer, r.token),
            fees: marketplace.accruedFees(r.token),
            escrowed: marketplace.escrowed(r.token),
            balance: IERC20(r.token).balanceOf(address(marketplace))
        });
    }

    /// @dev The call moved exactly `gross` (fee at the rental's own rate) to the provider side and
    /// `refund` to the consumer, out of escrow, and no token left the marketplace.
    function _checkPayout(
        uint256 rentalId,
        MarketplaceStore.RentalRecord memory r,
        Snapshot memory before,
        uint256 gross,
        uint256 refund,
        string memory action
    ) internal {
        uint256 fee = gross * r.feeBps / 10_000;
        Snapshot memory afterwards = _snapshot(r);
        vm.assertEq(
            afterwards.providerCredit, before.providerCredit + gross - fee, string.concat(action, ": provider credit")
        );
        vm.assertEq(afterwards.fees, before.fees + fee, string.concat(action, ": fee"));
        vm.assertEq(
            afterwards.consumerCredit, before.consumerCredit + refund, string.concat(action, ": consumer refund")
        );
        vm.assertEq(afterwards.escrowed + gross + refund, before.escrowed, string.concat(action, ": escrow released"));
        vm.assertEq(afterwards.balance, before.balance, string.concat(action, ": balance unchanged"));
        vm.assertEq(marketplace.getRental(rentalId).released, r.gross + gross, string.concat(action, ": released"));
        store.recordPayout(rentalId, gross, fee, refund);
    }

    function _assertReason(bytes memory actual, bytes memory expected, string memory message) internal pure {
        vm.assertEq(keccak256(actual) == keccak256(expected), true, message);
    }

    function _recordCeilings() internal {
        uint256 count = store.listingCount();
        for (uint256 i; i < count; ++i) {
            uint256 listingId = store.listingIdAt(i);
            ListingView memory l = marketplace.getListing(listingId);
            store.setOpenCeiling(listingId, l.openRentals > l.capacity ? l.openRentals : l.capacity);
        }
    }

    function _observeStatuses() internal {
        uint256 count = store.rentalCount();
        for (uint256 i; i < count; ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            store.observeStatus(rentalId, marketplace.getRental(rentalId).status);
        }
    }
}
