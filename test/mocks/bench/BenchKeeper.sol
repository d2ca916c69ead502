// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarketplace} from "../../../contracts/interfaces/IMarketplace.sol";
import {BenchActor} from "./BenchActor.sol";

/// @title BenchKeeper
/// @notice The calls anyone may make (refund expired requests, settle ended rentals, apply the default
/// of expired disputes, send fees to the treasury) plus arbitration, in bulk. Arbitration needs the
/// marketplace's ARBITER_ROLE granted to this contract.
contract BenchKeeper is BenchActor {
    constructor(IMarketplace market) BenchActor(market) {}

    function refundExpired(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.refundExpired(rentalIds[i]);
        }
    }

    function settle(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.settle(rentalIds[i]);
        }
    }

    function resolveExpiredDisputes(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.resolveExpiredDispute(rentalIds[i]);
        }
    }

    /// @notice Awards `toProvider[i]` of rental `rentalIds[i]`'s frozen escrow to its provider.
    function resolveDisputes(uint256[] calldata rentalIds, uint256[] calldata toProvider) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.resolveDispute(rentalIds[i], toProvider[i]);
        }
    }

    function withdrawFees(address token) external onlyOwner {
        MARKET.withdrawFees(token);
    }
}
