// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Maps a fuzzed `x` into [min, max]. Values already in range are kept as they are, so the
/// fuzzer's dictionary of "interesting" numbers (0, 1, boundaries) still reaches the contract.
function bound(uint256 x, uint256 min, uint256 max) pure returns (uint256) {
    require(min <= max, "bound: min > max");
    if (x >= min && x <= max) return x;
    uint256 size = max - min;
    if (size == type(uint256).max) return x;
    return min + x % (size + 1);
}
