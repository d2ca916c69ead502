/** Every rental of the connected account, live: state, money, steps with hashes, actions, CSV export. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import type { RentalStatus } from "../../api/types";
import { useServices } from "../../app/services";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/bits";
import { WithdrawPanel } from "../../components/WithdrawPanel";
import { useWallet } from "../../hooks/useWallet";
import { STATUS_LABELS } from "../../lib/rental";
import { RentalCard } from "./RentalCard";

const STATUS_GROUPS: { value: string; label: string; statuses?: RentalStatus[] }[] = [
  { value: "", label: "All" },
  { value: "open", label: "Open", statuses: ["requested", "active", "disputed"] },
  { value: "closed", label: "Closed", statuses: ["completed", "resolved", "rejected", "cancelled", "expired"] },
];

export function RentalsPage() {
  const { api } = useServices();
  const wallet = useWallet();
  const [params, setParams] = useSearchParams();
  const role = params.get("role") === "provider" ? "provider" : "consumer";
  const group = STATUS_GROUPS.find((g) => g.value === (params.get("status") ?? "")) ?? STATUS_GROUPS[0]!;
  const query = { user_id: wallet.address, role, status: group.statuses } as const;

  const rentals = useInfiniteQuery({
    queryKey: ["api", "transactions", query],
    enabled: Boolean(wallet.address),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.transactions({ ...query, status: group.statuses, limit: 20, cursor: pageParam }, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  if (!wallet.address) {
    return (
      <div className="page page--narrow">
        <h1>My rentals</h1>
        <EmptyState title="Connect a wallet to see your rentals">
          <p>Your rentals are read from the chain by address; nothing is stored about you elsewhere.</p>
        </EmptyState>
      </div>
    );
  }
  const items = rentals.data?.pages.flatMap((p) => p.items) ?? [];
  const total = rentals.data?.pages[0]?.total;
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  return (
    <div className="page">
      <div className="page__head">
        <h1>My rentals</h1>
        <a className="btn btn--small" href={api.transactionsCsvUrl({ user_id: wallet.address, role })} download>
          Export CSV
        </a>
      </div>
      <WithdrawPanel />
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label="Whose rentals">
          {(["consumer", "provider"] as const).map((r) => (
            <button key={r} type="button" role="tab" aria-selected={role === r} className={`segmented__item${role === r ? " segmented__item--on" : ""}`} onClick={() => set("role", r === "consumer" ? "" : r)}>
              {r === "consumer" ? "I rented" : "Rented from me"}
            </button>
          ))}
        </div>
        <label className="sort">
          <span>Show</span>
          <select value={group.value} onChange={(e) => set("status", e.target.value)}>
            {STATUS_GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        {total !== undefined ? <span className="muted">{total} rental{total === 1 ? "" : "s"}</span> : null}
      </div>
      {rentals.isError ? <ErrorNotice error={rentals.error} onRetry={() => void rentals.refetch()} /> : null}
      {rentals.isPending ? <Skeleton lines={5} /> : null}
      {rentals.isSuccess && items.length === 0 ? (
        <EmptyState title={role === "consumer" ? "You have not rented anything yet" : "Nobody has rented from you yet"}>
          <p>Statuses: {Object.values(STATUS_LABELS).join(" · ")}</p>
        </EmptyState>
      ) : null}
      <div className="stack">
        {items.map((rental) => (
          <RentalCard key={rental.id} rental={rental} viewAs={role} />
        ))}
      </div>
      {rentals.hasNextPage ? (
        <div className="center">
          <button type="button" className="btn" onClick={() => void rentals.fetchNextPage()} disabled={rentals.isFetchingNextPage}>
            Show more
          </button>
        </div>
      ) : null}
    </div>
  );
}
