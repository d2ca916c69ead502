/** Small presentational pieces used across pages. */
import type { ReactNode } from "react";
import type { Amount as ApiAmount, RentalStatus } from "../api/types";
import { useServices } from "../app/services";
import { formatAmount, shortAddress, shortHash } from "../lib/format";
import { STATUS_LABELS, STATUS_TONE } from "../lib/rental";

export function Ftns({ value, maxDecimals = 4, unit = true }: { value: bigint | ApiAmount | string | null | undefined; maxDecimals?: number; unit?: boolean }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  const units = typeof value === "bigint" ? value : BigInt(typeof value === "string" ? value : value.amount);
  const symbol = typeof value === "object" && value !== null && "symbol" in value ? (value.symbol ?? "tokens") : "FTNS";
  return (
    <span className="amount">
      {formatAmount(units, { maxDecimals })}
      {unit ? <span className="amount__unit"> {symbol}</span> : null}
    </span>
  );
}

export function StatusBadge({ status }: { status: RentalStatus }) {
  return <span className={`badge badge--${STATUS_TONE[status]}`} data-status={status}>{STATUS_LABELS[status]}</span>;
}

export function Badge({ tone = "neutral", children }: { tone?: "info" | "success" | "warning" | "danger" | "neutral"; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}

export function Stars({ average, count }: { average: number | null; count: number }) {
  if (average === null || count === 0) return <span className="muted stars">No ratings yet</span>;
  const full = Math.round(average);
  return (
    <span className="stars" aria-label={`Rated ${average.toFixed(1)} out of 5 from ${count} rating${count === 1 ? "" : "s"}`}>
      <span aria-hidden="true" className="stars__glyphs">
        {"★".repeat(full)}
        <span className="stars__off">{"★".repeat(5 - full)}</span>
      </span>{" "}
      <span className="stars__text">
        {average.toFixed(1)} <span className="muted">({count})</span>
      </span>
    </span>
  );
}

export function HashLink({ hash, kind = "tx" }: { hash: string; kind?: "tx" | "address" }) {
  const { config } = useServices();
  const text = kind === "tx" ? shortHash(hash) : shortAddress(hash);
  if (config.explorerUrl) {
    return (
      <a className="mono" href={`${config.explorerUrl}/${kind}/${hash}`} target="_blank" rel="noreferrer" title={hash}>
        {text}
      </a>
    );
  }
  return (
    <span className="mono hash" title={hash} data-hash={hash}>
      {text}
    </span>
  );
}

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="sr-only">{label}</span>
    </span>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children ? <div className="empty__body">{children}</div> : null}
    </div>
  );
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="notice notice--danger" role="alert">
      <p>{message}</p>
      {onRetry ? (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Skeleton({ lines = 3 }: { lines?: number }) {
  return (
    <div className="skeleton" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton__line" style={{ width: `${90 - i * 15}%` }} />
      ))}
    </div>
  );
}
