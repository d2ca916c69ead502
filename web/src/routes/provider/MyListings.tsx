/** The provider's listings, each editable in place: price, availability, capacity, active or not. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { Abi } from "viem";
import { marketplaceAbi } from "../../../../generated/abis";
import type { Listing } from "../../api/types";
import { useServices } from "../../app/services";
import { Badge, EmptyState, ErrorNotice, Ftns, Skeleton } from "../../components/bits";
import { TxNotice } from "../../components/TxNotice";
import { useChainNow } from "../../hooks/useChainReads";
import { useWallet } from "../../hooks/useWallet";
import { useWrite } from "../../hooks/useWrite";
import { availabilityText, formatAmount, parseAmount } from "../../lib/format";
import { localInputFromUnix, MAX_CAPACITY, MAX_UINT96, unixFromLocalInput } from "../../lib/listing-form";

const unix = (iso: string | null) => (iso ? Math.floor(new Date(iso).getTime() / 1000) : 0);

function ListingEditor({ listing, onClose }: { listing: Listing; onClose: () => void }) {
  const { config } = useServices();
  const wallet = useWallet();
  const chainNow = useChainNow();
  const { write, entry, busy } = useWrite();
  const [price, setPrice] = useState(formatAmount(BigInt(listing.pricePerHour.amount), { maxDecimals: 18, grouped: false }));
  const [capacity, setCapacity] = useState(String(listing.capacity));
  const [from, setFrom] = useState(localInputFromUnix(unix(listing.availability.from)));
  const [until, setUntil] = useState(localInputFromUnix(unix(listing.availability.until)));
  const [error, setError] = useState<string>();
  const id = BigInt(listing.id);
  const call = (label: string, functionName: string, args: readonly unknown[]) =>
    write(`${label} · listing #${listing.id}`, { address: config.marketplace, abi: marketplaceAbi as Abi, functionName, args });
  const disabled = busy || !wallet.ready;

  return (
    <div className="editor" aria-label={`Edit listing #${listing.id}`} role="group">
      <div className="editor__grid">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const value = parseAmount(price);
            if (value === undefined || value === 0n || value > MAX_UINT96) return setError("The price must be a positive number of FTNS");
            setError(undefined);
            void call("Update price", "updatePrice", [id, value]);
          }}
        >
          <label htmlFor={`price-${listing.id}`}>Price per hour (FTNS)</label>
          <div className="inline">
            <input id={`price-${listing.id}`} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
            <button type="submit" className="btn btn--small" disabled={disabled}>
              Update price
            </button>
          </div>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(capacity);
            if (!/^\d+$/.test(capacity) || n < 1 || n > MAX_CAPACITY) return setError(`Capacity is 1 to ${MAX_CAPACITY}`);
            setError(undefined);
            void call("Update capacity", "updateCapacity", [id, n]);
          }}
        >
          <label htmlFor={`capacity-${listing.id}`}>Concurrent rentals</label>
          <div className="inline">
            <input id={`capacity-${listing.id}`} inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} />
            <button type="submit" className="btn btn--small" disabled={disabled}>
              Update capacity
            </button>
          </div>
        </form>
        <form
          className="editor__wide"
          onSubmit={(e) => {
            e.preventDefault();
            const a = Number(unixFromLocalInput(from) || 0);
            const b = Number(unixFromLocalInput(until) || 0);
            if (Number.isNaN(a) || Number.isNaN(b)) return setError("Not a valid date");
            if (b !== 0 && (b <= a || b <= chainNow)) return setError("The window must end after it starts and in the future");
            setError(undefined);
            void call("Update availability", "updateAvailability", [id, a, b]);
          }}
        >
          <fieldset>
            <legend>Availability window</legend>
            <div className="inline">
              <label className="sr-only" htmlFor={`from-${listing.id}`}>
                Available from
              </label>
              <input id={`from-${listing.id}`} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
              <span aria-hidden="true">→</span>
              <label className="sr-only" htmlFor={`until-${listing.id}`}>
                Available until
              </label>
              <input id={`until-${listing.id}`} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
              <button type="submit" className="btn btn--small" disabled={disabled}>
                Update window
              </button>
            </div>
          </fieldset>
        </form>
      </div>
      {error ? <p className="field__error">{error}</p> : null}
      <div className="inline">
        <button
          type="button"
          className={`btn btn--small${listing.active ? " btn--danger" : ""}`}
          disabled={disabled}
          onClick={() => void call(listing.active ? "Deactivate" : "Reactivate", "setListingActive", [id, !listing.active])}
        >
          {listing.active ? "Deactivate" : "Reactivate"}
        </button>
        <button type="button" className="btn btn--small btn--ghost" onClick={onClose}>
          Done
        </button>
      </div>
      <TxNotice entry={entry} compact />
    </div>
  );
}

export function MyListings() {
  const { api } = useServices();
  const wallet = useWallet();
  const [editing, setEditing] = useState<string | null>(null);
  const listings = useQuery({
    queryKey: ["api", "my-listings", wallet.address],
    enabled: Boolean(wallet.address),
    queryFn: ({ signal }) => api.resources({ provider: wallet.address, active: "any", limit: 100, sort: "newest" }, signal),
  });
  if (listings.isPending) return <Skeleton lines={4} />;
  if (listings.isError) return <ErrorNotice error={listings.error} onRetry={() => void listings.refetch()} />;
  if (listings.data.items.length === 0) return <EmptyState title="You have no listings yet">Create one in “New listing”.</EmptyState>;
  return (
    <div className="stack">
      {listings.data.items.map((listing) => (
        <article key={listing.id} className="card my-listing" data-listing-id={listing.id}>
          <div className="my-listing__row">
            <div>
              <h3 className="h4">
                <Link to={`/resources/${listing.id}`}>{listing.title ?? `Listing #${listing.id}`}</Link>
              </h3>
              <p className="muted small">
                #{listing.id} · {listing.openRentals}/{listing.capacity} in use · {availabilityText(listing.availability.from, listing.availability.until).toLowerCase()}
              </p>
            </div>
            <div className="my-listing__side">
              <Ftns value={listing.pricePerHour} />
              <span className="muted small">/ h</span>
              {listing.active ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Inactive</Badge>}
              <button type="button" className="btn btn--small" aria-expanded={editing === listing.id} onClick={() => setEditing(editing === listing.id ? null : listing.id)}>
                Edit
              </button>
            </div>
          </div>
          {editing === listing.id ? <ListingEditor listing={listing} onClose={() => setEditing(null)} /> : null}
        </article>
      ))}
    </div>
  );
}
