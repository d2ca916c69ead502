// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {MarketplaceStorage} from "./abstracts/MarketplaceStorage.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {Errors} from "./libraries/Errors.sol";
import {RentalMath} from "./libraries/RentalMath.sol";
import {
    AccrualCheckpoint, Config, Listing, ListingParams, ListingView, Rental, RentalStatus
} from "./types/MarketplaceTypes.sol";

/// @title Marketplace
/// @notice See {IMarketplace}. Not upgradeable on purpose: escrow rules that can change under a running
/// rental would be a promise nobody can check. A new version is a new deployment.
contract Marketplace is IMarketplace, MarketplaceStorage, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");

    uint16 public constant MAX_FEE_BPS = 1000;
    uint32 public constant MIN_ACCEPTANCE_TIMEOUT = 5 minutes;
    uint32 public constant MAX_ACCEPTANCE_TIMEOUT = 7 days;
    uint32 public constant MIN_DISPUTE_TIMEOUT = 1 days;
    uint32 public constant MAX_DISPUTE_TIMEOUT = 90 days;
    uint32 public constant MAX_HOURS = 24 * 365;
    uint256 public constant MAX_METADATA_BYTES = 4096;
    uint256 public constant MAX_BATCH = 50;
    uint256 public constant MAX_TOKENS = 32;

    /// @notice Payment token 0, fixed at deployment, so the common path needs no registry read.
    address public immutable DEFAULT_TOKEN;

    /// @param admin Receives every role; hand them out and renounce as the deployment requires.
    /// @param initialToken First allow-listed payment token (FTNS).
    constructor(
        address admin,
        address treasury_,
        address initialToken,
        uint16 feeBps_,
        uint32 acceptanceTimeout_,
        uint32 disputeTimeout_
    ) {
        if (admin == address(0) || treasury_ == address(0) || initialToken == address(0)) {
            revert Errors.Marketplace_ZeroAddress();
        }
        DEFAULT_TOKEN = initialToken;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(ARBITER_ROLE, admin);
        _grantRole(FEE_MANAGER_ROLE, admin);
        _treasury = treasury_;
        emit TreasuryUpdated(address(0), treasury_);
        _setPaymentToken(initialToken, true);
        _setFee(feeBps_);
        _setAcceptanceTimeout(acceptanceTimeout_);
        _setDisputeTimeout(disputeTimeout_);
    }

    /*//////////////////////////////////////////////////////////////
                                LISTINGS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarketplace
    function createListing(ListingParams calldata params) external returns (uint256 listingId) {
        Config memory config = _config;
        if (config.paused) revert Errors.Marketplace_Paused();
        listingId = _createListing(params, config.listingCount + 1, config.allowedTokens);
        _config.listingCount = uint64(listingId);
    }

    /// @inheritdoc IMarketplace
    function createListings(ListingParams[] calldata params) external returns (uint256 firstListingId) {
        Config memory config = _config;
        if (config.paused) revert Errors.Marketplace_Paused();
        uint256 count = params.length;
        if (count == 0 || count > MAX_BATCH) revert Errors.Marketplace_InvalidBatchSize(count, MAX_BATCH);
        firstListingId = config.listingCount + 1;
        for (uint256 i; i < count; ++i) {
            _createListing(params[i], firstListingId + i, config.allowedTokens);
        }
        _config.listingCount = uint64(firstListingId + count - 1);
    }

    /// @inheritdoc IMarketplace
    function updatePrice(uint256 listingId, uint96 newPricePerHour) external {
        Listing storage listing = _providerListing(listingId);
        if (newPricePerHour == 0) revert Errors.Marketplace_ZeroPrice();
        uint256 oldPrice = listing.pricePerHour;
        listing.pricePerHour = newPricePerHour;
        emit ListingPriceUpdated(listingId, oldPrice, newPricePerHour);
    }

    /// @inheritdoc IMarketplace
    function updateAvailability(uint256 listingId, uint40 availableFrom, uint40 availableUntil) external {
        Listing storage listing = _providerListing(listingId);
        _checkAvailability(availableFrom, availableUntil);
        listing.availableFrom = availableFrom;
        listing.availableUntil = availableUntil;
        emit ListingAvailabilityUpdated(listingId, availableFrom, availableUntil);
    }

    /// @inheritdoc IMarketplace
    function updateCapacity(uint256 listingId, uint16 capacity) external {
        Listing storage listing = _providerListing(listingId);
        if (capacity == 0) revert Errors.Marketplace_ZeroCapacity();
        listing.extraCapacity = capacity - 1;
        emit ListingCapacityUpdated(listingId, capacity);
    }

    /// @inheritdoc IMarketplace
    function updateMetadata(uint256 listingId, string calldata metadata) external {
        Listing storage listing = _providerListing(listingId);
        _checkMetadata(metadata);
        listing.metadataHash = keccak256(bytes(metadata));
        emit ListingMetadataUpdated(listingId, metadata);
    }

    /// @inheritdoc IMarketplace
    function setListingActive(uint256 listingId, bool active) external {
        Listing storage listing = _providerListing(listingId);
        if (listing.inactive != active) revert Errors.Marketplace_ListingStatusUnchanged(listingId, active);
        listing.inactive = !active;
        emit ListingStatusChanged(listingId, active);
    }

    /*//////////////////////////////////////////////////////////////
                                RENTALS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarketplace
    function rent(uint256 listingId, uint32 hoursBooked, uint96 maxPricePerHour)
        external
        nonReentrant
        returns (uint256 rentalId)
    {
        return _rent(listingId, hoursBooked, maxPricePerHour);
    }

    /// @inheritdoc IMarketplace
    function rentWithPermit(
        uint256 listingId,
        uint32 hoursBooked,
        uint96 maxPricePerHour,
        uint256 permitValue,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 rentalId) {
        address token = _tokenAt(_existingListing(listingId).tokenIndex);
        // A permit seen in the mempool can be submitted by anyone first; that consumes its nonce and
        // makes ours revert, but leaves the allowance we need. So a failed permit is not fatal.
        try IERC20Permit(token).permit(msg.sender, address(this), permitValue, deadline, v, r, s) {} catch {}
        return _rent(listingId, hoursBooked, maxPricePerHour);
    }

    /// @inheritdoc IMarketplace
    function accept(uint256 rentalId) external nonReentrant {
        // Checks
        Config memory config = _config;
        if (config.paused) revert Errors.Marketplace_Paused();
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Requested);
        _onlyProvider(rental.listingId);
        uint256 deadline = rental.requestedAt + config.acceptanceTimeout;
        if (block.timestamp > deadline) revert Errors.Marketplace_AcceptanceWindowClosed(rentalId, deadline);

        // Effects
        rental.status = RentalStatus.Active;
        rental.startedAt = uint40(block.timestamp);
        emit RentalAccepted(rentalId, uint40(block.timestamp), uint40(_endsAt(rental)));
    }

    /// @inheritdoc IMarketplace
    function reject(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Requested);
        _onlyProvider(rental.listingId);

        // Effects
        uint256 refund = _closeWithRefund(rental, RentalStatus.Rejected);
        emit RentalRejected(rentalId, refund);
    }

    /// @inheritdoc IMarketplace
    function cancel(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Requested);
        if (msg.sender != rental.consumer) revert Errors.Marketplace_CallerNotConsumer(rentalId, msg.sender);

        // Effects
        uint256 refund = _closeWithRefund(rental, RentalStatus.Cancelled);
        emit RentalCancelled(rentalId, refund);
    }

    /// @inheritdoc IMarketplace
    function refundExpired(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Requested);
        uint256 deadline = rental.requestedAt + _config.acceptanceTimeout;
        if (block.timestamp <= deadline) revert Errors.Marketplace_AcceptanceWindowOpen(rentalId, deadline);

        // Effects
        uint256 refund = _closeWithRefund(rental, RentalStatus.Expired);
        emit RentalExpired(rentalId, msg.sender, refund);
    }

    /// @inheritdoc IMarketplace
    function extend(uint256 rentalId, uint32 extraHours, uint96 maxPricePerHour) external nonReentrant {
        // Checks
        Config memory config = _config;
        if (config.paused) revert Errors.Marketplace_Paused();
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Active);
        if (msg.sender != rental.consumer) revert Errors.Marketplace_CallerNotConsumer(rentalId, msg.sender);
        uint256 currentEnd = _endsAt(rental);
        if (block.timestamp >= currentEnd) revert Errors.Marketplace_RentalEnded(rentalId, currentEnd);
        uint256 totalHours = uint256(rental.hoursBooked) + extraHours;
        if (extraHours == 0 || totalHours > MAX_HOURS) revert Errors.Marketplace_InvalidHours(extraHours, MAX_HOURS);
        uint256 listingId = rental.listingId;
        Listing storage listing = _listings[listingId];
        if (listing.inactive) revert Errors.Marketplace_ListingInactive(listingId);
        uint256 price = listing.pricePerHour;
        if (price > maxPricePerHour) revert Errors.Marketplace_PriceAboveMax(listingId, price, maxPricePerHour);
        uint256 newEnd = currentEnd + RentalMath.duration(extraHours);
        uint256 until = listing.availableUntil;
        if (until != 0 && newEnd > until) revert Errors.Marketplace_OutsideAvailability(listingId, currentEnd, newEnd);
        address token = _allowedToken(listing.tokenIndex, config.allowedTokens);

        // Effects
        _restartAccrual(rentalId, rental);
        uint256 extraAmount = price * extraHours;
        rental.hoursBooked = uint32(totalHours);
        rental.amount += uint128(extraAmount);
        _escrowed[token] += extraAmount;
        emit RentalExtended(rentalId, extraHours, price, extraAmount, uint40(newEnd));

        // Interactions
        _pullExact(token, msg.sender, extraAmount);
    }

    /// @inheritdoc IMarketplace
    function release(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Active);
        uint256 listingId = rental.listingId;
        _onlyProvider(listingId);
        uint256 gross = _releasableAt(rentalId, rental, block.timestamp);
        if (gross == 0) revert Errors.Marketplace_NothingToRelease(rentalId);

        // Effects
        rental.released += uint128(gross);
        uint256 fee = _payProvider(listingId, rental.feeBps, gross);
        emit PaymentReleased(rentalId, gross, fee);
    }

    /// @inheritdoc IMarketplace
    function terminate(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Active);
        if (msg.sender != rental.consumer) revert Errors.Marketplace_CallerNotConsumer(rentalId, msg.sender);
        uint256 end = _endsAt(rental);
        if (block.timestamp >= end) revert Errors.Marketplace_RentalEnded(rentalId, end);

        // Effects
        uint256 gross = _releasableAt(rentalId, rental, block.timestamp);
        uint256 refund = rental.amount - rental.released - gross;
        uint256 listingId = rental.listingId;
        rental.status = RentalStatus.Completed;
        rental.released += uint128(gross);
        uint256 fee = _payProvider(listingId, rental.feeBps, gross);
        _refundConsumer(rental, listingId, refund);
        emit RentalTerminated(rentalId, gross, fee, refund);
    }

    /// @inheritdoc IMarketplace
    function settle(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Active);
        uint256 end = _endsAt(rental);
        if (block.timestamp < end) revert Errors.Marketplace_RentalNotEnded(rentalId, end);

        // Effects
        uint256 gross = rental.amount - rental.released;
        uint256 listingId = rental.listingId;
        rental.status = RentalStatus.Completed;
        rental.released = rental.amount;
        uint256 fee = _payProvider(listingId, rental.feeBps, gross);
        _listings[listingId].openRentals -= 1;
        emit RentalSettled(rentalId, msg.sender, gross, fee);
    }

    /// @inheritdoc IMarketplace
    function openDispute(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Active);
        if (msg.sender != rental.consumer && msg.sender != _listings[rental.listingId].provider) {
            revert Errors.Marketplace_CallerNotParty(rentalId, msg.sender);
        }

        // Effects
        rental.status = RentalStatus.Disputed;
        rental.disputedAt = uint40(block.timestamp);
        emit DisputeOpened(rentalId, msg.sender, rental.amount - rental.released);
    }

    /// @inheritdoc IMarketplace
    function resolveDispute(uint256 rentalId, uint256 toProvider) external nonReentrant onlyRole(ARBITER_ROLE) {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Disputed);
        uint256 frozen = rental.amount - rental.released;
        if (toProvider > frozen) revert Errors.Marketplace_AwardAboveEscrow(rentalId, toProvider, frozen);

        // Effects
        _resolve(rentalId, rental, toProvider, frozen, false);
    }

    /// @inheritdoc IMarketplace
    function resolveExpiredDispute(uint256 rentalId) external nonReentrant {
        // Checks
        Rental storage rental = _rentalInStatus(rentalId, RentalStatus.Disputed);
        uint256 deadline = rental.disputedAt + _config.disputeTimeout;
        if (block.timestamp <= deadline) revert Errors.Marketplace_DisputeWindowOpen(rentalId, deadline);

        // Effects
        uint256 toProvider = _releasableAt(rentalId, rental, rental.disputedAt);
        _resolve(rentalId, rental, toProvider, rental.amount - rental.released, true);
    }

    /// @inheritdoc IMarketplace
    function rate(uint256 rentalId, uint8 score) external {
        // Checks
        Rental storage rental = _existingRental(rentalId);
        RentalStatus status = rental.status;
        if (status != RentalStatus.Completed && status != RentalStatus.Resolved) {
            revert Errors.Marketplace_InvalidStatus(rentalId, status);
        }
        if (msg.sender != rental.consumer) revert Errors.Marketplace_CallerNotConsumer(rentalId, msg.sender);
        if (rental.rated) revert Errors.Marketplace_AlreadyRated(rentalId);
        if (score == 0 || score > 5) revert Errors.Marketplace_InvalidScore(score);

        // Effects
        rental.rated = true;
        uint256 listingId = rental.listingId;
        Listing storage listing = _listings[listingId];
        listing.ratingSum += score;
        listing.ratingCount += 1;
        emit RentalRated(rentalId, listingId, msg.sender, score);
    }

    /*//////////////////////////////////////////////////////////////
                                 FUNDS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarketplace
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        // Checks
        amount = _credits[token][msg.sender];
        if (amount == 0) revert Errors.Marketplace_NothingToWithdraw(msg.sender, token);

        // Effects
        _credits[token][msg.sender] = 0;
        emit Withdrawn(msg.sender, token, amount);

        // Interactions
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IMarketplace
    function withdrawFees(address token) external nonReentrant returns (uint256 amount) {
        // Checks
        amount = _fees[token];
        address to = _treasury;
        if (amount == 0) revert Errors.Marketplace_NothingToWithdraw(to, token);

        // Effects
        _fees[token] = 0;
        emit FeesWithdrawn(token, to, amount);

        // Interactions
        IERC20(token).safeTransfer(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarketplace
    function setPaymentToken(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPaymentToken(token, allowed);
    }

    /// @inheritdoc IMarketplace
    function setFee(uint16 feeBps_) external onlyRole(FEE_MANAGER_ROLE) {
        _setFee(feeBps_);
    }

    /// @inheritdoc IMarketplace
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert Errors.Marketplace_ZeroAddress();
        emit TreasuryUpdated(_treasury, treasury_);
        _treasury = treasury_;
    }

    /// @inheritdoc IMarketplace
    function setAcceptanceTimeout(uint32 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAcceptanceTimeout(timeout);
    }

    /// @inheritdoc IMarketplace
    function setDisputeTimeout(uint32 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDisputeTimeout(timeout);
    }

    /// @inheritdoc IMarketplace
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_config.paused) revert Errors.Marketplace_PauseStateUnchanged(true);
        _config.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IMarketplace
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_config.paused) revert Errors.Marketplace_PauseStateUnchanged(false);
        _config.paused = false;
        emit Unpaused(msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarketplace
    function getListing(uint256 listingId) external view returns (ListingView memory) {
        Listing storage l = _existingListing(listingId);
        return ListingView({
            provider: l.provider,
            token: _tokenAt(l.tokenIndex),
            pricePerHour: l.pricePerHour,
            availableFrom: l.availableFrom,
            availableUntil: l.availableUntil,
            capacity: uint16(uint256(l.extraCapacity) + 1),
            openRentals: l.openRentals,
            active: !l.inactive,
            ratingCount: l.ratingCount,
            ratingSum: l.ratingSum,
            metadataHash: l.metadataHash
        });
    }

    /// @inheritdoc IMarketplace
    function getRental(uint256 rentalId) external view returns (Rental memory) {
        return _existingRental(rentalId);
    }

    /// @inheritdoc IMarketplace
    function releasable(uint256 rentalId) external view returns (uint256) {
        Rental storage rental = _existingRental(rentalId);
        return rental.status == RentalStatus.Active ? _releasableAt(rentalId, rental, block.timestamp) : 0;
    }

    /// @inheritdoc IMarketplace
    function endsAt(uint256 rentalId) external view returns (uint256) {
        Rental storage rental = _existingRental(rentalId);
        return rental.startedAt == 0 ? 0 : _endsAt(rental);
    }

    /// @inheritdoc IMarketplace
    function creditOf(address account, address token) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @inheritdoc IMarketplace
    function accruedFees(address token) external view returns (uint256) {
        return _fees[token];
    }

    /// @inheritdoc IMarketplace
    function escrowed(address token) external view returns (uint256) {
        return _escrowed[token];
    }

    /// @inheritdoc IMarketplace
    function isPaymentToken(address token) external view returns (bool) {
        TokenEntry memory entry = _tokenEntries[token];
        return entry.listed && _isAllowed(entry.index, _config.allowedTokens);
    }

    /// @inheritdoc IMarketplace
    function paymentTokens() external view returns (address[] memory) {
        return _tokens;
    }

    /// @inheritdoc IMarketplace
    function listingCount() external view returns (uint256) {
        return _config.listingCount;
    }

    /// @inheritdoc IMarketplace
    function rentalCount() external view returns (uint256) {
        return _config.rentalCount;
    }

    /// @inheritdoc IMarketplace
    function feeBps() external view returns (uint16) {
        return _config.feeBps;
    }

    /// @inheritdoc IMarketplace
    function acceptanceTimeout() external view returns (uint32) {
        return _config.acceptanceTimeout;
    }

    /// @inheritdoc IMarketplace
    function disputeTimeout() external view returns (uint32) {
        return _config.disputeTimeout;
    }

    /// @inheritdoc IMarketplace
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc IMarketplace
    function treasury() external view returns (address) {
        return _treasury;
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL: LISTINGS
    //////////////////////////////////////////////////////////////*/

    function _createListing(ListingParams calldata p, uint256 listingId, uint32 allowedTokens)
        private
        returns (uint256)
    {
        // Checks
        uint8 tokenIndex;
        if (p.token != DEFAULT_TOKEN) {
            TokenEntry memory entry = _tokenEntries[p.token];
            if (!entry.listed) revert Errors.Marketplace_TokenNotAllowed(p.token);
            tokenIndex = entry.index;
        }
        if (!_isAllowed(tokenIndex, allowedTokens)) revert Errors.Marketplace_TokenNotAllowed(p.token);
        if (p.pricePerHour == 0) revert Errors.Marketplace_ZeroPrice();
        if (p.capacity == 0) revert Errors.Marketplace_ZeroCapacity();
        _checkAvailability(p.availableFrom, p.availableUntil);
        _checkMetadata(p.metadata);

        // Effects
        Listing storage listing = _listings[listingId];
        listing.provider = msg.sender;
        listing.pricePerHour = p.pricePerHour;
        listing.metadataHash = keccak256(bytes(p.metadata));
        // Left untouched when all zero: the common listing never pays for its third slot here.
        if (p.availableFrom != 0 || p.availableUntil != 0 || p.capacity != 1 || tokenIndex != 0) {
            listing.availableFrom = p.availableFrom;
            listing.availableUntil = p.availableUntil;
            listing.extraCapacity = p.capacity - 1;
            listing.tokenIndex = tokenIndex;
        }
        emit ListingCreated(
            listingId, msg.sender, p.token, p.pricePerHour, p.availableFrom, p.availableUntil, p.capacity, p.metadata
        );
        return listingId;
    }

    function _checkAvailability(uint40 availableFrom, uint40 availableUntil) private view {
        if (availableUntil != 0 && (availableUntil <= availableFrom || availableUntil <= block.timestamp)) {
            revert Errors.Marketplace_InvalidAvailability(availableFrom, availableUntil);
        }
    }

    function _checkMetadata(string calldata metadata) private pure {
        uint256 length = bytes(metadata).length;
        if (length == 0 || length > MAX_METADATA_BYTES) {
            revert Errors.Marketplace_InvalidMetadataLength(length, MAX_METADATA_BYTES);
        }
    }

    function _existingListing(uint256 listingId) private view returns (Listing storage listing) {
        listing = _listings[listingId];
        if (listing.provider == address(0)) revert Errors.Marketplace_ListingNotFound(listingId);
    }

    function _providerListing(uint256 listingId) private view returns (Listing storage listing) {
        listing = _existingListing(listingId);
        if (listing.provider != msg.sender) revert Errors.Marketplace_CallerNotProvider(listingId, msg.sender);
    }

    function _onlyProvider(uint256 listingId) private view {
        if (_listings[listingId].provider != msg.sender) {
            revert Errors.Marketplace_CallerNotProvider(listingId, msg.sender);
        }
    }

    function _tokenAt(uint8 tokenIndex) private view returns (address) {
        return tokenIndex == 0 ? DEFAULT_TOKEN : _tokens[tokenIndex];
    }

    function _allowedToken(uint8 tokenIndex, uint32 allowedTokens) private view returns (address token) {
        token = _tokenAt(tokenIndex);
        if (!_isAllowed(tokenIndex, allowedTokens)) revert Errors.Marketplace_TokenNotAllowed(token);
    }

    function _isAllowed(uint8 tokenIndex, uint32 allowedTokens) private pure returns (bool) {
        return allowedTokens & (uint32(1) << tokenIndex) != 0;
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL: RENTALS
    //////////////////////////////////////////////////////////////*/

    function _rent(uint256 listingId, uint32 hoursBooked, uint96 maxPricePerHour) private returns (uint256 rentalId) {
        // Checks
        Config memory config = _config;
        if (config.paused) revert Errors.Marketplace_Paused();
        Listing storage listing = _existingListing(listingId);
        if (listing.inactive) revert Errors.Marketplace_ListingInactive(listingId);
        if (listing.provider == msg.sender) revert Errors.Marketplace_SelfRental(listingId);
        uint256 price = listing.pricePerHour;
        if (price > maxPricePerHour) revert Errors.Marketplace_PriceAboveMax(listingId, price, maxPricePerHour);
        if (hoursBooked == 0 || hoursBooked > MAX_HOURS) revert Errors.Marketplace_InvalidHours(hoursBooked, MAX_HOURS);
        uint256 open = listing.openRentals;
        uint256 capacity = uint256(listing.extraCapacity) + 1;
        if (open >= capacity) revert Errors.Marketplace_CapacityFull(listingId, capacity);
        uint256 end = block.timestamp + RentalMath.duration(hoursBooked);
        uint256 until = listing.availableUntil;
        if (block.timestamp < listing.availableFrom || (until != 0 && end > until)) {
            revert Errors.Marketplace_OutsideAvailability(listingId, block.timestamp, end);
        }
        address token = _allowedToken(listing.tokenIndex, config.allowedTokens);

        // Effects
        uint256 amount = price * hoursBooked;
        rentalId = config.rentalCount + 1;
        _config.rentalCount = uint64(rentalId);
        listing.openRentals = uint16(open + 1);
        _rentals[rentalId] = Rental({
            consumer: msg.sender,
            listingId: uint64(listingId),
            hoursBooked: hoursBooked,
            amount: uint128(amount),
            requestedAt: uint40(block.timestamp),
            startedAt: 0,
            status: RentalStatus.Requested,
            feeBps: config.feeBps,
            released: 0,
            disputedAt: 0,
            rated: false
        });
        _escrowed[token] += amount;
        emit RentalRequested(rentalId, listingId, msg.sender, hoursBooked, price, amount, config.feeBps);

        // Interactions
        _pullExact(token, msg.sender, amount);
    }

    /// @dev Moves `amount` in and refuses tokens that deliver less than asked (fee-on-transfer and the like),
    /// so escrow always equals what the contract holds.
    function _pullExact(address token, address from, uint256 amount) private {
        uint256 allowance = IERC20(token).allowance(from, address(this));
        if (allowance < amount) revert Errors.Marketplace_InsufficientAllowance(token, allowance, amount);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert Errors.Marketplace_TransferShortfall(token, amount, received);
    }

    function _existingRental(uint256 rentalId) private view returns (Rental storage rental) {
        rental = _rentals[rentalId];
        if (rental.consumer == address(0)) revert Errors.Marketplace_RentalNotFound(rentalId);
    }

    function _rentalInStatus(uint256 rentalId, RentalStatus expected) private view returns (Rental storage rental) {
        rental = _existingRental(rentalId);
        if (rental.status != expected) revert Errors.Marketplace_InvalidStatus(rentalId, rental.status);
    }

    function _endsAt(Rental storage rental) private view returns (uint256) {
        return uint256(rental.startedAt) + RentalMath.duration(rental.hoursBooked);
    }

    /// @dev What the provider has earned by `at` (not before the start or the last extension): the escrow
    /// spread per second over the booking, restarting at the last extension from what had been earned by
    /// then, so an extension at a changed price never reprices time already used.
    function _earned(uint256 rentalId, Rental storage rental, uint256 at) private view returns (uint256) {
        AccrualCheckpoint memory checkpoint = _checkpoints[rentalId];
        uint256 from = checkpoint.at == 0 ? rental.startedAt : checkpoint.at;
        return checkpoint.earned
            + RentalMath.accrued(rental.amount - checkpoint.earned, at - from, _endsAt(rental) - from);
    }

    /// @dev Called before an extension changes the booking: the hours already used keep the price they were
    /// bought at, so accrual restarts now from what has been earned so far and spreads the rest of the escrow
    /// over the rest of the booking.
    function _restartAccrual(uint256 rentalId, Rental storage rental) private {
        uint256 earned = _earned(rentalId, rental, block.timestamp);
        _checkpoints[rentalId] = AccrualCheckpoint({at: uint40(block.timestamp), earned: uint128(earned)});
    }

    /// @dev Earned by `at` minus released. Releases only happen while running and earnings only grow (an
    /// extension restarts accrual from what was earned), so this never underflows.
    function _releasableAt(uint256 rentalId, Rental storage rental, uint256 at) private view returns (uint256) {
        return _earned(rentalId, rental, at) - rental.released;
    }

    /// @dev Closes an unaccepted request and credits its whole escrow back to the consumer.
    function _closeWithRefund(Rental storage rental, RentalStatus status) private returns (uint256 refund) {
        refund = rental.amount;
        rental.status = status;
        _refundConsumer(rental, rental.listingId, refund);
    }

    /// @dev Credits `refund` to the consumer, frees the capacity the rental held.
    function _refundConsumer(Rental storage rental, uint256 listingId, uint256 refund) private {
        Listing storage listing = _listings[listingId];
        listing.openRentals -= 1;
        address token = _tokenAt(listing.tokenIndex);
        _escrowed[token] -= refund;
        _credits[token][rental.consumer] += refund;
    }

    /// @dev Moves `gross` out of escrow: `gross - fee` to the provider's credit, `fee` to the protocol.
    function _payProvider(uint256 listingId, uint16 rentalFeeBps, uint256 gross) private returns (uint256 fee) {
        Listing storage listing = _listings[listingId];
        address token = _tokenAt(listing.tokenIndex);
        fee = RentalMath.fee(gross, rentalFeeBps);
        _escrowed[token] -= gross;
        _credits[token][listing.provider] += gross - fee;
        if (fee != 0) _fees[token] += fee;
    }

    function _resolve(uint256 rentalId, Rental storage rental, uint256 toProvider, uint256 frozen, bool byDefault)
        private
    {
        uint256 listingId = rental.listingId;
        uint256 toConsumer = frozen - toProvider;
        rental.status = RentalStatus.Resolved;
        rental.released += uint128(toProvider);
        uint256 fee = _payProvider(listingId, rental.feeBps, toProvider);
        _refundConsumer(rental, listingId, toConsumer);
        emit DisputeResolved(rentalId, msg.sender, byDefault, toProvider, fee, toConsumer);
    }

    /*//////////////////////////////////////////////////////////////
                            INTERNAL: ADMIN
    //////////////////////////////////////////////////////////////*/

    function _setPaymentToken(address token, bool allowed) private {
        if (token == address(0)) revert Errors.Marketplace_ZeroAddress();
        TokenEntry storage entry = _tokenEntries[token];
        if (!entry.listed) {
            // Registering only to disallow would spend one of the few token slots for nothing.
            if (!allowed) revert Errors.Marketplace_TokenNotAllowed(token);
            if (_tokens.length >= MAX_TOKENS) revert Errors.Marketplace_TooManyTokens(MAX_TOKENS);
            entry.index = uint8(_tokens.length);
            entry.listed = true;
            _tokens.push(token);
        }
        uint32 bit = uint32(1) << entry.index;
        uint32 allowedTokens = _config.allowedTokens;
        _config.allowedTokens = allowed ? allowedTokens | bit : allowedTokens & ~bit;
        emit PaymentTokenSet(token, entry.index, allowed);
    }

    function _setFee(uint16 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) revert Errors.Marketplace_FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeUpdated(_config.feeBps, newFeeBps);
        _config.feeBps = newFeeBps;
    }

    function _setAcceptanceTimeout(uint32 timeout) private {
        if (timeout < MIN_ACCEPTANCE_TIMEOUT || timeout > MAX_ACCEPTANCE_TIMEOUT) {
            revert Errors.Marketplace_TimeoutOutOfBounds(timeout, MIN_ACCEPTANCE_TIMEOUT, MAX_ACCEPTANCE_TIMEOUT);
        }
        emit AcceptanceTimeoutUpdated(_config.acceptanceTimeout, timeout);
        _config.acceptanceTimeout = timeout;
    }

    function _setDisputeTimeout(uint32 timeout) private {
        if (timeout < MIN_DISPUTE_TIMEOUT || timeout > MAX_DISPUTE_TIMEOUT) {
            revert Errors.Marketplace_TimeoutOutOfBounds(timeout, MIN_DISPUTE_TIMEOUT, MAX_DISPUTE_TIMEOUT);
        }
        emit DisputeTimeoutUpdated(_config.disputeTimeout, timeout);
        _config.disputeTimeout = timeout;
    }
}
