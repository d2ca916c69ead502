/** The provider's dashboard: overview (live requests, running rentals, earnings), listings, new listings. */
import { useSearchParams } from "react-router";
import { EmptyState } from "../../components/bits";
import { useWallet } from "../../hooks/useWallet";
import { BulkCreate } from "./BulkCreate";
import { ListingForm } from "./ListingForm";
import { MyListings } from "./MyListings";
import { Overview } from "./Overview";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "listings", label: "My listings" },
  { id: "new", label: "New listing" },
] as const;

export function ProviderPage() {
  const wallet = useWallet();
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((t) => t.id === params.get("tab"))?.id ?? "overview";
  if (!wallet.address) {
    return (
      <div className="page page--narrow">
        <h1>Provide compute</h1>
        <EmptyState title="Connect a wallet to list resources">
          <p>Listings belong to the address that creates them; rentals are paid to it as they run.</p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="page">
      <div className="page__head">
        <h1>Provider dashboard</h1>
      </div>
      <div className="tabs" role="tablist" aria-label="Dashboard sections">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            className={`tabs__tab${tab === t.id ? " tabs__tab--on" : ""}`}
            onClick={() => setParams(t.id === "overview" ? {} : { tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" ? <Overview /> : null}
        {tab === "listings" ? <MyListings /> : null}
        {tab === "new" ? (
          <div className="two-col">
            <ListingForm />
            <BulkCreate />
          </div>
        ) : null}
      </div>
    </div>
  );
}
