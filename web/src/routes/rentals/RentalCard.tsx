/** One rental in a list: where it stands, what it cost, each on-chain step with its hash, what to do next. */
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Rental } from "../../api/types";
import { useServices } from "../../app/services";
import { Ftns, HashLink, StatusBadge } from "../../components/bits";
import { RentalActions } from "../../components/RentalActions";
import { formatDateTime, shortAddress } from "../../lib/format";
import { EVENT_LABELS } from "../../lib/rental";

export function RentalCard({ rental, viewAs }: { rental: Rental; viewAs: "consumer" | "provider" }) {
  const { api } = useServices();
  // Refetched when the rental changes; the steps already shown stay until the new ones arrive.
  const detail = useQuery({
    queryKey: ["api", "transaction", rental.id, rental.updated.block],
    queryFn: ({ signal }) => api.transaction(rental.id, signal),
    placeholderData: (previous) => previous,
  });
  const steps = detail.data?.transitions ?? [{ event: "RentalRequested", blockNumber: rental.requested.block, logIndex: 0, time: rental.requested.time, txHash: rental.requested.txHash, args: {} }];
  return (
    <article className="card rental" data-rental-id={rental.id} data-status={rental.status}>
      <header className="rental__head">
        <div>
          <h3 className="rental__title">
            <Link to={`/resources/${rental.listingId}`}>{rental.listingTitle ?? `Listing #${rental.listingId}`}</Link>
          </h3>
          <p className="muted small">
            Rental #{rental.id} · {rental.hoursBooked} h · {viewAs === "consumer" ? `provider ${shortAddress(rental.provider)}` : `consumer ${shortAddress(rental.consumer)}`}
          </p>
        </div>
        <StatusBadge status={rental.status} />
      </header>
      <dl className="rental__money">
        <div>
          <dt>Escrowed</dt>
          <dd>
            <Ftns value={rental.escrowed} />
          </dd>
        </div>
        <div>
          <dt>{viewAs === "provider" ? "Earned" : "Paid out"}</dt>
          <dd>
            <Ftns value={viewAs === "provider" ? rental.providerReceived : rental.released} />
          </dd>
        </div>
        <div>
          <dt>Refunded</dt>
          <dd>
            <Ftns value={rental.refunded} />
          </dd>
        </div>
        <div>
          <dt>{rental.endsAt ? "Ends" : "Requested"}</dt>
          <dd>{formatDateTime(rental.endsAt ?? rental.requested.time)}</dd>
        </div>
      </dl>
      <ol className="steps" aria-label="On-chain steps">
        {steps.map((step) => (
          <li key={`${step.txHash}-${step.logIndex}`} className="steps__item" data-event={step.event}>
            <span className="steps__label">{EVENT_LABELS[step.event] ?? step.event}</span>
            <span className="muted small">
              {formatDateTime(step.time)} · <HashLink hash={step.txHash} />
            </span>
          </li>
        ))}
      </ol>
      {rental.rating !== null ? <p className="small">Rated {"★".repeat(rental.rating)} ({rental.rating}/5)</p> : null}
      <footer className="rental__foot">
        <RentalActions rental={rental} />
        <Link to={`/rentals/${rental.id}`} className="small">
          Receipt
        </Link>
      </footer>
    </article>
  );
}
