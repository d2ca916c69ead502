// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Errors} from "../../contracts/libraries/Errors.sol";
import {RentalStatus} from "../../contracts/types/MarketplaceTypes.sol";

import {Base} from "./utils/Base.t.sol";
import {bound} from "./utils/Bound.sol";
import {vm} from "./utils/Vm.sol";

contract DisputeFuzzTest is Base {
    struct Setup {
        uint256 rentalId;
        uint256 amount;
        uint256 duration;
        uint256 released;
        uint256 startedAt;
        uint256 disputedAt;
    }

    /// @dev An accepted rental, maybe partly released, disputed by either party at `disputeAt` seconds
    /// (possibly after its end, while nobody has settled it yet).
    function _disputed(uint96 price, uint32 hoursBooked, uint256 releaseAt, uint256 disputeAt, bool byProvider)
        internal
        returns (Setup memory s)
    {
        price = uint96(bound(price, 1, type(uint96).max));
        hoursBooked = uint32(bound(hoursBooked, 1, marketplace.MAX_HOURS()));
        s.rentalId = _activeRental(price, hoursBooked);
        s.startedAt = block.timestamp;
        s.amount = uint256(price) * hoursBooked;
        s.duration = uint256(hoursBooked) * 3600;
        releaseAt = bound(releaseAt, 0, s.duration * 2);
        disputeAt = bound(disputeAt, releaseAt, s.duration * 2);

        vm.warp(s.startedAt + releaseAt);
        s.released = marketplace.releasable(s.rentalId);
        if (s.released != 0) {
            vm.prank(provider);
            marketplace.release(s.rentalId);
        }
        vm.warp(s.startedAt + disputeAt);
        vm.prank(byProvider ? provider : consumer);
        marketplace.openDispute(s.rentalId);
        s.disputedAt = block.timestamp;
        _assertStatus(s.rentalId, RentalStatus.Disputed);
    }

    /// @notice The arbiter's split moves exactly what was frozen: `award` to the provider side (fee at the
    /// rental's rate), the rest to the consumer, nothing left in escrow.
    function testFuzz_ResolveDisputeSplitsFrozenExactly(
        uint96 price,
        uint32 hoursBooked,
        uint256 releaseAt,
        uint256 disputeAt,
        bool byProvider,
        uint256 award
    ) external {
        Setup memory s = _disputed(price, hoursBooked, releaseAt, disputeAt, byProvider);
        uint256 frozen = s.amount - s.released;
        award = bound(award, 0, frozen);
        uint256 providerBefore = _credit(provider);
        uint256 feesBefore = _fees();

        vm.prank(arbiter);
        marketplace.resolveDispute(s.rentalId, award);

        uint256 fee = _expectedFee(award, FEE_BPS);
        vm.assertEq(_credit(provider) - providerBefore, award - fee, "provider gets the award minus fee");
        vm.assertEq(_fees() - feesBefore, fee, "fee on the award");
        vm.assertEq(_credit(consumer), frozen - award, "consumer gets the rest of the frozen escrow");
        vm.assertEq(_rental(s.rentalId).released + _credit(consumer), s.amount, "released + refund == escrow");
        vm.assertEq(_escrowed(), 0, "escrow empty");
        vm.assertEq(marketplace.getListing(1).openRentals, 0, "capacity freed");
        _assertStatus(s.rentalId, RentalStatus.Resolved);
    }

    /// @notice The arbiter cannot award more than is frozen.
    function testFuzz_RevertWhen_AwardAboveFrozen(uint96 price, uint32 hoursBooked, uint256 disputeAt, uint256 award)
        external
    {
        Setup memory s = _disputed(price, hoursBooked, 0, disputeAt, false);
        uint256 frozen = s.amount - s.released;
        award = bound(award, frozen + 1, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(Errors.Marketplace_AwardAboveEscrow.selector, s.rentalId, award, frozen)
        );
        vm.prank(arbiter);
        marketplace.resolveDispute(s.rentalId, award);
    }

    /// @notice If no arbiter decides within the dispute timeout, anyone applies the default: the provider
    /// side gets what had accrued when the dispute was opened, the consumer the rest; not a second earlier.
    function testFuzz_ResolveExpiredDisputePaysAccruedAtDispute(
        uint96 price,
        uint32 hoursBooked,
        uint256 releaseAt,
        uint256 disputeAt,
        bool byProvider,
        uint256 wait
    ) external {
        Setup memory s = _disputed(price, hoursBooked, releaseAt, disputeAt, byProvider);
        uint256 deadline = s.disputedAt + DISPUTE_TIMEOUT;

        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(Errors.Marketplace_DisputeWindowOpen.selector, s.rentalId, deadline));
        vm.prank(stranger);
        marketplace.resolveExpiredDispute(s.rentalId);

        vm.warp(deadline + 1 + bound(wait, 0, 365 days));
        uint256 providerBefore = _credit(provider);
        vm.prank(stranger);
        marketplace.resolveExpiredDispute(s.rentalId);

        uint256 earned = _expectedAccrued(s.amount, s.disputedAt - s.startedAt, s.duration);
        uint256 toProvider = earned - s.released;
        vm.assertEq(_credit(provider) - providerBefore, toProvider - _expectedFee(toProvider, FEE_BPS), "provider");
        vm.assertEq(_credit(consumer), s.amount - earned, "consumer gets what had not accrued");
        vm.assertEq(_escrowed(), 0, "escrow empty");
        _assertStatus(s.rentalId, RentalStatus.Resolved);
    }
}
