// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A hostile payment token: on the next transfer between two accounts it calls `target` with
/// `payload` (as itself), before the transfer's caller regains control. With `bubble` set, a failing
/// reentry reverts the whole transfer with the callee's error; otherwise the failure is recorded and the
/// transfer completes, so a test can check the state the reentry left behind.
contract ReentrantERC20 is ERC20 {
    address public target;
    bytes public payload;
    bool public bubble;

    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryReturnData;

    bool private _inCallback;

    constructor() ERC20("Reentrant Token", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms a one-shot callback for the next transfer.
    function arm(address target_, bytes calldata payload_, bool bubble_) external {
        target = target_;
        payload = payload_;
        bubble = bubble_;
        reentered = false;
    }

    /// @notice Lets the token act as an account of `target` (e.g. approve it, or own a listing).
    function execute(address to, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target == address(0) || _inCallback || from == address(0) || to == address(0)) return;

        address callee = target;
        target = address(0); // one shot
        _inCallback = true;
        (bool ok, bytes memory ret) = callee.call(payload);
        _inCallback = false;
        reentered = true;
        reentrySucceeded = ok;
        reentryReturnData = ret;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
