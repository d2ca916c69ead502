/**
 * The ERC-2612 permit a consumer signs to rent in one transaction. The domain comes from the token's
 * own ERC-5267 `eip712Domain()`, so a renamed or redeployed token still verifies.
 */
import type { Address, Hex } from "viem";

export type TokenDomain = { name: string; version: string; chainId: bigint; verifyingContract: Address };

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type PermitParameters = {
  domain: TokenDomain;
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
};

export function permitTypedData(p: PermitParameters) {
  return {
    domain: { name: p.domain.name, version: p.domain.version, chainId: Number(p.domain.chainId), verifyingContract: p.domain.verifyingContract },
    types: PERMIT_TYPES,
    primaryType: "Permit" as const,
    message: { owner: p.owner, spender: p.spender, value: p.value, nonce: p.nonce, deadline: p.deadline },
  };
}

/** `eip712Domain()` returns (fields, name, version, chainId, verifyingContract, salt, extensions). */
export function domainFromEip712(result: readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]]): TokenDomain {
  return { name: result[1], version: result[2], chainId: result[3], verifyingContract: result[4] };
}

/** A deadline from the chain's clock, not the wall clock: test chains run ahead of it. */
export const permitDeadline = (chainNow: number, validForSeconds = 3600) => BigInt(Math.max(chainNow, Math.floor(Date.now() / 1000)) + validForSeconds);
