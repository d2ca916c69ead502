/** The query API over HTTP: one small function per route, problem+json errors as ApiError. */
import type {
  Aggregation,
  ListingDetail,
  ListingPage,
  MarketSeries,
  Metric,
  ProviderAnalytics,
  Recommendation,
  RentalDetail,
  RentalPage,
  ResourceAnalytics,
  SearchResult,
  StatusResponse,
} from "./types";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type SearchBody = {
  query?: string;
  filters?: Record<string, unknown>;
  sort?: string;
  limit?: number;
  cursor?: string;
  facets?: boolean;
};

export type TransactionsQuery = {
  user_id?: string;
  role?: "consumer" | "provider" | "any";
  status?: string[];
  listing?: string;
  sort?: "newest" | "oldest";
  limit?: number;
  cursor?: string;
};

type Query = Record<string, string | number | boolean | string[] | undefined>;

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(","));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function createApiClient(baseUrl: string, chainId: number) {
  async function request<T>(path: string, init?: RequestInit & { signal?: AbortSignal }): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, { ...init, headers: { Accept: "application/json", ...(init?.body ? { "Content-Type": "application/json" } : {}) } });
    } catch {
      throw new ApiError(0, "The marketplace API is not reachable.");
    }
    if (!response.ok) {
      let title = response.statusText;
      let detail: string | undefined;
      try {
        const problem = (await response.json()) as { title?: string; detail?: string };
        title = problem.title ?? title;
        detail = problem.detail;
      } catch {
        // Not problem+json: keep the status text.
      }
      throw new ApiError(response.status, title, detail);
    }
    return (await response.json()) as T;
  }
  const get = <T>(path: string, query: Query = {}, signal?: AbortSignal) => request<T>(`${path}${queryString({ ...query, chainId })}`, { signal });

  return {
    baseUrl,
    chainId,
    status: (signal?: AbortSignal) => get<StatusResponse>("/marketplace/status", {}, signal),
    search: (body: SearchBody, signal?: AbortSignal) =>
      request<SearchResult>("/marketplace/search", { method: "POST", body: JSON.stringify({ ...body, chainId }), signal }),
    resources: (query: Query, signal?: AbortSignal) => get<ListingPage>("/marketplace/resources", query, signal),
    resource: (id: string, signal?: AbortSignal) => get<ListingDetail>(`/marketplace/resources/${encodeURIComponent(id)}`, {}, signal),
    transactions: (query: TransactionsQuery, signal?: AbortSignal) => get<RentalPage>("/marketplace/transactions", query, signal),
    transaction: (id: string, signal?: AbortSignal) => get<RentalDetail>(`/marketplace/transactions/${encodeURIComponent(id)}`, {}, signal),
    transactionsCsvUrl: (query: TransactionsQuery) => `${baseUrl}/marketplace/transactions${queryString({ ...query, chainId, format: "csv" })}`,
    analytics: (metric: Metric, timeRange: string, aggregation: Aggregation, signal?: AbortSignal) =>
      get<MarketSeries>("/marketplace/analytics", { metric, time_range: timeRange, aggregation }, signal),
    providerAnalytics: (address: string, signal?: AbortSignal) => get<ProviderAnalytics>(`/marketplace/analytics/provider/${address}`, {}, signal),
    resourceAnalytics: (id: string, timeRange: string, aggregation: Aggregation, signal?: AbortSignal) =>
      get<ResourceAnalytics>(`/marketplace/analytics/resource/${encodeURIComponent(id)}`, { time_range: timeRange, aggregation }, signal),
    recommendations: (address: string, count = 6, signal?: AbortSignal) =>
      get<{ userId: string; items: Recommendation[] }>("/marketplace/recommendations", { user_id: address, count }, signal),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
