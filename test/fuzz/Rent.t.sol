// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Errors} from "../../contracts/libraries/Errors.sol";
import {Rental, RentalStatus} from "../../contracts/types/MarketplaceTypes.sol";

import {Base} from "./utils/Base.t.sol";
import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

contract RentFuzzTest is Base {
    /// @notice `rent` takes exactly `price * hours` from the consumer, holds all of it in escrow and fixes
    /// the fee rate of that moment on the rental.
    function testFuzz_RentChargesPriceTimesHoursAndEscrowsIt(uint96 price, uint32 hoursBooked, uint16 feeBps)
        external
    {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        feeBps = uint16(bound(feeBps, 0, marketplace.MAX_FEE_BPS()));
        _setFee(feeBps);
        uint256 listingId = _createListing(price);
        uint256 amount = uint256(price) * hoursBooked;
        _fund(consumer, amount + 1); // one unit more than the price: it must stay with the consumer

        vm.prank(consumer);
        uint256 rentalId = marketplace.rent(listingId, hoursBooked, price);

        vm.assertEq(token.balanceOf(consumer), 1, "consumer paid price * hours");
        vm.assertEq(token.balanceOf(address(marketplace)), amount, "marketplace holds price * hours");
        vm.assertEq(_escrowed(), amount, "escrowed");
        Rental memory r = _rental(rentalId);
        vm.assertEq(r.amount, amount, "rental amount");
        vm.assertEq(r.hoursBooked, hoursBooked, "hours");
        vm.assertEq(r.feeBps, feeBps, "fee fixed at rent time");
        vm.assertEq(r.requestedAt, block.timestamp, "requested now");
        vm.assertEq(r.released, 0, "nothing released");
        _assertStatus(rentalId, RentalStatus.Requested);
        vm.assertEq(marketplace.getListing(listingId).openRentals, 1, "capacity taken");
    }

    /// @notice A provider raising the price in the same block, just before the consumer's `rent` lands,
    /// never makes the consumer pay more than `maxPricePerHour`: the rent either reverts untouched or
    /// charges the new price, which is within the maximum.
    function testFuzz_PriceGuardNeverChargesAboveMax(
        uint96 listedPrice,
        uint96 newPrice,
        uint96 maxPrice,
        uint32 hoursBooked
    ) external {
        listedPrice = uint96(bound(listedPrice, 1, type(uint96).max));
        newPrice = uint96(bound(newPrice, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        uint256 listingId = _createListing(listedPrice);
        uint256 budget = uint256(maxPrice) * hoursBooked;
        _fund(consumer, budget);

        vm.prank(provider);
        marketplace.updatePrice(listingId, newPrice);

        if (newPrice > maxPrice) {
            vm.expectRevert(
                abi.encodeWithSelector(Errors.Marketplace_PriceAboveMax.selector, listingId, newPrice, maxPrice)
            );
            vm.prank(consumer);
            marketplace.rent(listingId, hoursBooked, maxPrice);
            vm.assertEq(token.balanceOf(consumer), budget, "nothing charged");
            vm.assertEq(_escrowed(), 0, "nothing escrowed");
            return;
        }
        vm.prank(consumer);
        uint256 rentalId = marketplace.rent(listingId, hoursBooked, maxPrice);
        uint256 paid = budget - token.balanceOf(consumer);
        vm.assertEq(paid, uint256(newPrice) * hoursBooked, "charged the current price");
        vm.assertLe(paid, budget, "never above max * hours");
        vm.assertEq(_rental(rentalId).amount, paid, "escrowed what was paid");
    }

    /// @notice A listing never has more open rentals than its capacity; a freed slot can be rented again.
    function testFuzz_RentRespectsCapacity(uint16 capacity, uint32 hoursBooked) external {
        capacity = uint16(bound(capacity, 1, 12));
        hoursBooked = uint32(bound(hoursBooked, 1, 100));
        uint96 price = 1e18;
        vm.prank(provider);
        uint256 listingId = marketplace.createListing(_listingParams(price, capacity));
        _fund(consumer, uint256(price) * hoursBooked * (uint256(capacity) + 1));

        uint256 firstRentalId;
        for (uint256 i; i < capacity; ++i) {
            vm.prank(consumer);
            uint256 rentalId = marketplace.rent(listingId, hoursBooked, price);
            if (i == 0) firstRentalId = rentalId;
        }
        vm.assertEq(marketplace.getListing(listingId).openRentals, capacity, "full");

        vm.expectRevert(abi.encodeWithSelector(Errors.Marketplace_CapacityFull.selector, listingId, capacity));
        vm.prank(consumer);
        marketplace.rent(listingId, hoursBooked, price);

        vm.prank(consumer);
        marketplace.cancel(firstRentalId);
        vm.prank(consumer);
        marketplace.rent(listingId, hoursBooked, price);
        vm.assertEq(marketplace.getListing(listingId).openRentals, capacity, "slot reused");
    }
}
