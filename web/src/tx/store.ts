/**
 * Every wallet request the page made, newest first: what it was for, where it stands (waiting for a
 * signature, pending on-chain, confirmed, failed), its hash and the reason it failed. Components read
 * one entry inline; the activity panel shows them all.
 */
import type { Hex } from "viem";

export type TxStatus = "preparing" | "signing" | "pending" | "confirmed" | "signed" | "failed";

export type TxEntry = {
  id: number;
  label: string;
  status: TxStatus;
  hash?: Hex;
  blockNumber?: bigint;
  error?: string;
  errorName?: string;
  /** The user declined in the wallet. */
  rejected?: boolean;
  startedAt: number;
};

export type TxStore = {
  list(): readonly TxEntry[];
  get(id: number): TxEntry | undefined;
  subscribe(listener: () => void): () => void;
  start(label: string): number;
  update(id: number, patch: Partial<Omit<TxEntry, "id">>): void;
  dismiss(id: number): void;
};

export function createTxStore(limit = 20): TxStore {
  let entries: readonly TxEntry[] = [];
  let nextId = 1;
  const listeners = new Set<() => void>();
  const emit = () => {
    for (const listener of listeners) listener();
  };
  return {
    list: () => entries,
    get: (id) => entries.find((e) => e.id === id),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start(label) {
      const id = nextId++;
      entries = [{ id, label, status: "preparing" as const, startedAt: Date.now() }, ...entries].slice(0, limit);
      emit();
      return id;
    },
    update(id, patch) {
      entries = entries.map((e) => (e.id === id ? { ...e, ...patch } : e));
      emit();
    },
    dismiss(id) {
      entries = entries.filter((e) => e.id !== id);
      emit();
    },
  };
}
