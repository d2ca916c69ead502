// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarketplace} from "../../../contracts/interfaces/IMarketplace.sol";

/// @title BenchActor
/// @notice Base of the indexer benchmark's drivers: a contract that acts on the marketplace many times
/// per transaction, so a local chain fills with hundreds of thousands of events in minutes. Each driver
/// is its own marketplace party (provider, consumer or keeper); only the account that deployed it may
/// drive it. Never deployed outside a local benchmark chain.
abstract contract BenchActor {
    IMarketplace internal immutable MARKET;
    address internal immutable OWNER;

    /// @notice Thrown when anyone but the deploying account drives the actor.
    error BenchActor_NotOwner(address caller);

    modifier onlyOwner() {
        if (msg.sender != OWNER) revert BenchActor_NotOwner(msg.sender);
        _;
    }

    constructor(IMarketplace market) {
        MARKET = market;
        OWNER = msg.sender;
    }

    /// @notice Withdraws everything credited to this actor in `token`.
    function withdraw(address token) external onlyOwner {
        MARKET.withdraw(token);
    }

    /// @notice Opens a dispute on each running rental (as its consumer or its provider).
    function openDisputes(uint256[] calldata rentalIds) external onlyOwner {
        for (uint256 i; i < rentalIds.length; ++i) {
            MARKET.openDispute(rentalIds[i]);
        }
    }
}
