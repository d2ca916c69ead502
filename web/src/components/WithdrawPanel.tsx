/** Money the marketplace holds for the connected account (released earnings, refunds), and the button to take it. */
import type { Abi } from "viem";
import { marketplaceAbi } from "../../../generated/abis";
import { useServices } from "../app/services";
import { useCredit } from "../hooks/useChainReads";
import { useWallet } from "../hooks/useWallet";
import { useWrite } from "../hooks/useWrite";
import { Ftns } from "./bits";
import { TxNotice } from "./TxNotice";

export function WithdrawPanel({ title = "Ready to withdraw" }: { title?: string }) {
  const { config } = useServices();
  const wallet = useWallet();
  const credit = useCredit(wallet.address);
  const { write, entry, busy } = useWrite();
  if (!wallet.address) return null;
  return (
    <div className="card withdraw">
      <div>
        <p className="stat__label">{title}</p>
        <p className="stat__value" data-testid="credit">
          {credit.data !== undefined ? <Ftns value={credit.data} maxDecimals={6} /> : "…"}
        </p>
        <p className="muted small">Released earnings and refunds are credited here, then withdrawn to your wallet.</p>
      </div>
      <button
        type="button"
        className="btn btn--primary"
        disabled={busy || !wallet.ready || !credit.data}
        onClick={() => void write("Withdraw FTNS to your wallet", { address: config.marketplace, abi: marketplaceAbi as Abi, functionName: "withdraw", args: [config.token] })}
      >
        Withdraw
      </button>
      <TxNotice entry={entry} compact />
    </div>
  );
}
