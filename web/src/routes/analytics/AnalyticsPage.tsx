/** Market analytics over a chosen range and aggregation, and picks for the connected address. */
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useSearchParams } from "react-router";
import type { Aggregation, MarketSeries, Metric } from "../../api/types";
import { useServices } from "../../app/services";
import { EmptyState, ErrorNotice, Ftns, Skeleton } from "../../components/bits";
import { Chart } from "../../components/Chart";
import { useWallet } from "../../hooks/useWallet";
import { chartsFor } from "../../lib/market-series";
import { ListingCard } from "../browse/ListingCard";

const METRICS: { id: Metric; label: string }[] = [
  { id: "usage", label: "Usage" },
  { id: "revenue", label: "Revenue" },
  { id: "trends", label: "Trends" },
];
const RANGES = [
  { id: "24h", label: "24 hours" },
  { id: "7d", label: "7 days" },
  { id: "30d", label: "30 days" },
  { id: "90d", label: "90 days" },
  { id: "52w", label: "1 year" },
];
const AGGREGATIONS: Aggregation[] = ["hourly", "daily", "monthly"];

function Totals({ data }: { data: MarketSeries }) {
  const items: [string, ReactNode][] =
    data.metric === "usage"
      ? [
          ["Rentals requested", data.totals.rentalsRequested.toLocaleString()],
          ["Started", data.totals.rentalsStarted.toLocaleString()],
          ["Completed", data.totals.rentalsCompleted.toLocaleString()],
          ["Hours rented", data.totals.hoursRented.toLocaleString()],
        ]
      : data.metric === "revenue"
        ? [
            ["Volume", <Ftns key="v" value={data.totals.volume} maxDecimals={2} />],
            ["Provider earnings", <Ftns key="e" value={data.totals.providerEarnings} maxDecimals={2} />],
            ["Fees", <Ftns key="f" value={data.totals.fees} maxDecimals={2} />],
            ["Refunded", <Ftns key="r" value={data.totals.refunded} maxDecimals={2} />],
          ]
        : [
            ["Listings created", data.totals.listingsCreated.toLocaleString()],
            ["New providers", data.totals.newProviders.toLocaleString()],
            ["Active listings now", data.totals.activeListingsNow.toLocaleString()],
          ];
  return (
    <div className="stats stats--cards">
      {items.map(([label, value]) => (
        <div key={label} className="card stat">
          <span className="stat__label">{label}</span>
          <span className="stat__value">{value}</span>
        </div>
      ))}
    </div>
  );
}

function Recommendations() {
  const { api } = useServices();
  const wallet = useWallet();
  const picks = useQuery({
    queryKey: ["api", "recommendations", wallet.address],
    enabled: Boolean(wallet.address),
    queryFn: ({ signal }) => api.recommendations(wallet.address!, 6, signal),
  });
  return (
    <section aria-labelledby="recs-heading" className="stack">
      <h2 id="recs-heading" className="h3">
        Recommended for you
      </h2>
      {!wallet.address ? <p className="muted">Connect a wallet to see picks based on what you and people like you rented.</p> : null}
      {picks.isPending && wallet.address ? <Skeleton lines={3} /> : null}
      {picks.data?.items.length === 0 ? <EmptyState title="No recommendations yet" /> : null}
      <div className="grid">
        {picks.data?.items.map((item) => (
          <ListingCard key={item.id} listing={item} reason={item.reason.text} />
        ))}
      </div>
    </section>
  );
}

export function AnalyticsPage() {
  const { api } = useServices();
  const [params, setParams] = useSearchParams();
  const metric = (METRICS.find((m) => m.id === params.get("metric"))?.id ?? "usage") as Metric;
  const range = RANGES.find((r) => r.id === params.get("range"))?.id ?? "30d";
  const aggregation = (AGGREGATIONS.find((a) => a === params.get("agg")) ?? "daily") as Aggregation;
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  };
  const data = useQuery({
    queryKey: ["api", "analytics", metric, range, aggregation],
    queryFn: ({ signal }) => api.analytics(metric, range, aggregation, signal),
    placeholderData: (previous) => previous,
  });

  return (
    <div className="page">
      <div className="page__head">
        <h1>Market analytics</h1>
      </div>
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label="Metric">
          {METRICS.map((m) => (
            <button key={m.id} type="button" role="tab" aria-selected={metric === m.id} className={`segmented__item${metric === m.id ? " segmented__item--on" : ""}`} onClick={() => set("metric", m.id)}>
              {m.label}
            </button>
          ))}
        </div>
        <label className="sort">
          <span>Range</span>
          <select value={range} onChange={(e) => set("range", e.target.value)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label className="sort">
          <span>Per</span>
          <select value={aggregation} onChange={(e) => set("agg", e.target.value)}>
            {AGGREGATIONS.map((a) => (
              <option key={a} value={a}>
                {a === "hourly" ? "hour" : a === "daily" ? "day" : "month"}
              </option>
            ))}
          </select>
        </label>
      </div>
      {data.isError ? <ErrorNotice error={data.error} onRetry={() => void data.refetch()} /> : null}
      {data.isPending ? <Skeleton lines={6} /> : null}
      {data.data ? (
        <>
          <Totals data={data.data} />
          <div className="charts-grid">
            {chartsFor(data.data).map((chart) => (
              <div key={chart.title} className="card">
                <Chart title={chart.title} kind={chart.kind} labels={chart.labels} series={chart.series} />
              </div>
            ))}
          </div>
        </>
      ) : null}
      <Recommendations />
    </div>
  );
}
