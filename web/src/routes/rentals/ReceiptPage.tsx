/** A rental as a receipt: parties, terms, every amount, every on-chain step with its block and hash. */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useServices } from "../../app/services";
import { ErrorNotice, Ftns, HashLink, Skeleton, StatusBadge } from "../../components/bits";
import { RentalActions } from "../../components/RentalActions";
import { useLiveChannels } from "../../hooks/useLive";
import { formatDateTime } from "../../lib/format";
import { EVENT_LABELS } from "../../lib/rental";

export function ReceiptPage() {
  const { id = "" } = useParams();
  const { api } = useServices();
  const receipt = useQuery({ queryKey: ["api", "transaction", id], queryFn: ({ signal }) => api.transaction(id, signal) });
  useLiveChannels(receipt.data ? [`resource:${receipt.data.listingId}`] : []);
  if (receipt.isPending) return <Skeleton lines={8} />;
  if (receipt.isError) return <ErrorNotice error={receipt.error} onRetry={() => void receipt.refetch()} />;
  const r = receipt.data;
  return (
    <div className="page page--narrow receipt">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/rentals">My rentals</Link> <span aria-hidden="true">/</span> Receipt
      </nav>
      <div className="page__head">
        <h1>Receipt · rental #{r.id}</h1>
        <button type="button" className="btn btn--small no-print" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <section className="card">
        <div className="receipt__top">
          <div>
            <p className="h3">
              <Link to={`/resources/${r.listingId}`}>{r.listingTitle ?? `Listing #${r.listingId}`}</Link>
            </p>
            <p className="muted small">Chain {r.chainId} · listing #{r.listingId}</p>
          </div>
          <StatusBadge status={r.status} />
        </div>
        <table className="table">
          <tbody>
            <tr>
              <th scope="row">Consumer</th>
              <td className="mono">{r.consumer}</td>
            </tr>
            <tr>
              <th scope="row">Provider</th>
              <td className="mono">{r.provider}</td>
            </tr>
            <tr>
              <th scope="row">Hours booked</th>
              <td>
                {r.hoursBooked}
                {r.extensions ? ` (${r.extensions} extension${r.extensions === 1 ? "" : "s"})` : ""}
              </td>
            </tr>
            <tr>
              <th scope="row">Price per hour</th>
              <td>
                <Ftns value={r.pricePerHour} maxDecimals={6} />
              </td>
            </tr>
            <tr>
              <th scope="row">Started · ends</th>
              <td>
                {formatDateTime(r.startedAt)} · {formatDateTime(r.endsAt)}
              </td>
            </tr>
            <tr>
              <th scope="row">Escrowed</th>
              <td>
                <Ftns value={r.escrowed} maxDecimals={6} />
              </td>
            </tr>
            <tr>
              <th scope="row">Released to the provider</th>
              <td>
                <Ftns value={r.providerReceived} maxDecimals={6} /> <span className="muted">+ <Ftns value={r.fees} maxDecimals={6} /> protocol fee ({r.feeBps / 100}%)</span>
              </td>
            </tr>
            <tr>
              <th scope="row">Refunded to the consumer</th>
              <td>
                <Ftns value={r.refunded} maxDecimals={6} />
              </td>
            </tr>
            <tr>
              <th scope="row">Still in escrow</th>
              <td>
                <Ftns value={r.heldInEscrow} maxDecimals={6} />
              </td>
            </tr>
            {r.rating !== null ? (
              <tr>
                <th scope="row">Rating</th>
                <td>{"★".repeat(r.rating)} ({r.rating}/5)</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2 className="h3">On-chain steps</h2>
        <ol className="steps">
          {r.transitions.map((t) => (
            <li key={`${t.txHash}-${t.logIndex}`} className="steps__item" data-event={t.event}>
              <span className="steps__label">{EVENT_LABELS[t.event] ?? t.event}</span>
              <span className="muted small">
                {formatDateTime(t.time)} · block {t.blockNumber} · <HashLink hash={t.txHash} />
              </span>
            </li>
          ))}
        </ol>
      </section>
      <div className="no-print">
        <RentalActions rental={r} />
      </div>
    </div>
  );
}
