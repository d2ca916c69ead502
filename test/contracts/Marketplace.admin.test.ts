import { expect } from "chai";
import {
  ACCEPTANCE_TIMEOUT,
  DAY,
  deployFixture,
  DISPUTE_TIMEOUT,
  ethers,
  FEE_BPS,
  networkHelpers,
  secondTokenFixture,
} from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;
const MAX_FEE_BPS = 1000n;
const MIN_ACCEPTANCE = 5n * 60n;
const MAX_ACCEPTANCE = 7n * DAY;
const MIN_DISPUTE = DAY;
const MAX_DISPUTE = 90n * DAY;
const MAX_TOKENS = 32n;

describe("Marketplace administration", () => {
  describe("constructor", () => {
    it("applies the settings, allow-lists the initial token and grants every role to the admin", async () => {
      const { marketplace, admin, treasury, tokenAddress } = await loadFixture(deployFixture);
      expect(await marketplace.treasury()).to.equal(treasury.address);
      expect(await marketplace.feeBps()).to.equal(FEE_BPS);
      expect(await marketplace.acceptanceTimeout()).to.equal(ACCEPTANCE_TIMEOUT);
      expect(await marketplace.disputeTimeout()).to.equal(DISPUTE_TIMEOUT);
      expect(await marketplace.paused()).to.equal(false);
      expect(await marketplace.DEFAULT_TOKEN()).to.equal(tokenAddress);
      expect(await marketplace.paymentTokens()).to.deep.equal([tokenAddress]);
      expect(await marketplace.isPaymentToken(tokenAddress)).to.equal(true);
      expect(await marketplace.listingCount()).to.equal(0n);
      expect(await marketplace.rentalCount()).to.equal(0n);
      for (const role of [
        await marketplace.DEFAULT_ADMIN_ROLE(),
        await marketplace.PAUSER_ROLE(),
        await marketplace.ARBITER_ROLE(),
        await marketplace.FEE_MANAGER_ROLE(),
      ]) {
        expect(await marketplace.hasRole(role, admin.address)).to.equal(true);
      }
    });

    it("emits an event for every initial setting, so the mirror starts from logs alone", async () => {
      const { marketplace, treasury, tokenAddress } = await loadFixture(deployFixture);
      const deployment = marketplace.deploymentTransaction();
      await expect(deployment).to.emit(marketplace, "TreasuryUpdated").withArgs(ethers.ZeroAddress, treasury.address);
      await expect(deployment).to.emit(marketplace, "PaymentTokenSet").withArgs(tokenAddress, 0n, true);
      await expect(deployment).to.emit(marketplace, "FeeUpdated").withArgs(0n, FEE_BPS);
      await expect(deployment).to.emit(marketplace, "AcceptanceTimeoutUpdated").withArgs(0n, ACCEPTANCE_TIMEOUT);
      await expect(deployment).to.emit(marketplace, "DisputeTimeoutUpdated").withArgs(0n, DISPUTE_TIMEOUT);
    });

    it("reverts with Marketplace_ZeroAddress for a zero admin, treasury or token", async () => {
      const { admin, tokenAddress } = await loadFixture(deployFixture);
      const factory = await ethers.getContractFactory("Marketplace");
      const a = admin.address;
      const zero = ethers.ZeroAddress;
      for (const args of [
        [zero, a, tokenAddress],
        [a, zero, tokenAddress],
        [a, a, zero],
      ]) {
        await expect(
          factory.deploy(args[0], args[1], args[2], FEE_BPS, ACCEPTANCE_TIMEOUT, DISPUTE_TIMEOUT),
        ).to.be.revertedWithCustomError(factory, "Marketplace_ZeroAddress");
      }
    });

    it("reverts with Marketplace_FeeTooHigh or Marketplace_TimeoutOutOfBounds for settings out of bounds", async () => {
      const { admin, tokenAddress } = await loadFixture(deployFixture);
      const factory = await ethers.getContractFactory("Marketplace");
      const a = admin.address;
      await expect(factory.deploy(a, a, tokenAddress, MAX_FEE_BPS + 1n, ACCEPTANCE_TIMEOUT, DISPUTE_TIMEOUT))
        .to.be.revertedWithCustomError(factory, "Marketplace_FeeTooHigh")
        .withArgs(MAX_FEE_BPS + 1n, MAX_FEE_BPS);
      await expect(factory.deploy(a, a, tokenAddress, FEE_BPS, 0n, DISPUTE_TIMEOUT))
        .to.be.revertedWithCustomError(factory, "Marketplace_TimeoutOutOfBounds")
        .withArgs(0n, MIN_ACCEPTANCE, MAX_ACCEPTANCE);
      await expect(factory.deploy(a, a, tokenAddress, FEE_BPS, ACCEPTANCE_TIMEOUT, 0n))
        .to.be.revertedWithCustomError(factory, "Marketplace_TimeoutOutOfBounds")
        .withArgs(0n, MIN_DISPUTE, MAX_DISPUTE);
    });

    it("exposes its limits as constants", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      expect(await marketplace.MAX_FEE_BPS()).to.equal(MAX_FEE_BPS);
      expect(await marketplace.MIN_ACCEPTANCE_TIMEOUT()).to.equal(MIN_ACCEPTANCE);
      expect(await marketplace.MAX_ACCEPTANCE_TIMEOUT()).to.equal(MAX_ACCEPTANCE);
      expect(await marketplace.MIN_DISPUTE_TIMEOUT()).to.equal(MIN_DISPUTE);
      expect(await marketplace.MAX_DISPUTE_TIMEOUT()).to.equal(MAX_DISPUTE);
      expect(await marketplace.MAX_HOURS()).to.equal(24n * 365n);
      expect(await marketplace.MAX_METADATA_BYTES()).to.equal(4096n);
      expect(await marketplace.MAX_BATCH()).to.equal(50n);
      expect(await marketplace.MAX_TOKENS()).to.equal(MAX_TOKENS);
    });
  });

  describe("setPaymentToken", () => {
    it("adds a second token at index 1 and emits PaymentTokenSet", async () => {
      const { marketplace, tokenAddress } = await loadFixture(deployFixture);
      const usd = await ethers.deployContract("MockERC20", ["Mock USD", "MUSD"]);
      const usdAddress = await usd.getAddress();
      await expect(marketplace.setPaymentToken(usdAddress, true))
        .to.emit(marketplace, "PaymentTokenSet")
        .withArgs(usdAddress, 1n, true);
      expect(await marketplace.isPaymentToken(usdAddress)).to.equal(true);
      expect(await marketplace.paymentTokens()).to.deep.equal([tokenAddress, usdAddress]);
    });

    it("disallows a token but keeps its index, and re-allows it at the same index", async () => {
      const { marketplace, tokenAddress, usdAddress } = await loadFixture(secondTokenFixture);
      await expect(marketplace.setPaymentToken(usdAddress, false))
        .to.emit(marketplace, "PaymentTokenSet")
        .withArgs(usdAddress, 1n, false);
      expect(await marketplace.isPaymentToken(usdAddress)).to.equal(false);
      expect(await marketplace.isPaymentToken(tokenAddress)).to.equal(true);
      expect(await marketplace.paymentTokens()).to.deep.equal([tokenAddress, usdAddress]);
      await expect(marketplace.setPaymentToken(usdAddress, true))
        .to.emit(marketplace, "PaymentTokenSet")
        .withArgs(usdAddress, 1n, true);
      expect(await marketplace.isPaymentToken(usdAddress)).to.equal(true);
      expect(await marketplace.paymentTokens()).to.have.length(2);
    });

    it("disallows the default token without affecting a second one", async () => {
      const { marketplace, tokenAddress, usdAddress } = await loadFixture(secondTokenFixture);
      await expect(marketplace.setPaymentToken(tokenAddress, false))
        .to.emit(marketplace, "PaymentTokenSet")
        .withArgs(tokenAddress, 0n, false);
      expect(await marketplace.isPaymentToken(tokenAddress)).to.equal(false);
      expect(await marketplace.isPaymentToken(usdAddress)).to.equal(true);
    });

    it("reports a token that was never listed as not allowed", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      expect(await marketplace.isPaymentToken(ethers.Wallet.createRandom().address)).to.equal(false);
    });

    it("reverts with Marketplace_TokenNotAllowed when disallowing a token it never listed", async () => {
      const { marketplace, tokenAddress } = await loadFixture(deployFixture);
      const stranger = ethers.Wallet.createRandom().address;
      await expect(marketplace.setPaymentToken(stranger, false))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TokenNotAllowed")
        .withArgs(stranger);
      expect(await marketplace.paymentTokens()).to.deep.equal([tokenAddress]);
    });

    it("reverts with Marketplace_ZeroAddress for the zero address", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setPaymentToken(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_ZeroAddress",
      );
    });

    it("holds at most MAX_TOKENS tokens and reverts with Marketplace_TooManyTokens past that", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      for (let i = 1n; i < MAX_TOKENS; i++) {
        await marketplace.setPaymentToken(ethers.Wallet.createRandom().address, true);
      }
      const tokens = await marketplace.paymentTokens();
      expect(tokens).to.have.length(Number(MAX_TOKENS));
      // The last index (31) is the top bit of the allow-list word.
      expect(await marketplace.isPaymentToken(tokens[Number(MAX_TOKENS) - 1])).to.equal(true);
      await expect(marketplace.setPaymentToken(ethers.Wallet.createRandom().address, true))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_TooManyTokens")
        .withArgs(MAX_TOKENS);
      // Toggling a listed token still works at the limit.
      await marketplace.setPaymentToken(tokens[5], false);
      expect(await marketplace.isPaymentToken(tokens[5])).to.equal(false);
    });
  });

  describe("setFee", () => {
    it("changes the fee for new rentals and emits FeeUpdated", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setFee(MAX_FEE_BPS)).to.emit(marketplace, "FeeUpdated").withArgs(FEE_BPS, MAX_FEE_BPS);
      expect(await marketplace.feeBps()).to.equal(MAX_FEE_BPS);
    });

    it("reverts with Marketplace_FeeTooHigh above the cap", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setFee(MAX_FEE_BPS + 1n))
        .to.be.revertedWithCustomError(marketplace, "Marketplace_FeeTooHigh")
        .withArgs(MAX_FEE_BPS + 1n, MAX_FEE_BPS);
    });

    it("is open to a fee manager that is not the admin", async () => {
      const { marketplace, other } = await loadFixture(deployFixture);
      await marketplace.grantRole(await marketplace.FEE_MANAGER_ROLE(), other.address);
      await expect(marketplace.connect(other).setFee(0n)).to.emit(marketplace, "FeeUpdated").withArgs(FEE_BPS, 0n);
    });
  });

  describe("setTreasury", () => {
    it("changes the treasury and emits TreasuryUpdated", async () => {
      const { marketplace, treasury, other } = await loadFixture(deployFixture);
      await expect(marketplace.setTreasury(other.address))
        .to.emit(marketplace, "TreasuryUpdated")
        .withArgs(treasury.address, other.address);
      expect(await marketplace.treasury()).to.equal(other.address);
    });

    it("reverts with Marketplace_ZeroAddress for the zero address", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        marketplace,
        "Marketplace_ZeroAddress",
      );
    });
  });

  describe("setAcceptanceTimeout", () => {
    it("accepts both bounds and emits AcceptanceTimeoutUpdated", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setAcceptanceTimeout(MIN_ACCEPTANCE))
        .to.emit(marketplace, "AcceptanceTimeoutUpdated")
        .withArgs(ACCEPTANCE_TIMEOUT, MIN_ACCEPTANCE);
      await expect(marketplace.setAcceptanceTimeout(MAX_ACCEPTANCE))
        .to.emit(marketplace, "AcceptanceTimeoutUpdated")
        .withArgs(MIN_ACCEPTANCE, MAX_ACCEPTANCE);
      expect(await marketplace.acceptanceTimeout()).to.equal(MAX_ACCEPTANCE);
    });

    it("reverts with Marketplace_TimeoutOutOfBounds just outside either bound", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      for (const timeout of [MIN_ACCEPTANCE - 1n, MAX_ACCEPTANCE + 1n]) {
        await expect(marketplace.setAcceptanceTimeout(timeout))
          .to.be.revertedWithCustomError(marketplace, "Marketplace_TimeoutOutOfBounds")
          .withArgs(timeout, MIN_ACCEPTANCE, MAX_ACCEPTANCE);
      }
    });
  });

  describe("setDisputeTimeout", () => {
    it("accepts both bounds and emits DisputeTimeoutUpdated", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.setDisputeTimeout(MIN_DISPUTE))
        .to.emit(marketplace, "DisputeTimeoutUpdated")
        .withArgs(DISPUTE_TIMEOUT, MIN_DISPUTE);
      await expect(marketplace.setDisputeTimeout(MAX_DISPUTE))
        .to.emit(marketplace, "DisputeTimeoutUpdated")
        .withArgs(MIN_DISPUTE, MAX_DISPUTE);
      expect(await marketplace.disputeTimeout()).to.equal(MAX_DISPUTE);
    });

    it("reverts with Marketplace_TimeoutOutOfBounds just outside either bound", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      for (const timeout of [MIN_DISPUTE - 1n, MAX_DISPUTE + 1n]) {
        await expect(marketplace.setDisputeTimeout(timeout))
          .to.be.revertedWithCustomError(marketplace, "Marketplace_TimeoutOutOfBounds")
          .withArgs(timeout, MIN_DISPUTE, MAX_DISPUTE);
      }
    });
  });

  describe("pause and unpause", () => {
    it("pauses and unpauses, emitting Paused and Unpaused with the caller", async () => {
      const { marketplace, admin } = await loadFixture(deployFixture);
      await expect(marketplace.pause()).to.emit(marketplace, "Paused").withArgs(admin.address);
      expect(await marketplace.paused()).to.equal(true);
      await expect(marketplace.unpause()).to.emit(marketplace, "Unpaused").withArgs(admin.address);
      expect(await marketplace.paused()).to.equal(false);
    });

    it("reverts with Marketplace_PauseStateUnchanged when pausing twice or unpausing while running", async () => {
      const { marketplace } = await loadFixture(deployFixture);
      await expect(marketplace.unpause())
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PauseStateUnchanged")
        .withArgs(false);
      await marketplace.pause();
      await expect(marketplace.pause())
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PauseStateUnchanged")
        .withArgs(true);
    });

    it("is open to a pauser that is not the admin, and closed again once the role is revoked", async () => {
      const { marketplace, admin, other } = await loadFixture(deployFixture);
      const PAUSER_ROLE = await marketplace.PAUSER_ROLE();
      await expect(marketplace.grantRole(PAUSER_ROLE, other.address))
        .to.emit(marketplace, "RoleGranted")
        .withArgs(PAUSER_ROLE, other.address, admin.address);
      await expect(marketplace.connect(other).pause()).to.emit(marketplace, "Paused").withArgs(other.address);
      await marketplace.revokeRole(PAUSER_ROLE, other.address);
      await expect(marketplace.connect(other).unpause())
        .to.be.revertedWithCustomError(marketplace, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, PAUSER_ROLE);
    });
  });
});
