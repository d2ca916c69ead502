/** The next steps a rental allows for the viewer, each a transaction with its status shown right there. */
import { useState } from "react";
import type { Abi } from "viem";
import { marketplaceAbi } from "../../../generated/abis";
import type { Rental } from "../api/types";
import { useServices } from "../app/services";
import { useChainNow, useMarketSettings } from "../hooks/useChainReads";
import { useWallet } from "../hooks/useWallet";
import { useWrite } from "../hooks/useWrite";
import { ACTION_LABELS, availableActions, type RentalAction } from "../lib/rental";
import { TxNotice } from "./TxNotice";

const CONFIRM: Partial<Record<RentalAction, string>> = {
  terminate: "End it now? You keep the refund of the unused time; the provider keeps what accrued.",
  dispute: "Freeze the unreleased escrow until an arbiter decides?",
  reject: "Decline this request? The consumer is refunded in full.",
  cancel: "Withdraw your request? Your escrow is credited back.",
};

const FUNCTION: Record<Exclude<RentalAction, "rate">, string> = {
  cancel: "cancel",
  terminate: "terminate",
  dispute: "openDispute",
  accept: "accept",
  reject: "reject",
  release: "release",
  settle: "settle",
  refundExpired: "refundExpired",
};

export function RentalActions({ rental }: { rental: Rental }) {
  const { config } = useServices();
  const wallet = useWallet();
  const now = useChainNow();
  const settings = useMarketSettings();
  const { write, entry, busy } = useWrite();
  const [confirming, setConfirming] = useState<RentalAction | null>(null);
  const [score, setScore] = useState("5");

  const actions = availableActions(rental, wallet.address, { now, acceptanceTimeout: settings.data?.acceptanceTimeout ?? 1800, rated: rental.rating !== null });
  if (actions.length === 0 && !entry) return null;

  const run = (action: Exclude<RentalAction, "rate">) => {
    setConfirming(null);
    void write(`${ACTION_LABELS[action]} · rental #${rental.id}`, {
      address: config.marketplace,
      abi: marketplaceAbi as Abi,
      functionName: FUNCTION[action],
      args: [BigInt(rental.id)],
    });
  };

  return (
    <div className="actions">
      <div className="actions__row">
        {actions.map((action) =>
          action === "rate" ? (
            <form
              key="rate"
              className="rate-form"
              onSubmit={(e) => {
                e.preventDefault();
                void write(`Rate rental #${rental.id} ${score}★`, {
                  address: config.marketplace,
                  abi: marketplaceAbi as Abi,
                  functionName: "rate",
                  args: [BigInt(rental.id), Number(score)],
                });
              }}
            >
              <label htmlFor={`score-${rental.id}`}>Your rating</label>
              <select id={`score-${rental.id}`} value={score} onChange={(e) => setScore(e.target.value)}>
                {[5, 4, 3, 2, 1].map((s) => (
                  <option key={s} value={s}>
                    {"★".repeat(s)} {s}
                  </option>
                ))}
              </select>
              <button type="submit" className="btn btn--small btn--primary" disabled={busy || !wallet.ready}>
                Rate
              </button>
            </form>
          ) : confirming === action ? (
            <div key={action} className="confirm" role="group" aria-label={`Confirm ${ACTION_LABELS[action]}`}>
              <span className="confirm__text">{CONFIRM[action]}</span>
              <button type="button" className="btn btn--small btn--danger" onClick={() => run(action)}>
                Yes, {ACTION_LABELS[action].toLowerCase()}
              </button>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setConfirming(null)}>
                Keep it
              </button>
            </div>
          ) : (
            <button
              key={action}
              type="button"
              className={`btn btn--small${action === "accept" || action === "release" || action === "settle" ? " btn--primary" : ""}`}
              disabled={busy || !wallet.ready}
              onClick={() => (CONFIRM[action] ? setConfirming(action) : run(action))}
            >
              {ACTION_LABELS[action]}
            </button>
          ),
        )}
      </div>
      <TxNotice entry={entry} compact />
    </div>
  );
}
