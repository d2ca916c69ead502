// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccrualCheckpoint, Config, Listing, Rental} from "../types/MarketplaceTypes.sol";

/// @title MarketplaceStorage
/// @notice State of the marketplace and nothing else, so the layout is read in one place.
abstract contract MarketplaceStorage {
    /// @dev Registry entry: `index` into `_tokens`, which is what listings store. Whether the token is
    /// allowed is a bit of `Config.allowedTokens`, read together with everything else a call needs.
    struct TokenEntry {
        uint8 index;
        bool listed;
    }

    // slot: one packed word read by almost every call
    Config internal _config;
    address internal _treasury;

    mapping(uint256 listingId => Listing) internal _listings;
    mapping(uint256 rentalId => Rental) internal _rentals;

    address[] internal _tokens;
    mapping(address token => TokenEntry) internal _tokenEntries;

    /// @dev Escrow still owed on open rentals, per token: the left side of the solvency invariant.
    mapping(address token => uint256) internal _escrowed;
    mapping(address token => uint256) internal _fees;
    mapping(address token => mapping(address account => uint256)) internal _credits;

    /// @dev Set by `extend` only; a rental never extended accrues from its start.
    mapping(uint256 rentalId => AccrualCheckpoint) internal _checkpoints;
}
