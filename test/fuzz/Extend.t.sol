// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.t.sol";
import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

contract ExtendFuzzTest is Base {
    /// @notice Extending at an unchanged price charges `price * extraHours`, moves the end by as many
    /// hours, and leaves what has accrued so far exactly as it was.
    function testFuzz_ExtendChargesPriceTimesExtraHours(
        uint96 price,
        uint32 hoursBooked,
        uint32 extraHours,
        uint256 elapsed
    ) external {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS() - 1));
        extraHours = uint32(bound(extraHours, 1, marketplace.MAX_HOURS() - hoursBooked));
        uint256 rentalId = _activeRental(price, hoursBooked);
        uint256 start = block.timestamp;
        uint256 amount = uint256(price) * hoursBooked;
        elapsed = bound(elapsed, 0, uint256(hoursBooked) * 3600 - 1);
        vm.warp(start + elapsed);
        uint256 accruedBefore = marketplace.releasable(rentalId);
        uint256 extraAmount = uint256(price) * extraHours;
        _fund(consumer, extraAmount);

        vm.prank(consumer);
        marketplace.extend(rentalId, extraHours, price);

        vm.assertEq(token.balanceOf(consumer), 0, "charged price * extra hours");
        vm.assertEq(_rental(rentalId).amount, amount + extraAmount, "escrow grew by the extension");
        vm.assertEq(_escrowed(), amount + extraAmount, "escrowed");
        vm.assertEq(_rental(rentalId).hoursBooked, uint256(hoursBooked) + extraHours, "hours");
        vm.assertEq(
            marketplace.endsAt(rentalId), start + (uint256(hoursBooked) + extraHours) * 3600, "end moved by extra hours"
        );
        vm.assertEq(marketplace.releasable(rentalId), accruedBefore, "what had accrued is unchanged");
    }

    /// @notice An extension buys future hours; it must not reprice the hours already used. After the
    /// provider changes the price, a consumer extends and terminates at once: the provider keeps exactly
    /// what it had earned before the extension, and the consumer gets back everything else it paid (the
    /// unused booking and the whole extension), whichever price the extension was charged at.
    function testFuzz_ExtendNeverRepricesElapsedTime(
        uint96 price,
        uint96 newPrice,
        uint32 hoursBooked,
        uint32 extraHours,
        uint256 elapsed
    ) external {
        price = uint96(bound(price, 1, 1e24));
        newPrice = uint96(bound(newPrice, 1, 1e24));
        hoursBooked = uint32(bound(hoursBooked, 1, 1000));
        extraHours = uint32(bound(extraHours, 1, marketplace.MAX_HOURS() - hoursBooked));
        uint256 rentalId = _activeRental(price, hoursBooked);
        uint256 start = block.timestamp;
        uint256 amount = uint256(price) * hoursBooked;
        uint256 duration = uint256(hoursBooked) * 3600;
        elapsed = bound(elapsed, 1, duration - 1);
        uint96 maxPrice = price > newPrice ? price : newPrice;
        _fund(consumer, uint256(maxPrice) * extraHours);

        vm.prank(provider);
        marketplace.updatePrice(1, newPrice);
        vm.warp(start + elapsed);
        uint256 earned = _expectedAccrued(amount, elapsed, duration);

        uint256 balanceBefore = token.balanceOf(consumer);
        vm.prank(consumer);
        marketplace.extend(rentalId, extraHours, maxPrice);
        uint256 extensionPaid = balanceBefore - token.balanceOf(consumer);
        vm.prank(consumer);
        marketplace.terminate(rentalId);

        vm.assertEq(_rental(rentalId).released, earned, "provider keeps what it had earned, no more, no less");
        vm.assertEq(
            _credit(consumer), amount + extensionPaid - earned, "consumer gets unused hours and the extension back"
        );
    }
}
