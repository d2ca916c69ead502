// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FTNSToken} from "../../../contracts/FTNSToken.sol";
import {RentalMath} from "../../../contracts/libraries/RentalMath.sol";
import {ListingView, Rental, RentalStatus} from "../../../contracts/types/MarketplaceTypes.sol";

import {MarketplaceHandler} from "../handlers/MarketplaceHandler.sol";
import {MarketplaceStore} from "../stores/MarketplaceStore.sol";
import {Base} from "../utils/Base.t.sol";
import {vm} from "../utils/Vm.sol";

/// @notice Invariants of the escrow under any sequence of calls the handler makes: the marketplace holds
/// exactly what it owes, no rental pays out more than it escrowed, a finished rental pays out exactly its
/// escrow, fees are what the rentals were charged, capacity is counted right, the life cycle only moves
/// forward, no token is created or lost, and a provider earns per second without elapsed time ever
/// being repriced. After each run every open rental is closed through the
/// paths that need neither party, and the marketplace must end empty.
///
/// The handler only makes calls its model says must succeed, so these run with `failOnRevert`.
contract MarketplaceInvariantTest is Base {
    uint256 internal constant PARTIES = 3;
    uint256 internal constant CONSUMER_FUNDS = 1e30;
    uint32 internal constant ACCEPTANCE_WINDOW = 6 hours;
    uint32 internal constant DISPUTE_WINDOW = 1 days;

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FTNSToken internal otherToken;
    MarketplaceStore internal store;
    MarketplaceHandler internal handler;
    address[] internal tokens;
    address[] internal providers;
    address[] internal consumers;

    function setUp() public override {
        Base.setUp();
        otherToken = new FTNSToken(address(this), SUPPLY_CAP);
        vm.startPrank(admin);
        marketplace.setPaymentToken(address(otherToken), true);
        // Timeouts that a run of a hundred calls can both meet and miss.
        marketplace.setAcceptanceTimeout(ACCEPTANCE_WINDOW);
        marketplace.setDisputeTimeout(DISPUTE_WINDOW);
        vm.stopPrank();
        tokens.push(address(token));
        tokens.push(address(otherToken));

        for (uint256 i; i < PARTIES; ++i) {
            bytes1 digit = bytes1(uint8(48 + i));
            providers.push(_actor(string(abi.encodePacked("provider", digit))));
            address c = _actor(string(abi.encodePacked("consumer", digit)));
            consumers.push(c);
            _fund(c, CONSUMER_FUNDS);
            otherToken.mint(c, CONSUMER_FUNDS);
            vm.prank(c);
            otherToken.approve(address(marketplace), type(uint256).max);
        }

        store = new MarketplaceStore();
        handler = new MarketplaceHandler(
            marketplace, store, tokens, providers, consumers, admin, arbiter, treasury, stranger
        );

        // A market already in motion, so every run reaches disputes and payouts: listings in both tokens
        // (one at a dust price, one open for ten days only), requests, running rentals, one dispute and
        // a price changed under a running rental.
        handler.createListing(0, 0, 1e18 + 1, 4, 0);
        handler.createListing(1, 1, 3, 3, 0);
        handler.createListing(2, 0, 7e15 + 1, 2, (10 days << 2) | 2);
        handler.createListing(0, 1, 5e20 + 1, 4, 0);
        for (uint256 i; i < 5; ++i) {
            handler.rent(i, i, 2 + i, 1);
        }
        handler.accept(0);
        handler.accept(1);
        handler.accept(2);
        handler.passTime(1 + (1 hours << 2)); // scale 1: one hour
        handler.openDispute(0, true);
        // A provider cuts its price under a running rental: later extensions of it are at the new price.
        handler.updateListing(0, 2, 2e15 + 2);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](19);
        selectors[0] = MarketplaceHandler.createListing.selector;
        selectors[1] = MarketplaceHandler.updateListing.selector;
        selectors[2] = MarketplaceHandler.rent.selector;
        selectors[3] = MarketplaceHandler.accept.selector;
        selectors[4] = MarketplaceHandler.reject.selector;
        selectors[5] = MarketplaceHandler.cancel.selector;
        selectors[6] = MarketplaceHandler.refundExpired.selector;
        selectors[7] = MarketplaceHandler.release.selector;
        selectors[8] = MarketplaceHandler.extend.selector;
        selectors[9] = MarketplaceHandler.terminate.selector;
        selectors[10] = MarketplaceHandler.settle.selector;
        selectors[11] = MarketplaceHandler.openDispute.selector;
        selectors[12] = MarketplaceHandler.resolveDispute.selector;
        selectors[13] = MarketplaceHandler.resolveExpiredDispute.selector;
        selectors[14] = MarketplaceHandler.rate.selector;
        selectors[15] = MarketplaceHandler.withdraw.selector;
        selectors[16] = MarketplaceHandler.withdrawFees.selector;
        selectors[17] = MarketplaceHandler.govern.selector;
        selectors[18] = MarketplaceHandler.passTime.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /*//////////////////////////////////////////////////////////////
                               INVARIANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Per token, the marketplace holds exactly escrow + unwithdrawn fees + unwithdrawn credits,
    /// and its `escrowed` view equals the model's escrow still held for open rentals.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_MarketplaceIsSolvent() external view {
        for (uint256 t; t < tokens.length; ++t) {
            address tkn = tokens[t];
            uint256 credits;
            for (uint256 i; i < PARTIES; ++i) {
                credits += marketplace.creditOf(providers[i], tkn) + marketplace.creditOf(consumers[i], tkn);
            }
            vm.assertEq(
                IERC20(tkn).balanceOf(address(marketplace)),
                marketplace.escrowed(tkn) + marketplace.accruedFees(tkn) + credits,
                "balance == escrowed + fees + credits"
            );
            uint256 held;
            for (uint256 i; i < store.rentalCount(); ++i) {
                uint256 rentalId = store.rentalIdAt(i);
                if (store.rental(rentalId).token == tkn) held += store.heldFor(rentalId);
            }
            vm.assertEq(marketplace.escrowed(tkn), held, "escrowed == model escrow of open rentals");
        }
    }

    /// @notice What a rental paid towards the provider plus what it refunded never exceeds what it escrowed,
    /// and the contract's own record of each rental agrees with the model.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_NoRentalPaysOutMoreThanEscrowed() external view {
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            MarketplaceStore.RentalRecord memory m = store.rental(rentalId);
            Rental memory r = marketplace.getRental(rentalId);
            vm.assertLe(m.gross + m.refunded, m.escrowed, "gross + refunds <= escrowed");
            vm.assertLe(r.released, r.amount, "released <= amount");
            vm.assertEq(r.amount, m.escrowed, "amount == model escrow");
            vm.assertEq(r.released, m.gross, "released == model gross");
        }
    }

    /// @notice A rental in a final status has paid out its escrow exactly; an open one holds the rest.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_FinalRentalsPayOutExactly() external view {
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            MarketplaceStore.RentalRecord memory m = store.rental(rentalId);
            RentalStatus status = marketplace.getRental(rentalId).status;
            if (_isOpen(status)) {
                vm.assertEq(m.refunded, 0, "open rental has refunded nothing");
                if (status == RentalStatus.Requested) vm.assertEq(m.gross, 0, "request has paid nothing");
            } else {
                vm.assertEq(m.gross + m.refunded, m.escrowed, "final: gross + refunds == escrowed");
            }
        }
    }

    /// @notice Fees not yet withdrawn are exactly the fees the rentals were charged, and each rental's fee
    /// is its own rate (fixed at rent time, capped) applied to each payout, rounded down.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_FeesAreWhatRentalsWereCharged() external view {
        uint256 maxFeeBps = marketplace.MAX_FEE_BPS();
        for (uint256 t; t < tokens.length; ++t) {
            MarketplaceStore.Totals memory totals = store.totals(tokens[t]);
            vm.assertEq(
                marketplace.accruedFees(tokens[t]), totals.fees - totals.feesWithdrawn, "accrued fees == fees charged"
            );
        }
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            MarketplaceStore.RentalRecord memory m = store.rental(rentalId);
            vm.assertEq(marketplace.getRental(rentalId).feeBps, m.feeBps, "fee rate fixed at rent time");
            vm.assertLe(m.feeBps, maxFeeBps, "fee rate capped");
            uint256 exact = m.gross * m.feeBps / RentalMath.BPS;
            vm.assertLe(m.fees, m.gross * maxFeeBps / RentalMath.BPS, "fee <= gross * MAX_FEE_BPS");
            vm.assertLe(m.fees, exact, "fee <= gross * feeBps");
            vm.assertGe(m.fees + m.payouts, exact, "fee rounds down by < 1 per payout");
        }
    }

    /// @notice Each listing counts as open exactly its Requested, Active and Disputed rentals, and never
    /// more than its capacity (or than it already had when the provider lowered the capacity).
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_OpenRentalsMatchCapacity() external view {
        for (uint256 l; l < store.listingCount(); ++l) {
            uint256 listingId = store.listingIdAt(l);
            uint256 open;
            for (uint256 i; i < store.rentalCount(); ++i) {
                uint256 rentalId = store.rentalIdAt(i);
                if (store.rental(rentalId).listingId != listingId) continue;
                if (_isOpen(marketplace.getRental(rentalId).status)) ++open;
            }
            ListingView memory listing = marketplace.getListing(listingId);
            vm.assertEq(listing.openRentals, open, "openRentals == open rentals of the listing");
            vm.assertLe(listing.openRentals, store.listing(listingId).openCeiling, "openRentals <= capacity");
        }
    }

    /// @notice Statuses only move along the life cycle, and a rental is rated at most once: the listing's
    /// rating totals are exactly the ratings the handler gave.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_LifeCycleOnlyMovesForward() external view {
        vm.assertEq(store.invalidTransitions(), 0, "status transitions outside the life cycle");
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            vm.assertEq(marketplace.getRental(rentalId).rated, store.rental(rentalId).rated, "rated flag");
        }
        for (uint256 l; l < store.listingCount(); ++l) {
            uint256 listingId = store.listingIdAt(l);
            ListingView memory listing = marketplace.getListing(listingId);
            MarketplaceStore.ListingRecord memory m = store.listing(listingId);
            vm.assertEq(listing.ratingCount, m.ratingCount, "rating count: one per rated rental");
            vm.assertEq(listing.ratingSum, m.ratingSum, "rating sum");
        }
    }

    /// @notice At every moment a running rental has earned (released + releasable) exactly its escrow
    /// spread per second over the booking, at the price of each stretch of time: an extension at a changed
    /// price buys future hours and must not reprice the hours already used. One unit of rounding is allowed
    /// per extension, where accrual restarts.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_ProviderEarnsPerSecondWithoutRepricing() external view {
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            Rental memory r = marketplace.getRental(rentalId);
            if (r.status != RentalStatus.Active) continue;
            uint256 earned = r.released + marketplace.releasable(rentalId);
            uint256 expected = store.specEarned(rentalId, block.timestamp);
            uint256 rounding = store.rental(rentalId).extensions;
            vm.assertLe(earned, expected + rounding, "earned no more than the per-second model");
            vm.assertGe(earned + rounding, expected, "earned no less than the per-second model");
        }
    }

    /// @notice No token is created or lost: what came in is what went out plus what is held, every
    /// party's credit is what the model credited, and the supply is all accounted for.
    /// hardhat-config: invariant.depth = 100
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_TokensAreConserved() external view {
        for (uint256 t; t < tokens.length; ++t) {
            address tkn = tokens[t];
            MarketplaceStore.Totals memory totals = store.totals(tkn);
            vm.assertEq(
                totals.deposited,
                totals.withdrawn + totals.feesWithdrawn + IERC20(tkn).balanceOf(address(marketplace)),
                "deposited == withdrawn + balance"
            );
            vm.assertEq(
                totals.deposited,
                totals.gross + totals.refunded + marketplace.escrowed(tkn),
                "deposited == paid out + escrowed"
            );
            uint256 held = IERC20(tkn).balanceOf(address(marketplace)) + IERC20(tkn).balanceOf(treasury);
            for (uint256 i; i < PARTIES; ++i) {
                held += IERC20(tkn).balanceOf(providers[i]) + IERC20(tkn).balanceOf(consumers[i]);
                vm.assertEq(
                    marketplace.creditOf(providers[i], tkn), store.expectedCredit(tkn, providers[i]), "provider credit"
                );
                vm.assertEq(
                    marketplace.creditOf(consumers[i], tkn), store.expectedCredit(tkn, consumers[i]), "consumer credit"
                );
            }
            vm.assertEq(held, IERC20(tkn).totalSupply(), "supply == sum of holders");
        }
    }

    /// @notice Every open rental can be closed by a stranger once its deadline passes (no funds stuck when
    /// both parties disappear, paused or not), after which everyone withdraws and the marketplace is empty.
    function afterInvariant() external {
        uint256 acceptanceTimeout = marketplace.acceptanceTimeout();
        uint256 disputeTimeout = marketplace.disputeTimeout();
        for (uint256 i; i < store.rentalCount(); ++i) {
            uint256 rentalId = store.rentalIdAt(i);
            Rental memory r = marketplace.getRental(rentalId);
            if (r.status == RentalStatus.Requested) {
                _warpPast(r.requestedAt + acceptanceTimeout);
                vm.prank(stranger);
                marketplace.refundExpired(rentalId);
            } else if (r.status == RentalStatus.Active) {
                _warpPast(marketplace.endsAt(rentalId) - 1);
                vm.prank(stranger);
                marketplace.settle(rentalId);
            } else if (r.status == RentalStatus.Disputed) {
                _warpPast(r.disputedAt + disputeTimeout);
                vm.prank(stranger);
                marketplace.resolveExpiredDispute(rentalId);
            }
        }
        for (uint256 t; t < tokens.length; ++t) {
            address tkn = tokens[t];
            for (uint256 i; i < PARTIES; ++i) {
                _withdrawAll(providers[i], tkn);
                _withdrawAll(consumers[i], tkn);
            }
            if (marketplace.accruedFees(tkn) != 0) marketplace.withdrawFees(tkn);
            vm.assertEq(marketplace.escrowed(tkn), 0, "drained: escrow");
            vm.assertEq(IERC20(tkn).balanceOf(address(marketplace)), 0, "drained: nothing left behind");
        }
    }

    /*//////////////////////////////////////////////////////////////
                               REACHABILITY
    //////////////////////////////////////////////////////////////*/

    /// @notice The handler is not a no-op: one scripted pass reaches every action, so every branch the
    /// campaign relies on is a real call into the marketplace, not a skip.
    function test_HandlerReachesEveryAction() external {
        handler.release(0);
        handler.extend(1, 2, 1);
        handler.extend(1, 2, 5); // price guard probe
        handler.terminate(1);
        handler.reject(0);
        handler.cancel(0);
        handler.rent(0, 0, 1, 5); // price guard probe
        handler.rent(0, 1, 1, 1);
        handler.rent(1, 2, 1, 1);
        handler.accept(0); // the first of the two; the other is left to expire
        handler.rate(0, 4);
        handler.rate(0, 4); // second rating must be refused
        handler.resolveDispute(0, 7); // award above escrow must be refused
        handler.resolveDispute(0, 3);
        handler.openDispute(0, false);
        handler.passTime((4 days << 2) | 3); // four days: requests expire, rentals end, disputes time out
        handler.refundExpired(0, 0);
        handler.settle(0, 1);
        handler.resolveExpiredDispute(0, 6);
        handler.withdraw(0, 0);
        handler.withdrawFees(0, 6);
        handler.govern(0, 77); // fee
        handler.updateListing(0, 0, 2e18 + 2); // price
        handler.updateListing(1, 0, 1); // capacity
        handler.updateListing(2, 0, 0); // active flag
        handler.govern(1, 0); // pause
        handler.createListing(0, 0, 1e18, 1, 0); // paused: skipped
        handler.govern(1, 1); // unpause
        handler.createListing(0, 0, 1e18, 1, 0);
        handler.govern(2, 0); // second payment token

        string[28] memory actions = [
            "createListing", "updatePrice", "updateCapacity", "toggleListing", "rent", "rentAboveMaxPrice",
            "accept", "reject", "cancel", "refundExpired", "release", "extend", "extendAboveMaxPrice", "terminate",
            "settle", "openDispute", "resolveDispute", "resolveDisputeAboveEscrow", "resolveExpiredDispute", "rate",
            "rateAgain", "withdraw", "withdrawFees", "setFee", "pause", "unpause", "togglePaymentToken", "passTime"
        ];
        for (uint256 i; i < actions.length; ++i) {
            vm.assertGt(store.calls(actions[i]), 0, string.concat("never reached: ", actions[i]));
        }
        vm.assertEq(store.invalidTransitions(), 0, "scripted pass stays in the life cycle");
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _isOpen(RentalStatus status) internal pure returns (bool) {
        return status == RentalStatus.Requested || status == RentalStatus.Active || status == RentalStatus.Disputed;
    }

    function _warpPast(uint256 deadline) internal {
        if (block.timestamp <= deadline) vm.warp(deadline + 1);
    }

    function _withdrawAll(address account, address tkn) internal {
        if (marketplace.creditOf(account, tkn) == 0) return;
        vm.prank(account);
        marketplace.withdraw(tkn);
    }
}
