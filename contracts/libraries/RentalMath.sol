// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title RentalMath
/// @notice Pure arithmetic of escrow: per-second accrual and protocol fees. Rounding always favours
/// the party that did not act (accrual rounds down for the provider, fees round down for the protocol).
library RentalMath {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant SECONDS_PER_HOUR = 3600;

    /// @notice The part of `amount` earned after `elapsed` seconds of a rental lasting `total` seconds.
    function accrued(uint256 amount, uint256 elapsed, uint256 total) internal pure returns (uint256) {
        if (elapsed >= total) return amount;
        return amount * elapsed / total;
    }

    /// @notice The protocol's cut of a gross payout.
    function fee(uint256 gross, uint256 feeBps) internal pure returns (uint256) {
        return gross * feeBps / BPS;
    }

    /// @notice Seconds in `hoursBooked` hours.
    function duration(uint256 hoursBooked) internal pure returns (uint256) {
        return hoursBooked * SECONDS_PER_HOUR;
    }
}
