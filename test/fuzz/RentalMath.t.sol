// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RentalMath} from "../../contracts/libraries/RentalMath.sol";

import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

/// @notice Properties of the escrow arithmetic, on the ranges the marketplace can produce: amounts fit in
/// uint128, durations are at most MAX_HOURS and elapsed times are timestamps (uint40).
contract RentalMathFuzzTest {
    uint256 internal constant MAX_DURATION = 24 * 365 * 3600;

    function testFuzz_AccruedIsMonotonicInElapsed(uint128 amount, uint40 e1, uint40 e2, uint256 total)
        external
        pure
    {
        total = bound(total, 1, MAX_DURATION);
        if (e1 > e2) (e1, e2) = (e2, e1);
        vm.assertLe(RentalMath.accrued(amount, e1, total), RentalMath.accrued(amount, e2, total), "monotonic");
    }

    function testFuzz_AccruedNeverExceedsAmount(uint128 amount, uint40 elapsed, uint256 total) external pure {
        total = bound(total, 1, MAX_DURATION);
        vm.assertLe(RentalMath.accrued(amount, elapsed, total), amount, "accrued <= amount");
    }

    /// @notice Before the end it is floor(amount * elapsed / total), exactly; from the end on, all of it.
    function testFuzz_AccruedIsProRataRoundedDown(uint128 amount, uint40 elapsed, uint256 total) external pure {
        total = bound(total, 1, MAX_DURATION);
        uint256 accrued = RentalMath.accrued(amount, elapsed, total);
        if (elapsed >= total) {
            vm.assertEq(accrued, amount, "everything at the end");
            return;
        }
        vm.assertLe(accrued * total, uint256(amount) * elapsed, "rounded down");
        vm.assertGt((accrued + 1) * total, uint256(amount) * elapsed, "by less than one unit");
    }

    /// @notice Accrual never pays ahead of time: after half the time at most half the amount.
    function testFuzz_AccruedIsProportional(uint128 amount, uint256 total, uint256 k) external pure {
        total = bound(total, 2, MAX_DURATION);
        k = bound(k, 2, total);
        uint256 part = RentalMath.accrued(amount, total / k, total);
        vm.assertLe(part * k, amount, "a k-th of the time earns at most a k-th of the amount");
    }

    function testFuzz_FeeIsFlooredShareOfGross(uint128 gross, uint16 feeBps) external pure {
        feeBps = uint16(bound(feeBps, 0, RentalMath.BPS));
        uint256 fee = RentalMath.fee(gross, feeBps);
        vm.assertLe(fee, gross, "fee <= gross");
        vm.assertLe(fee * RentalMath.BPS, uint256(gross) * feeBps, "rounded down");
        vm.assertGt((fee + 1) * RentalMath.BPS, uint256(gross) * feeBps, "by less than one unit");
    }

    /// @notice Releasing in pieces never costs the provider more fee than releasing at once.
    function testFuzz_FeeOfPartsNeverExceedsFeeOfWhole(uint128 a, uint128 b, uint16 feeBps) external pure {
        feeBps = uint16(bound(feeBps, 0, RentalMath.BPS));
        vm.assertLe(
            RentalMath.fee(a, feeBps) + RentalMath.fee(b, feeBps),
            RentalMath.fee(uint256(a) + b, feeBps),
            "fee(a) + fee(b) <= fee(a + b)"
        );
    }

    function testFuzz_DurationIsHoursInSeconds(uint32 hoursBooked) external pure {
        vm.assertEq(RentalMath.duration(hoursBooked), uint256(hoursBooked) * 3600, "hours * 3600");
    }
}
