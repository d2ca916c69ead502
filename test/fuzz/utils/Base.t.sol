// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FTNSToken} from "../../../contracts/FTNSToken.sol";
import {Marketplace} from "../../../contracts/Marketplace.sol";
import {ListingParams, Rental, RentalStatus} from "../../../contracts/types/MarketplaceTypes.sol";

import {vm} from "./Vm.sol";

/// @notice Shared fixture of the fuzz tests: FTNS, a marketplace with a fee, and named actors.
/// Every test starts from a fixed, realistic timestamp so accrual never starts at zero.
abstract contract Base {
    uint256 internal constant START_TIME = 1_750_000_000; // mid-2025
    uint16 internal constant FEE_BPS = 250;
    uint32 internal constant ACCEPTANCE_TIMEOUT = 30 minutes;
    uint32 internal constant DISPUTE_TIMEOUT = 3 days;
    uint256 internal constant SUPPLY_CAP = type(uint128).max;
    string internal constant METADATA = '{"title":"A100 80GB","description":"One GPU","category":"GPU",'
        '"resource_type":"gpu","location":"eu-west","specifications":{"vram_gb":80}}';

    address internal admin = _actor("admin");
    address internal treasury = _actor("treasury");
    address internal arbiter = _actor("arbiter");
    address internal provider = _actor("provider");
    address internal consumer = _actor("consumer");
    address internal stranger = _actor("stranger");

    FTNSToken internal token;
    Marketplace internal marketplace;

    function setUp() public virtual {
        vm.warp(START_TIME);
        token = new FTNSToken(address(this), SUPPLY_CAP);
        marketplace = new Marketplace(admin, treasury, address(token), FEE_BPS, ACCEPTANCE_TIMEOUT, DISPUTE_TIMEOUT);
        bytes32 arbiterRole = marketplace.ARBITER_ROLE();
        vm.prank(admin);
        marketplace.grantRole(arbiterRole, arbiter);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _actor(string memory name) internal returns (address account) {
        account = address(uint160(uint256(keccak256(bytes(name)))));
        vm.label(account, name);
    }

    /// @dev Mints `amount` to `account` and lets the marketplace pull all of it.
    function _fund(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(marketplace), type(uint256).max);
    }

    function _listingParams(uint96 pricePerHour, uint16 capacity) internal view returns (ListingParams memory) {
        return ListingParams({
            token: address(token),
            pricePerHour: pricePerHour,
            availableFrom: 0,
            availableUntil: 0,
            capacity: capacity,
            metadata: METADATA
        });
    }

    function _createListing(uint96 pricePerHour) internal returns (uint256 listingId) {
        vm.prank(provider);
        listingId = marketplace.createListing(_listingParams(pricePerHour, 1));
    }

    /// @dev Funds the consumer with exactly the escrow and rents.
    function _rent(uint256 listingId, uint32 hoursBooked) internal returns (uint256 rentalId) {
        uint256 price = marketplace.getListing(listingId).pricePerHour;
        _fund(consumer, price * hoursBooked);
        vm.prank(consumer);
        rentalId = marketplace.rent(listingId, hoursBooked, uint96(price));
    }

    /// @dev A listing at `pricePerHour`, rented for `hoursBooked` and accepted now.
    function _activeRental(uint96 pricePerHour, uint32 hoursBooked) internal returns (uint256 rentalId) {
        rentalId = _rent(_createListing(pricePerHour), hoursBooked);
        vm.prank(provider);
        marketplace.accept(rentalId);
    }

    /// @dev The spec of accrual, written out independently of RentalMath: per second, rounded down.
    function _expectedAccrued(uint256 amount, uint256 elapsed, uint256 duration) internal pure returns (uint256) {
        return elapsed >= duration ? amount : amount * elapsed / duration;
    }

    function _expectedFee(uint256 gross, uint256 feeBps) internal pure returns (uint256) {
        return gross * feeBps / 10_000;
    }

    function _setFee(uint16 feeBps) internal {
        vm.prank(admin);
        marketplace.setFee(feeBps);
    }

    function _rental(uint256 rentalId) internal view returns (Rental memory) {
        return marketplace.getRental(rentalId);
    }

    function _credit(address account) internal view returns (uint256) {
        return marketplace.creditOf(account, address(token));
    }

    function _fees() internal view returns (uint256) {
        return marketplace.accruedFees(address(token));
    }

    function _escrowed() internal view returns (uint256) {
        return marketplace.escrowed(address(token));
    }

    function _assertStatus(uint256 rentalId, RentalStatus expected) internal view {
        vm.assertEq(uint256(_rental(rentalId).status), uint256(expected), "rental status");
    }
}
