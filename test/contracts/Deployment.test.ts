import { expect } from "chai";
import { network } from "hardhat";
import MarketplaceModule from "../../ignition/modules/Marketplace.js";
import type { FTNSToken, Marketplace } from "../../types/ethers-contracts/index.js";
import { DAY, ethers, listingParams, networkHelpers, PRICE, UNIT } from "./helpers/fixtures.js";

const { loadFixture } = networkHelpers;
const { ignition } = await network.getOrCreate();

describe("Ignition module Marketplace", () => {
  async function ignitionFixture() {
    const [deployer, admin, treasury, provider, consumer] = await ethers.getSigners();
    const { token, marketplace } = await ignition.deploy(MarketplaceModule, {
      parameters: {
        Marketplace: {
          admin: admin.address,
          treasury: treasury.address,
          tokenCap: 5_000_000n * UNIT,
          feeBps: 100,
          acceptanceTimeout: 3600,
          disputeTimeout: 3 * 24 * 3600,
        },
      },
      displayUi: false,
    });
    return {
      deployer,
      admin,
      treasury,
      provider,
      consumer,
      token: token as unknown as FTNSToken,
      marketplace: marketplace as unknown as Marketplace,
    };
  }

  it("deploys FTNS with the given cap and the admin as minter", async () => {
    const { token, admin, deployer } = await loadFixture(ignitionFixture);
    expect(await token.cap()).to.equal(5_000_000n * UNIT);
    expect(await token.hasRole(await token.MINTER_ROLE(), admin.address)).to.equal(true);
    expect(await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
    expect(await token.hasRole(await token.MINTER_ROLE(), deployer.address)).to.equal(false);
  });

  it("deploys the marketplace on that token with every setting from the parameters", async () => {
    const { token, marketplace, admin, treasury, deployer } = await loadFixture(ignitionFixture);
    expect(await marketplace.DEFAULT_TOKEN()).to.equal(await token.getAddress());
    expect(await marketplace.treasury()).to.equal(treasury.address);
    expect(await marketplace.feeBps()).to.equal(100n);
    expect(await marketplace.acceptanceTimeout()).to.equal(3600n);
    expect(await marketplace.disputeTimeout()).to.equal(3n * DAY);
    for (const role of ["DEFAULT_ADMIN_ROLE", "PAUSER_ROLE", "ARBITER_ROLE", "FEE_MANAGER_ROLE"] as const) {
      const id = await marketplace[role]();
      expect(await marketplace.hasRole(id, admin.address), role).to.equal(true);
      expect(await marketplace.hasRole(id, deployer.address), role).to.equal(false);
    }
  });

  it("produces a working market: list, rent with the fee from the parameters", async () => {
    const { token, marketplace, admin, provider, consumer } = await loadFixture(ignitionFixture);
    const marketplaceAddress = await marketplace.getAddress();
    await token.connect(admin).mint(consumer.address, 10n * UNIT);
    await token.connect(consumer).approve(marketplaceAddress, ethers.MaxUint256);
    await marketplace.connect(provider).createListing(listingParams(await token.getAddress()));
    await expect(marketplace.connect(consumer).rent(1n, 3n, PRICE))
      .to.emit(marketplace, "RentalRequested")
      .withArgs(1n, 1n, consumer.address, 3n, PRICE, 3n * PRICE, 100n);
  });
});
