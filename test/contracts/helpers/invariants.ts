import { expect } from "chai";
import type { Addressable } from "ethers";
import type { Marketplace } from "../../../types/ethers-contracts/index.js";

interface Erc20Like {
  balanceOf(account: string | Addressable): Promise<bigint>;
  getAddress(): Promise<string>;
}

/**
 * The solvency invariant: what the marketplace holds of `token` is exactly the escrow still owed on open
 * rentals, plus fees not yet withdrawn, plus every credit not yet withdrawn. `accounts` must include
 * everyone who may hold a credit in this scenario.
 */
export async function expectSolvent(
  marketplace: Marketplace,
  token: Erc20Like,
  accounts: Array<string | Addressable>,
): Promise<void> {
  const tokenAddress = await token.getAddress();
  const held = await token.balanceOf(await marketplace.getAddress());
  let credits = 0n;
  for (const account of accounts) {
    const address = typeof account === "string" ? account : await account.getAddress();
    credits += await marketplace.creditOf(address, tokenAddress);
  }
  const escrow = await marketplace.escrowed(tokenAddress);
  const fees = await marketplace.accruedFees(tokenAddress);
  expect(held, "token balance == escrowed + accruedFees + credits").to.equal(escrow + fees + credits);
}
