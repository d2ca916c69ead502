// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A token that refuses transfers to blocked accounts (as stablecoins with a blocklist do): a
/// receiver that cannot receive.
contract BlocklistERC20 is ERC20 {
    error BlocklistERC20_Blocked(address account);

    mapping(address account => bool) public blocked;

    constructor() ERC20("Blocklist Token", "BLK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert BlocklistERC20_Blocked(to);
        super._update(from, to, value);
    }
}
