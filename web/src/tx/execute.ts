/**
 * A contract write from start to receipt: simulate first (a call that would revert is refused before
 * the wallet is asked, with the contract's error decoded), then sign and send, then wait for the
 * receipt. A transaction mined as reverted is replayed at its block to learn why.
 */
import type { Abi, Address, Hex, TransactionReceipt } from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import type { WagmiConfig } from "../config/wagmi";
import { TransactionRevertedError } from "../lib/errors";
import type { TxEntry } from "./store";

export type ContractWrite = {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  account: Address;
  chainId: number;
};

export type ExecuteContractWriteParameters = {
  config: WagmiConfig;
  request: ContractWrite;
  onStep: (patch: Partial<TxEntry>) => void;
};

export async function executeContractWrite({ config, request, onStep }: ExecuteContractWriteParameters): Promise<TransactionReceipt> {
  onStep({ status: "preparing" });
  const simulation = await simulateContract(config, request as never);
  onStep({ status: "signing" });
  const hash = await writeContract(config, simulation.request as never);
  onStep({ status: "pending", hash });
  const receipt = await waitForTransactionReceipt(config, { hash, chainId: request.chainId, pollingInterval: 250 });
  if (receipt.status === "reverted") {
    const cause = await replay(config, request, hash, receipt.blockNumber);
    onStep({ status: "failed", hash, blockNumber: receipt.blockNumber });
    throw cause;
  }
  onStep({ status: "confirmed", hash, blockNumber: receipt.blockNumber });
  return receipt;
}

/**
 * Re-runs the call to decode why it reverted: first on the state after its block (a transaction that
 * lost a race, e.g. to a price change in the same block, fails the same way there), then on the state
 * before it.
 */
async function replay(config: WagmiConfig, request: ContractWrite, hash: Hex, blockNumber: bigint): Promise<unknown> {
  for (const at of [blockNumber, blockNumber - 1n]) {
    try {
      await simulateContract(config, { ...request, blockNumber: at } as never);
    } catch (error) {
      return error;
    }
  }
  return new TransactionRevertedError(hash);
}
