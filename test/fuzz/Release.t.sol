// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Errors} from "../../contracts/libraries/Errors.sol";
import {RentalStatus} from "../../contracts/types/MarketplaceTypes.sol";

import {Base} from "./utils/Base.t.sol";
import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

contract ReleaseFuzzTest is Base {
    /// @notice After `t` seconds the provider can take floor(amount * t / duration) gross (all of it once
    /// the rental has ended), of which the protocol keeps gross * feeBps / 10000 at the rate fixed at rent
    /// time, whatever the fee is now.
    function testFuzz_ReleasePaysAccruedProRata(
        uint96 price,
        uint32 hoursBooked,
        uint256 elapsed,
        uint16 feeBps,
        uint16 laterFeeBps
    ) external {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        feeBps = uint16(bound(feeBps, 0, marketplace.MAX_FEE_BPS()));
        laterFeeBps = uint16(bound(laterFeeBps, 0, marketplace.MAX_FEE_BPS()));
        _setFee(feeBps);
        uint256 rentalId = _activeRental(price, hoursBooked);
        _setFee(laterFeeBps);
        uint256 amount = uint256(price) * hoursBooked;
        uint256 duration = uint256(hoursBooked) * 3600;
        elapsed = bound(elapsed, 0, duration * 2);
        vm.warp(block.timestamp + elapsed);

        uint256 gross = _expectedAccrued(amount, elapsed, duration);
        vm.assertEq(marketplace.releasable(rentalId), gross, "releasable view");
        if (gross == 0) {
            vm.expectRevert(abi.encodeWithSelector(Errors.Marketplace_NothingToRelease.selector, rentalId));
            vm.prank(provider);
            marketplace.release(rentalId);
            return;
        }
        vm.prank(provider);
        marketplace.release(rentalId);

        uint256 fee = _expectedFee(gross, feeBps);
        vm.assertEq(_credit(provider), gross - fee, "provider credited gross - fee");
        vm.assertEq(_fees(), fee, "fee at the rental's own rate");
        vm.assertEq(_escrowed(), amount - gross, "escrow reduced by gross");
        vm.assertEq(_rental(rentalId).released, gross, "released");
        vm.assertEq(marketplace.releasable(rentalId), 0, "nothing left to release now");
        vm.assertEq(token.balanceOf(address(marketplace)), amount, "no token left the marketplace");
    }

    /// @notice Releasing in two steps pays exactly what accrued by the second step in total, and never
    /// more fee than one release of the same gross would.
    function testFuzz_ReleaseInStepsAddsUpToAccrued(uint96 price, uint32 hoursBooked, uint256 t1, uint256 t2)
        external
    {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        uint256 rentalId = _activeRental(price, hoursBooked);
        uint256 start = block.timestamp;
        uint256 amount = uint256(price) * hoursBooked;
        uint256 duration = uint256(hoursBooked) * 3600;
        t1 = bound(t1, 1, duration);
        t2 = bound(t2, t1, duration * 2);

        vm.warp(start + t1);
        if (marketplace.releasable(rentalId) != 0) {
            vm.prank(provider);
            marketplace.release(rentalId);
        }
        vm.warp(start + t2);
        if (marketplace.releasable(rentalId) != 0) {
            vm.prank(provider);
            marketplace.release(rentalId);
        }

        uint256 total = _expectedAccrued(amount, t2, duration);
        vm.assertEq(_rental(rentalId).released, total, "released == accrued at t2");
        vm.assertEq(_credit(provider) + _fees(), total, "provider side got exactly the gross");
        vm.assertLe(_fees(), _expectedFee(total, FEE_BPS), "splitting never raises the fee");
        vm.assertGe(_fees() + 2, _expectedFee(total, FEE_BPS), "each release rounds the fee down by < 1");
        vm.assertEq(_escrowed(), amount - total, "escrow holds the rest");
    }

    /// @notice Once the rental has ended, anyone settles it and the provider side receives the whole escrow
    /// (minus nothing: what was released before plus the rest); before the end, settle is refused.
    function testFuzz_SettlePaysTheRestAfterTheEnd(
        uint96 price,
        uint32 hoursBooked,
        uint256 releaseAt,
        uint256 settleDelay
    ) external {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        uint256 rentalId = _activeRental(price, hoursBooked);
        uint256 start = block.timestamp;
        uint256 amount = uint256(price) * hoursBooked;
        uint256 duration = uint256(hoursBooked) * 3600;
        releaseAt = bound(releaseAt, 1, duration - 1);
        settleDelay = bound(settleDelay, 0, 365 days);

        vm.warp(start + releaseAt);
        if (marketplace.releasable(rentalId) != 0) {
            vm.prank(provider);
            marketplace.release(rentalId);
        }
        vm.expectRevert(abi.encodeWithSelector(Errors.Marketplace_RentalNotEnded.selector, rentalId, start + duration));
        vm.prank(stranger);
        marketplace.settle(rentalId);

        vm.warp(start + duration + settleDelay);
        vm.prank(stranger);
        marketplace.settle(rentalId);

        vm.assertEq(_rental(rentalId).released, amount, "everything released");
        vm.assertEq(_credit(provider) + _fees(), amount, "provider side got the whole escrow");
        vm.assertEq(_credit(consumer), 0, "nothing refunded");
        vm.assertEq(_escrowed(), 0, "escrow empty");
        vm.assertEq(marketplace.getListing(1).openRentals, 0, "capacity freed");
        _assertStatus(rentalId, RentalStatus.Completed);
    }
}
