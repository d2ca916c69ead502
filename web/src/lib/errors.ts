/**
 * Any failure of a wallet or chain call, turned into one sentence for the page: a rejected request,
 * a wrong network, a contract revert decoded against our ABIs, an unreachable node.
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis";
import { contractErrorMessage } from "./contract-errors";

export type DescribedError = {
  /** What to show. */
  message: string;
  /** The contract's error name, when it was a revert. */
  errorName?: string;
  /** The user said no in the wallet: not a failure to alarm anyone with. */
  rejected: boolean;
};

const errorsAbi = [...marketplaceAbi, ...ftnsTokenAbi].filter((item) => item.type === "error");

/** A transaction that was mined and reverted. */
export class TransactionRevertedError extends Error {
  override name = "TransactionRevertedError";
  constructor(
    readonly hash: Hex,
    readonly revertData?: Hex,
  ) {
    super(`transaction ${hash} reverted`);
  }
}

function codeOf(error: unknown): number | undefined {
  let found: number | undefined;
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== "object" || depth > 8 || found !== undefined) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number") found = code;
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(error, 0);
  return found;
}

function revertDataOf(error: unknown): Hex | undefined {
  let found: Hex | undefined;
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== "object" || depth > 8 || found) return;
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) found = data as Hex;
    else if (data && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
      const inner = (data as { data: string }).data;
      if (/^0x[0-9a-fA-F]{8,}$/.test(inner)) found = inner as Hex;
    }
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(error, 0);
  return found;
}

export function decodeRevert(data: Hex): { errorName: string; args: readonly unknown[] } | undefined {
  try {
    const decoded = decodeErrorResult({ abi: errorsAbi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

export function describeError(error: unknown): DescribedError {
  const code = codeOf(error);
  if (code === 4001) return { message: "You declined the request in your wallet. Nothing was sent.", rejected: true };
  if (code === 4100) return { message: "Your wallet has not authorised this site. Connect it again.", rejected: false };
  if (code === 4902) return { message: "Your wallet does not know this network. Add it in the wallet, then try again.", rejected: false };

  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName) {
        return { message: contractErrorMessage(reverted.data.errorName, reverted.data.args ?? []), errorName: reverted.data.errorName, rejected: false };
      }
      if (reverted.raw) {
        const decoded = decodeRevert(reverted.raw);
        if (decoded) return { message: contractErrorMessage(decoded.errorName, decoded.args), errorName: decoded.errorName, rejected: false };
      }
      if (reverted.reason) return { message: `The contract refused the call: ${reverted.reason}.`, rejected: false };
    }
    const names = new Set<string>();
    error.walk((e) => {
      names.add((e as Error).name);
      return false;
    });
    if (names.has("ChainMismatchError") || names.has("ConnectorChainMismatchError")) {
      return { message: "Your wallet is on another network. Switch to this marketplace's network and try again.", rejected: false };
    }
    if (names.has("InsufficientFundsError")) {
      return { message: "Your account has too little ETH to pay for gas.", rejected: false };
    }
    if (names.has("HttpRequestError") || names.has("TimeoutError")) {
      return { message: "The chain's node did not answer. Check your connection and try again.", rejected: false };
    }
    if (code === 4200 || code === -32601 || names.has("MethodNotSupportedRpcError") || names.has("UnsupportedProviderMethodError")) {
      return { message: "Your wallet does not support this request.", rejected: false };
    }
  }
  const data = revertDataOf(error);
  if (data) {
    const decoded = decodeRevert(data);
    if (decoded) return { message: contractErrorMessage(decoded.errorName, decoded.args), errorName: decoded.errorName, rejected: false };
  }
  if (error instanceof TransactionRevertedError) {
    return { message: "The transaction was mined but reverted; no state changed apart from the gas spent.", rejected: false };
  }
  const short = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { message: short || "Something went wrong.", rejected: false };
}

/** True when the wallet cannot sign typed data at all (as opposed to the user saying no). */
export function isUnsupportedMethod(error: unknown): boolean {
  const code = codeOf(error);
  if (code === 4200 || code === -32601 || code === -32004) return true;
  if (error instanceof BaseError) {
    return Boolean(error.walk((e) => ["MethodNotSupportedRpcError", "UnsupportedProviderMethodError"].includes((e as Error).name)));
  }
  return false;
}
