// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IMarketplace} from "../../../contracts/interfaces/IMarketplace.sol";
import {BenchActor} from "./BenchActor.sol";

/// @title BenchConsumer
/// @notice A consumer that rents, cancels, extends, terminates and rates in bulk. It approves the
/// marketplace once for everything it will ever be funded with.
contract BenchConsumer is BenchActor {
    constructor(IMarketplace market, IERC20 token) BenchActor(market) {
        token.approve(address(market), type(uint256).max);
    }

    /// @notice Rents `listingIds[i]` for `hoursBooked[i]` hours each, at any price up to `maxPricePerHour`.
    function rent(uint256[] calldata listingIds, uint32[] calldata hoursBooked, uint96 maxPricePerHour)
        external
        onlyOwner
    {
        for (uint256 i; i < listingIds.length; ++i) {
            MARKET.rent(listingIds[i], hoursBooked[i], maxPricePerHour);
        }
    }

    function cancel(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.cancel(rentalIds[i]);
        }
    }

    function extend(uint256[] calldata rentalIds, uint32 extraHours, uint96 maxPricePerHour) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.extend(rentalIds[i], extraHours, maxPricePerHour);
        }
    }

    function terminate(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.terminate(rentalIds[i]);
        }
    }

    function rate(uint256[] calldata rentalIds, uint8[] calldata scores) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.rate(rentalIds[i], scores[i]);
        }
    }
}
