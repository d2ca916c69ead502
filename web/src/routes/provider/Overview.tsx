/** The provider at a glance: money, requests to answer (live), rentals running, earnings and utilisation over time. */
import { useQueries, useQuery } from "@tanstack/react-query";
import { useServices } from "../../app/services";
import { EmptyState, Ftns, Skeleton } from "../../components/bits";
import { Chart } from "../../components/Chart";
import { WithdrawPanel } from "../../components/WithdrawPanel";
import { useWallet } from "../../hooks/useWallet";
import { bucketLabel, unitsToNumber } from "../../lib/chart";
import { formatDuration, formatPercent } from "../../lib/format";
import { combineProviderSeries } from "../../lib/provider-series";
import { RentalCard } from "../rentals/RentalCard";

const CHARTED_LISTINGS = 12;

export function Overview() {
  const { api } = useServices();
  const wallet = useWallet();
  const address = wallet.address!;
  const stats = useQuery({ queryKey: ["api", "provider-analytics", address], queryFn: ({ signal }) => api.providerAnalytics(address, signal) });
  const requests = useQuery({
    queryKey: ["api", "provider-requests", address],
    queryFn: ({ signal }) => api.transactions({ user_id: address, role: "provider", status: ["requested"], limit: 50, sort: "oldest" }, signal),
  });
  const running = useQuery({
    queryKey: ["api", "provider-running", address],
    queryFn: ({ signal }) => api.transactions({ user_id: address, role: "provider", status: ["active", "disputed"], limit: 50 }, signal),
  });
  const listings = useQuery({
    queryKey: ["api", "my-listings", address],
    queryFn: ({ signal }) => api.resources({ provider: address, active: "any", limit: 100, sort: "newest" }, signal),
  });
  const series = useQueries({
    queries: (listings.data?.items ?? []).slice(0, CHARTED_LISTINGS).map((l) => ({
      queryKey: ["api", "resource-analytics", l.id, "90d", "daily"],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.resourceAnalytics(l.id, "90d", "daily", signal),
    })),
  });
  const loaded = series.flatMap((q) => (q.data ? [q.data] : []));
  const points = combineProviderSeries(loaded, "daily");
  const s = stats.data;

  return (
    <div className="stack">
      <div className="stats stats--cards">
        <div className="card stat">
          <span className="stat__label">Earned from rentals</span>
          <span className="stat__value">{s ? <Ftns value={s.earnings.fromRentals} maxDecimals={2} /> : "…"}</span>
        </div>
        <div className="card stat">
          <span className="stat__label">Listings</span>
          <span className="stat__value">{s ? `${s.listings.active} active / ${s.listings.total}` : "…"}</span>
        </div>
        <div className="card stat">
          <span className="stat__label">Completion rate</span>
          <span className="stat__value">{s?.completionRate != null ? formatPercent(s.completionRate) : "—"}</span>
        </div>
        <div className="card stat">
          <span className="stat__label">Average time to accept</span>
          <span className="stat__value">{s?.acceptance.averageSeconds != null ? formatDuration(s.acceptance.averageSeconds) : "—"}</span>
        </div>
      </div>

      <WithdrawPanel title="Earnings ready to withdraw" />

      <section aria-labelledby="requests-heading">
        <h2 id="requests-heading" className="h3">
          Requests waiting for you {requests.data ? <span className="count">{requests.data.total}</span> : null}
        </h2>
        <p className="muted small">New requests appear here as they are made. Accept to start the rental, or reject to refund the consumer.</p>
        {requests.isPending ? <Skeleton lines={2} /> : null}
        {requests.data?.items.length === 0 ? <EmptyState title="No requests waiting" /> : null}
        <div className="stack" data-testid="provider-requests">
          {requests.data?.items.map((r) => (
            <RentalCard key={r.id} rental={r} viewAs="provider" />
          ))}
        </div>
      </section>

      <section aria-labelledby="running-heading">
        <h2 id="running-heading" className="h3">
          Running now {running.data ? <span className="count">{running.data.total}</span> : null}
        </h2>
        {running.data?.items.length === 0 ? <EmptyState title="Nothing running" /> : null}
        <div className="stack" data-testid="provider-running">
          {running.data?.items.map((r) => (
            <RentalCard key={r.id} rental={r} viewAs="provider" />
          ))}
        </div>
      </section>

      <section className="charts-grid" aria-label="Charts">
        <div className="card">
          <Chart
            title="Earnings per day (FTNS, after fees)"
            kind="bar"
            labels={points.map((p) => bucketLabel(p.bucket, "daily"))}
            series={[{ name: "Earnings", values: points.map((p) => unitsToNumber(p.earnings.toString())), color: "var(--chart-1)" }]}
          />
        </div>
        <div className="card">
          <Chart
            title="Utilisation per day (hours booked / capacity)"
            labels={points.map((p) => bucketLabel(p.bucket, "daily"))}
            series={[{ name: "Utilisation %", values: points.map((p) => Math.round(p.utilisation * 1000) / 10), color: "var(--chart-3)", format: (v) => `${v}%` }]}
          />
        </div>
      </section>
    </div>
  );
}
