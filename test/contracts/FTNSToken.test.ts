import { expect } from "chai";
import { deployFixture, ethers, networkHelpers, TOKEN_CAP, UNIT } from "./helpers/fixtures.js";
import { signPermit } from "./helpers/permit.js";

const { loadFixture } = networkHelpers;

describe("FTNSToken", () => {
  async function tokenFixture() {
    const d = await deployFixture();
    return { ...d, MINTER_ROLE: await d.token.MINTER_ROLE(), ADMIN_ROLE: await d.token.DEFAULT_ADMIN_ROLE() };
  }

  describe("metadata", () => {
    it("is named FTNS with symbol FTNS and 18 decimals", async () => {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.name()).to.equal("FTNS");
      expect(await token.symbol()).to.equal("FTNS");
      expect(await token.decimals()).to.equal(18n);
    });

    it("has the cap given at deployment", async () => {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.cap()).to.equal(TOKEN_CAP);
    });

    it("supports the AccessControl interface", async () => {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await token.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("roles", () => {
    it("gives the admin DEFAULT_ADMIN_ROLE and MINTER_ROLE, and nobody else", async () => {
      const { token, admin, stranger, MINTER_ROLE, ADMIN_ROLE } = await loadFixture(tokenFixture);
      expect(await token.hasRole(ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await token.hasRole(MINTER_ROLE, admin.address)).to.equal(true);
      expect(await token.hasRole(MINTER_ROLE, stranger.address)).to.equal(false);
      expect(await token.hasRole(ADMIN_ROLE, stranger.address)).to.equal(false);
    });

    it("lets the admin grant MINTER_ROLE, after which the grantee can mint", async () => {
      const { token, admin, other, stranger, MINTER_ROLE } = await loadFixture(tokenFixture);
      await expect(token.connect(admin).grantRole(MINTER_ROLE, other.address))
        .to.emit(token, "RoleGranted")
        .withArgs(MINTER_ROLE, other.address, admin.address);
      await expect(token.connect(other).mint(stranger.address, 5n)).to.changeTokenBalances(
        ethers,
        token,
        [stranger],
        [5n],
      );
    });

    it("reverts with AccessControlUnauthorizedAccount when a stranger grants a role", async () => {
      const { token, stranger, MINTER_ROLE, ADMIN_ROLE } = await loadFixture(tokenFixture);
      await expect(token.connect(stranger).grantRole(MINTER_ROLE, stranger.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ADMIN_ROLE);
    });
  });

  describe("mint", () => {
    it("mints to an account and emits Transfer from the zero address", async () => {
      const { token, admin, stranger } = await loadFixture(tokenFixture);
      const supply = await token.totalSupply();
      await expect(token.connect(admin).mint(stranger.address, 7n * UNIT))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, stranger.address, 7n * UNIT);
      expect(await token.balanceOf(stranger.address)).to.equal(7n * UNIT);
      expect(await token.totalSupply()).to.equal(supply + 7n * UNIT);
    });

    it("reverts with AccessControlUnauthorizedAccount when a stranger mints", async () => {
      const { token, stranger, MINTER_ROLE } = await loadFixture(tokenFixture);
      await expect(token.connect(stranger).mint(stranger.address, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MINTER_ROLE);
    });

    it("mints up to the cap exactly", async () => {
      const { token, admin, stranger } = await loadFixture(tokenFixture);
      const room = TOKEN_CAP - (await token.totalSupply());
      await token.connect(admin).mint(stranger.address, room);
      expect(await token.totalSupply()).to.equal(TOKEN_CAP);
    });

    it("reverts with ERC20ExceededCap when minting past the cap", async () => {
      const { token, admin, stranger } = await loadFixture(tokenFixture);
      const supply = await token.totalSupply();
      const room = TOKEN_CAP - supply;
      await expect(token.connect(admin).mint(stranger.address, room + 1n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(TOKEN_CAP + 1n, TOKEN_CAP);
    });
  });

  describe("burn", () => {
    it("lets a holder burn its own tokens, lowering the supply", async () => {
      const { token, consumer } = await loadFixture(tokenFixture);
      const supply = await token.totalSupply();
      await expect(token.connect(consumer).burn(3n * UNIT))
        .to.emit(token, "Transfer")
        .withArgs(consumer.address, ethers.ZeroAddress, 3n * UNIT);
      expect(await token.totalSupply()).to.equal(supply - 3n * UNIT);
    });

    it("burns from another holder within the allowance (burnFrom)", async () => {
      const { token, consumer, stranger } = await loadFixture(tokenFixture);
      await token.connect(consumer).approve(stranger.address, 2n * UNIT);
      await expect(token.connect(stranger).burnFrom(consumer.address, 2n * UNIT)).to.changeTokenBalances(
        ethers,
        token,
        [consumer],
        [-2n * UNIT],
      );
      expect(await token.allowance(consumer.address, stranger.address)).to.equal(0n);
    });

    it("reverts with ERC20InsufficientAllowance when burnFrom exceeds the allowance", async () => {
      const { token, consumer, stranger } = await loadFixture(tokenFixture);
      await expect(token.connect(stranger).burnFrom(consumer.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(stranger.address, 0n, 1n);
    });

    it("reverts with ERC20InsufficientBalance when burning more than held", async () => {
      const { token, stranger } = await loadFixture(tokenFixture);
      await expect(token.connect(stranger).burn(1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(stranger.address, 0n, 1n);
    });
  });

  describe("permit", () => {
    it("sets the allowance from a signature submitted by anyone and bumps the nonce", async () => {
      const { token, consumer, other, stranger } = await loadFixture(tokenFixture);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const sig = await signPermit(token, consumer, other.address, 9n, deadline);
      await expect(token.connect(stranger).permit(consumer.address, other.address, 9n, deadline, sig.v, sig.r, sig.s))
        .to.emit(token, "Approval")
        .withArgs(consumer.address, other.address, 9n);
      expect(await token.allowance(consumer.address, other.address)).to.equal(9n);
      expect(await token.nonces(consumer.address)).to.equal(1n);
    });

    it("reverts with ERC2612InvalidSigner when the signature is replayed", async () => {
      const { token, consumer, other } = await loadFixture(tokenFixture);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const sig = await signPermit(token, consumer, other.address, 9n, deadline);
      await token.permit(consumer.address, other.address, 9n, deadline, sig.v, sig.r, sig.s);
      await expect(
        token.permit(consumer.address, other.address, 9n, deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });

    it("reverts with ERC2612InvalidSigner when signed by someone other than the owner", async () => {
      const { token, consumer, other, stranger } = await loadFixture(tokenFixture);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const sig = await signPermit(token, stranger, other.address, 9n, deadline, consumer.address);
      await expect(token.permit(consumer.address, other.address, 9n, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(stranger.address, consumer.address);
    });

    it("reverts with ERC2612ExpiredSignature after the deadline", async () => {
      const { token, consumer, other } = await loadFixture(tokenFixture);
      const deadline = BigInt(await networkHelpers.time.latest()) - 1n;
      const sig = await signPermit(token, consumer, other.address, 9n, deadline);
      await expect(token.permit(consumer.address, other.address, 9n, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });
  });
});
