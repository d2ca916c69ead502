// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Errors} from "../../contracts/libraries/Errors.sol";
import {RentalStatus} from "../../contracts/types/MarketplaceTypes.sol";

import {Base} from "./utils/Base.t.sol";
import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

contract TerminateFuzzTest is Base {
    /// @notice Ending early splits the escrow exactly: the provider side keeps what accrued up to now
    /// (released before or paid now), the consumer gets every other unit back.
    function testFuzz_TerminateSplitsEscrowExactly(
        uint96 price,
        uint32 hoursBooked,
        uint256 releaseAt,
        uint256 terminateAt,
        uint16 feeBps
    ) external {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        feeBps = uint16(bound(feeBps, 0, marketplace.MAX_FEE_BPS()));
        _setFee(feeBps);
        uint256 rentalId = _activeRental(price, hoursBooked);
        uint256 start = block.timestamp;
        uint256 amount = uint256(price) * hoursBooked;
        uint256 duration = uint256(hoursBooked) * 3600;
        releaseAt = bound(releaseAt, 0, duration - 1);
        terminateAt = bound(terminateAt, releaseAt, duration - 1);

        vm.warp(start + releaseAt);
        uint256 releasedBefore = marketplace.releasable(rentalId);
        if (releasedBefore != 0) {
            vm.prank(provider);
            marketplace.release(rentalId);
        }
        uint256 feesBefore = _fees();
        uint256 providerBefore = _credit(provider);

        vm.warp(start + terminateAt);
        vm.prank(consumer);
        marketplace.terminate(rentalId);

        uint256 earned = _expectedAccrued(amount, terminateAt, duration);
        uint256 grossNow = earned - releasedBefore;
        uint256 refund = _credit(consumer);
        vm.assertEq(refund, amount - earned, "consumer gets the unused part");
        vm.assertEq(
            _credit(provider) + _fees() - providerBefore - feesBefore, grossNow, "provider side gets the accrued rest"
        );
        vm.assertEq(_fees() - feesBefore, _expectedFee(grossNow, feeBps), "fee on what is paid now");
        vm.assertEq(_rental(rentalId).released + refund, amount, "released + refund == escrow");
        vm.assertEq(_escrowed(), 0, "escrow empty");
        vm.assertEq(token.balanceOf(address(marketplace)), amount, "all still held as credits and fees");
        vm.assertEq(marketplace.getListing(1).openRentals, 0, "capacity freed");
        _assertStatus(rentalId, RentalStatus.Completed);
    }

    /// @notice A rental that has run its course cannot be terminated; it is settled instead.
    function testFuzz_RevertWhen_TerminateAfterTheEnd(uint32 hoursBooked, uint256 late) external {
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        uint256 rentalId = _activeRental(1e18, hoursBooked);
        uint256 end = block.timestamp + uint256(hoursBooked) * 3600;
        vm.warp(end + bound(late, 0, 365 days));
        vm.expectRevert(abi.encodeWithSelector(Errors.Marketplace_RentalEnded.selector, rentalId, end));
        vm.prank(consumer);
        marketplace.terminate(rentalId);
    }
}
