/** The page's recent wallet requests, newest first, in a corner panel that never hides a failure silently. */
import { useEffect, useState, useSyncExternalStore } from "react";
import { useServices } from "../app/services";
import { TxNotice } from "./TxNotice";

const SHOWN = 3;
const FADE_MS = 6_000;

export function ActivityPanel() {
  const { txs } = useServices();
  const entries = useSyncExternalStore(txs.subscribe, txs.list, txs.list);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 2_000);
    return () => clearInterval(timer);
  }, []);
  // Successes and declines fade after a while (the page shows their result); failures and anything
  // still open stay until dismissed.
  const settledQuietly = (e: (typeof entries)[number]) => e.status === "confirmed" || e.status === "signed" || (e.status === "failed" && e.rejected);
  const visible = entries.filter((e) => !(settledQuietly(e) && now - e.startedAt > FADE_MS)).slice(0, SHOWN);
  if (visible.length === 0) return null;
  return (
    <section className="activity" aria-label="Transactions">
      {visible.map((entry) => (
        <div key={entry.id} className="activity__item">
          <TxNotice entry={entry} compact />
          <button type="button" className="activity__close" aria-label={`Dismiss ${entry.label}`} onClick={() => txs.dismiss(entry.id)}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
