/** Where one transaction stands, said in words, with its hash and, when it failed, the reason. */
import type { TxEntry } from "../tx/store";
import { HashLink } from "./bits";

const STATUS_TEXT: Record<TxEntry["status"], string> = {
  preparing: "Checking…",
  signing: "Confirm in your wallet…",
  pending: "Pending on-chain…",
  confirmed: "Confirmed",
  signed: "Signed",
  failed: "Failed",
};

export function TxNotice({ entry, compact = false }: { entry: TxEntry | undefined; compact?: boolean }) {
  if (!entry) return null;
  const tone = entry.status === "failed" ? (entry.rejected ? "warning" : "danger") : entry.status === "confirmed" || entry.status === "signed" ? "success" : "info";
  return (
    <div className={`tx tx--${tone}${compact ? " tx--compact" : ""}`} role={entry.status === "failed" ? "alert" : "status"} data-tx-status={entry.status}>
      <div className="tx__head">
        <span className={`tx__dot tx__dot--${entry.status}`} aria-hidden="true" />
        <span className="tx__label">{entry.label}</span>
        <span className="tx__status">{entry.rejected ? "Declined" : STATUS_TEXT[entry.status]}</span>
      </div>
      {entry.hash ? (
        <div className="tx__hash">
          Tx <HashLink hash={entry.hash} />
          {entry.blockNumber !== undefined ? <span className="muted"> · block {entry.blockNumber.toString()}</span> : null}
        </div>
      ) : null}
      {entry.error ? <p className="tx__error">{entry.error}</p> : null}
    </div>
  );
}
