/**
 * Sends contract writes and signature requests through the shared transaction log. Each call site
 * keeps its latest entry for an inline status; the activity panel shows all of them.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState, useSyncExternalStore } from "react";
import type { Abi, Address, TransactionReceipt } from "viem";
import { useConfig } from "wagmi";
import { useServices } from "../app/services";
import type { WagmiConfig } from "../config/wagmi";
import { describeError } from "../lib/errors";
import { executeContractWrite } from "../tx/execute";
import type { TxEntry } from "../tx/store";
import { useWallet } from "./useWallet";

export type WriteCall = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

export function useTxEntry(id: number | undefined): TxEntry | undefined {
  const { txs } = useServices();
  const get = () => (id === undefined ? undefined : txs.get(id));
  return useSyncExternalStore(txs.subscribe, get, get);
}

export function useWrite() {
  const { txs, config } = useServices();
  const wagmi = useConfig() as WagmiConfig;
  const queryClient = useQueryClient();
  const { address } = useWallet();
  const [lastId, setLastId] = useState<number>();
  const entry = useTxEntry(lastId);

  const fail = useCallback(
    (id: number, error: unknown) => {
      const described = describeError(error);
      txs.update(id, { status: "failed", error: described.message, errorName: described.errorName, rejected: described.rejected });
    },
    [txs],
  );

  /** One transaction; resolves with its receipt, or undefined when it did not go through (the entry says why). */
  const write = useCallback(
    async (label: string, call: WriteCall): Promise<TransactionReceipt | undefined> => {
      const id = txs.start(label);
      setLastId(id);
      if (!address) {
        txs.update(id, { status: "failed", error: "Connect a wallet first." });
        return undefined;
      }
      try {
        const receipt = await executeContractWrite({
          config: wagmi,
          request: { ...call, account: address, chainId: config.chainId },
          onStep: (patch) => txs.update(id, patch),
        });
        void queryClient.invalidateQueries({ queryKey: ["chain"] });
        void queryClient.invalidateQueries({ queryKey: ["api"] });
        return receipt;
      } catch (error) {
        fail(id, error);
        return undefined;
      }
    },
    [address, config.chainId, fail, queryClient, txs, wagmi],
  );

  /** A signature request (no transaction); `run` does the asking. Throws nothing: undefined on failure. */
  const sign = useCallback(
    async <T,>(label: string, run: () => Promise<T>, options: { onError?: (error: unknown) => boolean } = {}): Promise<T | undefined> => {
      const id = txs.start(label);
      setLastId(id);
      txs.update(id, { status: "signing" });
      try {
        const result = await run();
        txs.update(id, { status: "signed" });
        return result;
      } catch (error) {
        // The caller may take over (e.g. fall back to approve + rent when the wallet cannot sign typed data).
        if (options.onError?.(error)) {
          txs.dismiss(id);
          return undefined;
        }
        fail(id, error);
        return undefined;
      }
    },
    [fail, txs],
  );

  return { write, sign, entry, busy: entry !== undefined && ["preparing", "signing", "pending"].includes(entry.status) };
}
