import { Link } from "react-router";
import type { Listing } from "../../api/types";
import { Badge, Ftns, Stars } from "../../components/bits";
import { categoryLabel, specLabel, specValue } from "../../lib/format";

export function ListingCard({ listing, reason }: { listing: Listing; reason?: string }) {
  const free = Math.max(0, listing.capacity - listing.openRentals);
  const specs = Object.entries(listing.specifications).slice(0, 3);
  return (
    <article className="card listing-card" data-listing-id={listing.id}>
      <div className="listing-card__top">
        <Badge tone="info">{categoryLabel(listing.category)}</Badge>
        {!listing.active ? <Badge tone="danger">Inactive</Badge> : free === 0 ? <Badge tone="warning">Fully booked</Badge> : <Badge tone="success">{free} free</Badge>}
      </div>
      <h3 className="listing-card__title">
        <Link to={`/resources/${listing.id}`} className="stretched">
          {listing.title ?? `Listing #${listing.id}`}
        </Link>
      </h3>
      <p className="listing-card__meta muted">
        {[listing.resourceType, listing.location].filter(Boolean).join(" · ") || "No details"}
      </p>
      {specs.length > 0 ? (
        <dl className="listing-card__specs">
          {specs.map(([key, value]) => (
            <div key={key}>
              <dt>{specLabel(key)}</dt>
              <dd>{specValue(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {reason ? <p className="listing-card__reason">{reason}</p> : null}
      <div className="listing-card__bottom">
        <span className="listing-card__price">
          <Ftns value={listing.pricePerHour} maxDecimals={3} />
          <span className="muted"> / hour</span>
        </span>
        <Stars average={listing.rating.average} count={listing.rating.count} />
      </div>
    </article>
  );
}
