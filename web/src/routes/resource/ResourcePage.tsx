/** One resource: what it is, who provides it, how it is rated, its price over time, how busy it is, and renting it. */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useConfig } from "wagmi";
import { readContract } from "wagmi/actions";
import { marketplaceAbi } from "../../../../generated/abis";
import { ApiError } from "../../api/client";
import { useServices } from "../../app/services";
import { Badge, EmptyState, ErrorNotice, Ftns, HashLink, Skeleton, Stars } from "../../components/bits";
import { Chart } from "../../components/Chart";
import type { WagmiConfig } from "../../config/wagmi";
import { useLiveChannels } from "../../hooks/useLive";
import { bucketLabel, unitsToNumber } from "../../lib/chart";
import { availabilityText, categoryLabel, formatDate, formatDateTime, formatPercent, specLabel, specValue } from "../../lib/format";
import { RentPanel } from "./RentPanel";

export function ResourcePage() {
  const { id = "" } = useParams();
  const { api, config } = useServices();
  const wagmi = useConfig() as WagmiConfig;
  useLiveChannels([`resource:${id}`]);

  const detail = useQuery({ queryKey: ["api", "resource", id], queryFn: ({ signal }) => api.resource(id, signal), retry: (n, e) => !(e instanceof ApiError && e.status === 404) && n < 2 });
  const onChain = useQuery({
    queryKey: ["chain", "listing", id],
    enabled: /^\d+$/.test(id),
    queryFn: () => readContract(wagmi, { address: config.marketplace, abi: marketplaceAbi, functionName: "getListing", args: [BigInt(id)], chainId: config.chainId }),
  });
  const usage = useQuery({ queryKey: ["api", "resource-analytics", id], queryFn: ({ signal }) => api.resourceAnalytics(id, "30d", "daily", signal), enabled: detail.isSuccess });

  if (detail.isPending) return <Skeleton lines={8} />;
  if (detail.isError) {
    return detail.error instanceof ApiError && detail.error.status === 404 ? (
      <EmptyState title={`Listing #${id} was not found`}>
        <p>
          It may not be indexed yet (see the block indicator above), or the link is wrong. <Link to="/">Browse the market</Link>
        </p>
      </EmptyState>
    ) : (
      <ErrorNotice error={detail.error} onRetry={() => void detail.refetch()} />
    );
  }
  const listing = detail.data;
  const chain = onChain.data;
  const price = chain ? chain.pricePerHour : BigInt(listing.pricePerHour.amount);
  const capacity = chain ? Number(chain.capacity) : listing.capacity;
  const open = chain ? Number(chain.openRentals) : listing.openRentals;
  const active = chain ? chain.active : listing.active;
  const until = listing.availability.until ? Math.floor(new Date(listing.availability.until).getTime() / 1000) : null;
  const history = listing.priceHistory;
  const specs = Object.entries(listing.specifications);
  const series = usage.data?.series ?? [];

  return (
    <div className="page resource">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Market</Link> <span aria-hidden="true">/</span> <Link to={`/?category=${listing.category ?? ""}`}>{categoryLabel(listing.category)}</Link>
      </nav>
      <header className="resource__head">
        <div>
          <div className="resource__badges">
            <Badge tone="info">{categoryLabel(listing.category)}</Badge>
            {listing.resourceType ? <Badge>{listing.resourceType}</Badge> : null}
            {active ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Deactivated</Badge>}
          </div>
          <h1 data-testid="resource-title">{listing.title ?? `Listing #${listing.id}`}</h1>
          <p className="muted">
            {listing.location ?? "Location not given"} · listing #{listing.id} · provided by <HashLink hash={listing.provider} kind="address" />
          </p>
          <Stars average={listing.ratingSummary.average} count={listing.ratingSummary.count} />
        </div>
      </header>

      <div className="resource__layout">
        <div className="resource__main">
          {listing.description ? <p className="resource__description">{listing.description}</p> : null}
          {!listing.metadataValid ? <p className="notice notice--warning">The provider's details for this listing are malformed: {listing.metadata.error}</p> : null}

          <section aria-labelledby="specs-heading" className="card">
            <h2 id="specs-heading" className="h3">
              Specifications
            </h2>
            {specs.length === 0 ? (
              <p className="muted">No specifications given.</p>
            ) : (
              <table className="table table--specs">
                <tbody>
                  {specs.map(([key, value]) => (
                    <tr key={key}>
                      <th scope="row">{specLabel(key)}</th>
                      <td>{specValue(value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="avail-heading" className="card">
            <h2 id="avail-heading" className="h3">
              Availability and utilisation
            </h2>
            <div className="stats">
              <div className="stat">
                <span className="stat__label">Free now</span>
                <span className="stat__value" data-testid="free-capacity">
                  {Math.max(0, capacity - open)} of {capacity}
                </span>
              </div>
              <div className="stat">
                <span className="stat__label">Running</span>
                <span className="stat__value">{listing.utilisation.activeRentals}</span>
              </div>
              <div className="stat">
                <span className="stat__label">Awaiting acceptance</span>
                <span className="stat__value">{listing.utilisation.requestedRentals}</span>
              </div>
              <div className="stat">
                <span className="stat__label">Utilisation</span>
                <span className="stat__value">{formatPercent(listing.utilisation.ratio)}</span>
              </div>
            </div>
            <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={capacity} aria-valuenow={open} aria-label="Capacity in use">
              <div className="meter__fill" style={{ width: `${capacity ? Math.min(100, (open / capacity) * 100) : 0}%` }} />
            </div>
            <p className="muted small">
              {availabilityText(listing.availability.from, listing.availability.until)}.
            </p>
            <Chart
              title="Hours booked per day (last 30 days)"
              kind="bar"
              labels={series.map((s) => bucketLabel(s.bucket, "daily"))}
              series={[{ name: "Hours booked", values: series.map((s) => s.hoursBooked), color: "var(--chart-1)" }]}
            />
          </section>

          <section aria-labelledby="price-heading" className="card">
            <h2 id="price-heading" className="h3">
              Price history
            </h2>
            <Chart
              title="Price per hour (FTNS)"
              labels={history.map((p) => formatDate(p.time))}
              series={[{ name: "Price per hour", values: history.map((p) => unitsToNumber(p.newPrice.amount)), color: "var(--chart-2)", format: (v) => `${v} FTNS` }]}
              emptyText="The price has not changed since listing."
            />
            <ul className="timeline">
              {history
                .slice()
                .reverse()
                .slice(0, 5)
                .map((p) => (
                  <li key={`${p.txHash}-${p.blockNumber}`}>
                    <span>
                      {p.oldPrice ? (
                        <>
                          <Ftns value={p.oldPrice} /> → <Ftns value={p.newPrice} />
                        </>
                      ) : (
                        <>
                          Listed at <Ftns value={p.newPrice} />
                        </>
                      )}
                    </span>
                    <span className="muted small">
                      {formatDateTime(p.time)} · <HashLink hash={p.txHash} />
                    </span>
                  </li>
                ))}
            </ul>
          </section>

          <section aria-labelledby="rating-heading" className="card">
            <h2 id="rating-heading" className="h3">
              Ratings
            </h2>
            <div className="ratings">
              <Stars average={listing.ratingSummary.average} count={listing.ratingSummary.count} />
              <ul className="ratings__bars">
                {[5, 4, 3, 2, 1].map((score) => {
                  const n = listing.ratingSummary.distribution[String(score)] ?? 0;
                  const total = Math.max(1, listing.ratingSummary.count);
                  return (
                    <li key={score}>
                      <span>{score}★</span>
                      <span className="ratings__bar" aria-hidden="true">
                        <span style={{ width: `${(n / total) * 100}%` }} />
                      </span>
                      <span className="muted">{n}</span>
                    </li>
                  );
                })}
              </ul>
            </div>
            <p className="muted small">
              {listing.popularity.rentals} rentals, {listing.popularity.completed} completed · <Ftns value={listing.totals.volume} maxDecimals={2} /> booked in all
            </p>
          </section>
          <section className="card" aria-labelledby="onchain-heading">
            <h2 id="onchain-heading" className="h3">
              On-chain record
            </h2>
            <ul className="timeline">
              {listing.transactions.slice(-6).map((t) => (
                <li key={`${t.txHash}-${t.logIndex}`}>
                  <span>{t.event.replace(/^Listing/, "")}</span>
                  <span className="muted small">
                    block {t.blockNumber} · <HashLink hash={t.txHash} />
                  </span>
                </li>
              ))}
            </ul>
          </section>
        </div>

        <aside className="resource__side">
          {onChain.isPending ? (
            <Skeleton lines={4} />
          ) : (
            <RentPanel listingId={listing.id} provider={listing.provider} price={price} active={active} freeCapacity={capacity - open} availableUntil={until} />
          )}
        </aside>
      </div>
    </div>
  );
}
