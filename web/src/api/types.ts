/** Shapes of the query API's answers (see the API's /openapi.json). Amounts are decimal strings. */

export type Amount = { amount: string; token: `0x${string}`; symbol: string | null; decimals: number | null; formatted: string | null };

export type Listing = {
  id: string;
  chainId: number;
  provider: `0x${string}`;
  title: string | null;
  description: string | null;
  category: string | null;
  resourceType: string | null;
  location: string | null;
  specifications: Record<string, unknown>;
  metadataValid: boolean;
  pricePerHour: Amount;
  availability: { from: string | null; until: string | null };
  capacity: number;
  openRentals: number;
  active: boolean;
  rating: { average: number | null; count: number; score: number };
  popularity: { rentals: number; completed: number };
  created: { block: number; time: string | null; txHash: string };
  updated: { block: number; time: string | null };
  relevance?: number;
};

export type PricePoint = { blockNumber: number; time: string | null; txHash: string; oldPrice: Amount | null; newPrice: Amount };

export type ListingDetail = Listing & {
  metadata: { raw: string; hash: string; valid: boolean; error: string | null };
  priceHistory: PricePoint[];
  ratingSummary: { average: number | null; count: number; score: number; distribution: Record<string, number> };
  utilisation: { capacity: number; openRentals: number; activeRentals: number; requestedRentals: number; disputedRentals: number; ratio: number };
  rentalsByStatus: Record<string, number>;
  totals: { volume: Amount; earnings: Amount; fees: Amount; disputes: number };
  transactions: { event: string; blockNumber: number; logIndex: number; time: string | null; txHash: string }[];
};

export type FacetCount = { value: string | null; count: number };
export type Facets = {
  category: FacetCount[];
  resourceType: FacetCount[];
  location: FacetCount[];
  price: { bucket: string; label: string; min: string; max: string | null; count: number }[];
};

export type SearchResult = {
  query: string;
  interpretedAs: string | null;
  sort: string;
  items: Listing[];
  total: number;
  /** False when the total is an estimate (very broad matches). */
  totalExact?: boolean;
  nextCursor: string | null;
  facets?: Facets;
};

export type ListingPage = { items: Listing[]; total: number | null; totalExact?: boolean | null; nextCursor: string | null };

export type RentalStatus = "requested" | "active" | "disputed" | "completed" | "rejected" | "cancelled" | "expired" | "resolved";

export type Rental = {
  id: string;
  chainId: number;
  listingId: string;
  listingTitle: string | null;
  consumer: `0x${string}`;
  provider: `0x${string}`;
  status: RentalStatus;
  hoursBooked: number;
  extensions: number;
  feeBps: number;
  pricePerHour: Amount;
  escrowed: Amount;
  released: Amount;
  providerReceived: Amount;
  fees: Amount;
  refunded: Amount;
  heldInEscrow: Amount;
  startedAt: string | null;
  endsAt: string | null;
  dispute: {
    openedBy: string | null;
    frozen: Amount;
    resolver: string | null;
    byDefault: boolean | null;
    toProvider: Amount | null;
    toConsumer: Amount | null;
  } | null;
  closedBy: string | null;
  rating: number | null;
  requested: { block: number; time: string | null; txHash: string };
  updated: { block: number; time: string | null };
};

export type RentalTransition = { event: string; blockNumber: number; logIndex: number; time: string | null; txHash: string; args: Record<string, unknown> };
export type RentalDetail = Rental & { transitions: RentalTransition[] };
export type RentalPage = { items: Rental[]; total: number; nextCursor: string | null };

export type ChainStatus = {
  chainId: number;
  marketplace: string | null;
  startBlock: number;
  indexedBlock: number;
  indexedBlockTime: string | null;
  headBlock: number | null;
  lagBlocks: number | null;
  lagSeconds: number | null;
  eventsIndexed: number;
  served: boolean;
};
export type StatusResponse = { chains: ChainStatus[]; time: string };

export type Aggregation = "hourly" | "daily" | "monthly";
export type Metric = "usage" | "revenue" | "trends";

export type UsageSeries = {
  metric: "usage";
  series: { bucket: string; rentalsRequested: number; rentalsStarted: number; rentalsCompleted: number; disputesOpened: number; hoursRented: number }[];
  totals: { rentalsRequested: number; rentalsStarted: number; rentalsCompleted: number; disputesOpened: number; hoursRented: number };
};
export type RevenueSeries = {
  metric: "revenue";
  series: { bucket: string; volume: Amount; released: Amount; fees: Amount; providerEarnings: Amount; refunded: Amount }[];
  totals: { volume: Amount; released: Amount; fees: Amount; providerEarnings: Amount; refunded: Amount };
};
export type TrendsSeries = {
  metric: "trends";
  series: { bucket: string; listingsCreated: number; newProviders: number; averagePricePerCategory: Record<string, { average: Amount; rentals: number }> }[];
  totals: { listingsCreated: number; newProviders: number; activeListingsNow: number };
};
export type MarketSeries = (UsageSeries | RevenueSeries | TrendsSeries) & { aggregation: Aggregation; from: string; to: string };

export type ProviderAnalytics = {
  address: string;
  listings: { total: number; active: number };
  rentals: { total: number; byStatus: Record<string, number> };
  earnings: { fromRentals: Amount; feesPaid: Amount; byToken: { earned: Amount; fees: Amount; withdrawable: Amount; withdrawn: Amount }[] };
  completionRate: number | null;
  acceptance: { accepted: number; averageSeconds: number | null; maxSeconds: number | null };
  disputes: number;
  rating: { average: number | null; count: number };
};

export type ResourceAnalytics = {
  listingId: string;
  aggregation: Aggregation;
  from: string;
  to: string;
  capacity: number;
  totals: { volume: Amount; earnings: Amount; fees: Amount; rating: { average: number | null; count: number } };
  series: {
    bucket: string;
    rentalsRequested: number;
    rentalsStarted: number;
    hoursBooked: number;
    utilisation: number;
    volume: Amount;
    revenue: Amount;
    fees: Amount;
    rating: { average: number; count: number } | null;
  }[];
};

export type Recommendation = Listing & { reason: { kind: "collaborative" | "content" | "popular"; text: string; score: number } };

/** A message of the /ws feed. */
export type LiveMessage =
  | { type: "welcome"; chainId: number }
  | { type: "subscribed" | "unsubscribed"; channels: string[] }
  | { type: "event"; chainId: number; channels: string[]; event: string; blockNumber: number; txHash: string | null; listingId: string | null; rentalId: string | null; rentalStatus: string | null; args?: Record<string, unknown> }
  | { type: "rollback"; chainId: number; fromBlock: number; toBlock: number }
  | { type: "error"; error: string }
  | { type: "pong" };
