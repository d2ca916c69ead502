import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  BlocklistERC20,
  FeeOnTransferERC20,
  Marketplace,
  ReentrantERC20,
} from "../../types/ethers-contracts/index.js";
import {
  activeFixture,
  AMOUNT,
  deployFixture,
  ethers,
  feeOf,
  HOUR,
  HOURS_BOOKED,
  listedFixture,
  listingParams,
  MINTED,
  networkHelpers,
  PRICE,
  Status,
} from "./helpers/fixtures.js";
import { expectSolvent } from "./helpers/invariants.js";
import { signPermit } from "./helpers/permit.js";

const { loadFixture, time } = networkHelpers;

interface MintableToken {
  getAddress(): Promise<string>;
  mint(to: string, amount: bigint): Promise<unknown>;
  connect(runner: HardhatEthersSigner): { approve(spender: string, amount: bigint): Promise<unknown> };
}

/** Allow-lists `token` on the marketplace and funds `accounts` with it, approved for the marketplace. */
async function listHostileToken(marketplace: Marketplace, token: MintableToken, accounts: HardhatEthersSigner[]) {
  const marketplaceAddress = await marketplace.getAddress();
  await marketplace.setPaymentToken(await token.getAddress(), true);
  for (const account of accounts) {
    await token.mint(account.address, MINTED);
    await token.connect(account).approve(marketplaceAddress, ethers.MaxUint256);
  }
}

describe("Marketplace under attack", () => {
  describe("a reentrant payment token", () => {
    async function reentrantFixture() {
      const d = await deployFixture();
      const evil = (await ethers.deployContract("ReentrantERC20")) as unknown as ReentrantERC20;
      const evilAddress = await evil.getAddress();
      await listHostileToken(d.marketplace, evil, [d.consumer, d.other]);
      await d.marketplace.connect(d.provider).createListing(listingParams(evilAddress, { capacity: 5n }));
      const everyone = [d.admin, d.treasury, d.provider, d.consumer, d.other, d.stranger, evilAddress];
      const solvent = () => expectSolvent(d.marketplace, evil, everyone);
      return { ...d, evil, evilAddress, everyone, solvent };
    }

    /** The token itself as a consumer of listing 1 whose request was rejected: it holds a credit. */
    async function creditedTokenFixture() {
      const d = await reentrantFixture();
      const { marketplace, evil, evilAddress, marketplaceAddress } = d;
      await evil.mint(evilAddress, MINTED);
      await evil.execute(
        evilAddress,
        evil.interface.encodeFunctionData("approve", [marketplaceAddress, ethers.MaxUint256]),
      );
      await evil.execute(
        marketplaceAddress,
        marketplace.interface.encodeFunctionData("rent", [1n, HOURS_BOOKED, PRICE]),
      );
      await marketplace.connect(d.provider).reject(1n);
      expect(await marketplace.creditOf(evilAddress, evilAddress)).to.equal(AMOUNT);
      return d;
    }

    it("blocks reentry into rent during the escrow transfer (ReentrancyGuardReentrantCall)", async () => {
      const { marketplace, evil, consumer, marketplaceAddress, solvent } = await loadFixture(reentrantFixture);
      await evil.arm(marketplaceAddress, marketplace.interface.encodeFunctionData("rent", [1n, 1n, PRICE]), true);
      await expect(marketplace.connect(consumer).rent(1n, HOURS_BOOKED, PRICE)).to.be.revertedWithCustomError(
        marketplace,
        "ReentrancyGuardReentrantCall",
      );
      expect(await marketplace.rentalCount()).to.equal(0n);
      await solvent();
    });

    it("when the token swallows the failed reentry, exactly one rental is escrowed", async () => {
      const { marketplace, evil, evilAddress, consumer, marketplaceAddress, solvent } = await loadFixture(
        reentrantFixture,
      );
      await evil.arm(marketplaceAddress, marketplace.interface.encodeFunctionData("rent", [1n, 1n, PRICE]), false);
      await expect(marketplace.connect(consumer).rent(1n, HOURS_BOOKED, PRICE)).to.changeTokenBalances(
        ethers,
        evil,
        [consumer, marketplace],
        [-AMOUNT, AMOUNT],
      );
      expect(await evil.reentered()).to.equal(true);
      expect(await evil.reentrySucceeded()).to.equal(false);
      expect(await evil.reentryReturnData()).to.equal(
        marketplace.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await marketplace.rentalCount()).to.equal(1n);
      expect(await marketplace.escrowed(evilAddress)).to.equal(AMOUNT);
      await solvent();
    });

    it("blocks a second withdraw from inside the first (ReentrancyGuardReentrantCall)", async () => {
      const { marketplace, evil, evilAddress, marketplaceAddress, solvent } = await loadFixture(creditedTokenFixture);
      const withdraw = marketplace.interface.encodeFunctionData("withdraw", [evilAddress]);
      await evil.arm(marketplaceAddress, withdraw, true);
      await expect(evil.execute(marketplaceAddress, withdraw)).to.be.revertedWithCustomError(
        marketplace,
        "ReentrancyGuardReentrantCall",
      );
      expect(await marketplace.creditOf(evilAddress, evilAddress)).to.equal(AMOUNT);
      await solvent();
    });

    it("pays a withdraw once even when the token swallows the failed reentry", async () => {
      const { marketplace, evil, evilAddress, marketplaceAddress, solvent } = await loadFixture(creditedTokenFixture);
      const withdraw = marketplace.interface.encodeFunctionData("withdraw", [evilAddress]);
      await evil.arm(marketplaceAddress, withdraw, false);
      await expect(evil.execute(marketplaceAddress, withdraw)).to.changeTokenBalances(
        ethers,
        evil,
        [evilAddress, marketplaceAddress],
        [AMOUNT, -AMOUNT],
      );
      expect(await evil.reentered()).to.equal(true);
      expect(await evil.reentrySucceeded()).to.equal(false);
      expect(await marketplace.creditOf(evilAddress, evilAddress)).to.equal(0n);
      await solvent();
    });

    it("a provider token raising its price from inside rent cannot change what was escrowed", async () => {
      const { marketplace, evil, evilAddress, consumer, marketplaceAddress, solvent } = await loadFixture(
        reentrantFixture,
      );
      // The token owns listing 2 and, mid-transfer, raises its price tenfold (updatePrice is not guarded).
      await evil.execute(
        marketplaceAddress,
        marketplace.interface.encodeFunctionData("createListing", [listingParams(evilAddress)]),
      );
      await evil.arm(
        marketplaceAddress,
        marketplace.interface.encodeFunctionData("updatePrice", [2n, 10n * PRICE]),
        true,
      );
      await expect(marketplace.connect(consumer).rent(2n, HOURS_BOOKED, PRICE)).to.changeTokenBalances(
        ethers,
        evil,
        [consumer],
        [-AMOUNT],
      );
      expect(await evil.reentrySucceeded()).to.equal(true);
      expect((await marketplace.getListing(2n)).pricePerHour).to.equal(10n * PRICE);
      const rental = await marketplace.getRental(1n);
      expect(rental.amount).to.equal(AMOUNT);
      expect(rental.listingId).to.equal(2n);
      await solvent();
    });

    it("a listing created from inside rent gets the next id without disturbing the rental's", async () => {
      const { marketplace, evil, evilAddress, consumer, marketplaceAddress, solvent } = await loadFixture(
        reentrantFixture,
      );
      await evil.arm(
        marketplaceAddress,
        marketplace.interface.encodeFunctionData("createListing", [listingParams(evilAddress)]),
        true,
      );
      await marketplace.connect(consumer).rent(1n, HOURS_BOOKED, PRICE);
      expect(await marketplace.listingCount()).to.equal(2n);
      expect(await marketplace.rentalCount()).to.equal(1n);
      expect((await marketplace.getListing(2n)).provider).to.equal(evilAddress);
      expect((await marketplace.getRental(1n)).listingId).to.equal(1n);
      await solvent();
    });
  });

  describe("a provider raising the price in the same block as a rent", () => {
    it("makes the rent revert with Marketplace_PriceAboveMax instead of overcharging", async () => {
      const { marketplace, token, provider, consumer, listingId, marketplaceAddress } = await loadFixture(
        listedFixture,
      );
      const consumerBefore = await token.balanceOf(consumer.address);
      const gwei = 10n ** 9n;
      await ethers.provider.send("evm_setAutomine", [false]);
      let raise, rent;
      try {
        // The raise pays a higher tip, so it is ordered first in the block, as a front-runner would do.
        raise = await marketplace.connect(provider).updatePrice(listingId, 3n * PRICE, {
          gasLimit: 100_000n,
          maxFeePerGas: 100n * gwei,
          maxPriorityFeePerGas: 50n * gwei,
        });
        rent = await marketplace.connect(consumer).rent(listingId, HOURS_BOOKED, PRICE, {
          gasLimit: 300_000n,
          maxFeePerGas: 100n * gwei,
          maxPriorityFeePerGas: gwei,
        });
        await networkHelpers.mine();
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const [raised, rented] = [await raise.wait(), await ethers.provider.getTransactionReceipt(rent.hash)];
      expect(rented!.blockNumber).to.equal(raised!.blockNumber);
      expect(raised!.index).to.be.lessThan(rented!.index);
      expect(rented!.status).to.equal(0);
      await expect(rent)
        .to.be.revertedWithCustomError(marketplace, "Marketplace_PriceAboveMax")
        .withArgs(listingId, 3n * PRICE, PRICE);
      expect(await token.balanceOf(consumer.address)).to.equal(consumerBefore);
      expect(await token.balanceOf(marketplaceAddress)).to.equal(0n);
      expect(await marketplace.rentalCount()).to.equal(0n);
    });
  });

  describe("a front-run permit", () => {
    it("still rents: the permit already submitted by someone else left the allowance rentWithPermit needs", async () => {
      const d = await loadFixture(listedFixture);
      const { marketplace, token, stranger, other, listingId, marketplaceAddress } = d;
      await token.mint(stranger.address, MINTED);
      const deadline = BigInt(await time.latest()) + HOUR;
      const value = 10n * PRICE;
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, value, deadline);
      // Someone copies the signature from the mempool and submits the permit first.
      await token.connect(other).permit(stranger.address, marketplaceAddress, value, deadline, v, r, s);
      expect(await token.nonces(stranger.address)).to.equal(1n);
      await expect(
        marketplace.connect(stranger).rentWithPermit(listingId, HOURS_BOOKED, PRICE, value, deadline, v, r, s),
      )
        .to.emit(marketplace, "RentalRequested")
        .withArgs(1n, listingId, stranger.address, HOURS_BOOKED, PRICE, AMOUNT, 250n);
      expect(await token.allowance(stranger.address, marketplaceAddress)).to.equal(value - AMOUNT);
      await expectSolvent(marketplace, token, [stranger, other]);
    });

    it("does not let a front-runner spend the allowance elsewhere: only the marketplace is the spender", async () => {
      const d = await loadFixture(listedFixture);
      const { token, stranger, other, marketplaceAddress } = d;
      await token.mint(stranger.address, MINTED);
      const deadline = BigInt(await time.latest()) + HOUR;
      const { v, r, s } = await signPermit(token, stranger, marketplaceAddress, PRICE, deadline);
      await token.connect(other).permit(stranger.address, marketplaceAddress, PRICE, deadline, v, r, s);
      await expect(token.connect(other).transferFrom(stranger.address, other.address, PRICE))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(other.address, 0n, PRICE);
    });
  });

  describe("a fee-on-transfer token", () => {
    it("is refused with Marketplace_TransferShortfall: escrow never counts more than arrived", async () => {
      const d = await loadFixture(deployFixture);
      const fot = (await ethers.deployContract("FeeOnTransferERC20", [100n])) as unknown as FeeOnTransferERC20;
      const fotAddress = await fot.getAddress();
      await listHostileToken(d.marketplace, fot, [d.consumer]);
      await d.marketplace.connect(d.provider).createListing(listingParams(fotAddress));
      // 1% is burnt in transit: 2 FOT sent, 1.98 arrive.
      await expect(d.marketplace.connect(d.consumer).rent(1n, HOURS_BOOKED, PRICE))
        .to.be.revertedWithCustomError(d.marketplace, "Marketplace_TransferShortfall")
        .withArgs(fotAddress, AMOUNT, AMOUNT - AMOUNT / 100n);
      expect(await d.marketplace.escrowed(fotAddress)).to.equal(0n);
      expect(await d.marketplace.rentalCount()).to.equal(0n);
      expect(await fot.balanceOf(d.marketplaceAddress)).to.equal(0n);
    });
  });

  describe("a receiver that cannot receive", () => {
    async function blocklistFixture() {
      const d = await deployFixture();
      const blk = (await ethers.deployContract("BlocklistERC20")) as unknown as BlocklistERC20;
      const blkAddress = await blk.getAddress();
      await listHostileToken(d.marketplace, blk, [d.consumer, d.other]);
      await d.marketplace.connect(d.provider).createListing(listingParams(blkAddress, { capacity: 2n }));
      await d.marketplace.connect(d.consumer).rent(1n, HOURS_BOOKED, PRICE);
      await d.marketplace.connect(d.other).rent(1n, HOURS_BOOKED, PRICE);
      await d.marketplace.connect(d.provider).accept(1n);
      await d.marketplace.connect(d.provider).accept(2n);
      const everyone = [d.admin, d.treasury, d.provider, d.consumer, d.other, d.stranger];
      return { ...d, blk, blkAddress, solvent: () => expectSolvent(d.marketplace, blk, everyone) };
    }

    it("only blocks its own withdraw; the other consumer, the treasury and later the provider are paid", async () => {
      const { marketplace, blk, blkAddress, provider, other, treasury, stranger, solvent } = await loadFixture(
        blocklistFixture,
      );
      await time.increase(HOUR);
      await marketplace.connect(provider).release(1n);
      await blk.setBlocked(provider.address, true);

      const providerCredit = await marketplace.creditOf(provider.address, blkAddress);
      await expect(marketplace.connect(provider).withdraw(blkAddress))
        .to.be.revertedWithCustomError(blk, "BlocklistERC20_Blocked")
        .withArgs(provider.address);
      expect(await marketplace.creditOf(provider.address, blkAddress)).to.equal(providerCredit);

      await marketplace.connect(other).terminate(2n);
      const refund = await marketplace.creditOf(other.address, blkAddress);
      await expect(marketplace.connect(other).withdraw(blkAddress)).to.changeTokenBalances(
        ethers,
        blk,
        [other],
        [refund],
      );
      const fees = await marketplace.accruedFees(blkAddress);
      await expect(marketplace.connect(stranger).withdrawFees(blkAddress)).to.changeTokenBalances(
        ethers,
        blk,
        [treasury],
        [fees],
      );
      await time.increase(HOUR);
      await marketplace.connect(stranger).settle(1n);
      await solvent();

      await blk.setBlocked(provider.address, false);
      const owed = await marketplace.creditOf(provider.address, blkAddress);
      expect(owed).to.be.greaterThan(providerCredit);
      await expect(marketplace.connect(provider).withdraw(blkAddress)).to.changeTokenBalances(
        ethers,
        blk,
        [provider],
        [owed],
      );
      await solvent();
    });

    it("a consumer that cannot receive never stops the provider from being paid", async () => {
      const { marketplace, blk, blkAddress, provider, consumer, stranger, solvent } = await loadFixture(
        blocklistFixture,
      );
      await blk.setBlocked(consumer.address, true);
      await time.increase(HOUR);
      await marketplace.connect(consumer).terminate(1n);
      expect((await marketplace.getRental(1n)).status).to.equal(Status.Completed);
      await time.increase(HOUR);
      await marketplace.connect(stranger).settle(2n);
      const owed = await marketplace.creditOf(provider.address, blkAddress);
      expect(owed).to.be.greaterThan(AMOUNT - feeOf(AMOUNT));
      await expect(marketplace.connect(provider).withdraw(blkAddress)).to.changeTokenBalances(
        ethers,
        blk,
        [provider],
        [owed],
      );
      await expect(marketplace.connect(consumer).withdraw(blkAddress))
        .to.be.revertedWithCustomError(blk, "BlocklistERC20_Blocked")
        .withArgs(consumer.address);
      await solvent();
    });
  });

  describe("privileged functions called by a stranger", () => {
    async function rolesFixture() {
      const d = await activeFixture();
      await d.marketplace.connect(d.consumer).openDispute(d.rentalId);
      return {
        ...d,
        ADMIN: await d.marketplace.DEFAULT_ADMIN_ROLE(),
        PAUSER: await d.marketplace.PAUSER_ROLE(),
        ARBITER: await d.marketplace.ARBITER_ROLE(),
        FEE_MANAGER: await d.marketplace.FEE_MANAGER_ROLE(),
        MINTER: await d.token.MINTER_ROLE(),
      };
    }
    type Roles = Awaited<ReturnType<typeof rolesFixture>>;
    type Role = "ADMIN" | "PAUSER" | "ARBITER" | "FEE_MANAGER";
    type Call = (d: Roles, who: HardhatEthersSigner) => Promise<unknown>;

    const cases: Array<[string, Role, Call]> = [
      ["setPaymentToken", "ADMIN", (d, who) => d.marketplace.connect(who).setPaymentToken(who.address, true)],
      ["setFee", "FEE_MANAGER", (d, who) => d.marketplace.connect(who).setFee(0n)],
      ["setTreasury", "ADMIN", (d, who) => d.marketplace.connect(who).setTreasury(who.address)],
      ["setAcceptanceTimeout", "ADMIN", (d, who) => d.marketplace.connect(who).setAcceptanceTimeout(3600n)],
      ["setDisputeTimeout", "ADMIN", (d, who) => d.marketplace.connect(who).setDisputeTimeout(86_400n * 2n)],
      ["pause", "PAUSER", (d, who) => d.marketplace.connect(who).pause()],
      ["resolveDispute", "ARBITER", (d, who) => d.marketplace.connect(who).resolveDispute(d.rentalId, 0n)],
      ["grantRole", "ADMIN", (d, who) => d.marketplace.connect(who).grantRole(d.ARBITER, who.address)],
      ["revokeRole", "ADMIN", (d, who) => d.marketplace.connect(who).revokeRole(d.ARBITER, d.admin.address)],
    ];
    for (const [name, role, call] of cases) {
      it(`${name} reverts with AccessControlUnauthorizedAccount (${
        role === "ADMIN" ? "DEFAULT_ADMIN" : role
      }_ROLE)`, async () => {
        const d = await loadFixture(rolesFixture);
        for (const who of [d.stranger, d.provider, d.consumer]) {
          await expect(call(d, who))
            .to.be.revertedWithCustomError(d.marketplace, "AccessControlUnauthorizedAccount")
            .withArgs(who.address, d[role]);
        }
      });
    }

    it("unpause reverts with AccessControlUnauthorizedAccount (PAUSER_ROLE)", async () => {
      const d = await loadFixture(rolesFixture);
      await d.marketplace.pause();
      await expect(d.marketplace.connect(d.stranger).unpause())
        .to.be.revertedWithCustomError(d.marketplace, "AccessControlUnauthorizedAccount")
        .withArgs(d.stranger.address, d.PAUSER);
    });

    it("one role does not grant another: a pauser cannot set the fee or resolve disputes", async () => {
      const d = await loadFixture(rolesFixture);
      await d.marketplace.grantRole(d.PAUSER, d.other.address);
      await expect(d.marketplace.connect(d.other).setFee(0n))
        .to.be.revertedWithCustomError(d.marketplace, "AccessControlUnauthorizedAccount")
        .withArgs(d.other.address, d.FEE_MANAGER);
      await expect(d.marketplace.connect(d.other).resolveDispute(d.rentalId, 0n))
        .to.be.revertedWithCustomError(d.marketplace, "AccessControlUnauthorizedAccount")
        .withArgs(d.other.address, d.ARBITER);
    });

    it("FTNSToken.mint reverts with AccessControlUnauthorizedAccount (MINTER_ROLE)", async () => {
      const d = await loadFixture(rolesFixture);
      await expect(d.token.connect(d.stranger).mint(d.stranger.address, 1n))
        .to.be.revertedWithCustomError(d.token, "AccessControlUnauthorizedAccount")
        .withArgs(d.stranger.address, d.MINTER);
    });
  });
});
