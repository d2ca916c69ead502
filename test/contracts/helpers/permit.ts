import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Signature } from "ethers";
import { ethers } from "./fixtures.js";

interface PermitToken {
  getAddress(): Promise<string>;
  name(): Promise<string>;
  nonces(owner: string): Promise<bigint>;
}

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/**
 * An ERC-2612 permit signed by `signer` for `owner` (the signer itself unless a test forges one).
 * Returns v, r, s ready for `permit` / `rentWithPermit`.
 */
export async function signPermit(
  token: PermitToken,
  signer: HardhatEthersSigner,
  spender: string,
  value: bigint,
  deadline: bigint,
  owner: string = signer.address,
): Promise<{ v: number; r: string; s: string }> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
  const message = { owner, spender, value, nonce: await token.nonces(owner), deadline };
  const { v, r, s } = Signature.from(await signer.signTypedData(domain, PERMIT_TYPES, message));
  return { v, r, s };
}
