/** Rental history: filtered pages, one rental as a receipt, and a CSV export for billing. */
import type { ApiDeps } from "../deps.js";
import { NotFoundError } from "../errors.js";
import { countRentals, CSV_COLUMNS, csvRow, presentRental, type RentalFilters, rentalDetail, rentalPage } from "../queries/rentals.js";
import type { ApiRouter } from "../router.js";
import { type ListTransactionsQuery, listTransactionsQuery, transactionDetailQuery, transactionParams } from "../schemas/rentals.js";

// An export larger than this is cut, and says so in a trailing header-like comment row.
const CSV_MAX_ROWS = 100_000;
const CSV_BATCH = 1_000;

const filtersOf = (q: ListTransactionsQuery): RentalFilters => ({
  user: q.user_id,
  role: q.role,
  statuses: q.status?.length ? q.status : undefined,
  listingId: q.listing,
  from: q.date_range?.from,
  to: q.date_range?.to,
});

export function transactionRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.add({
    method: "get",
    path: "/marketplace/transactions",
    tag: "marketplace",
    summary: "Rental history filtered by user (consumer, provider or either), status, listing and date range",
    description: "JSON pages by default; `format=csv` or `Accept: text/csv` streams every match as CSV for billing.",
    query: listTransactionsQuery,
    responses: {
      200: { description: "a page of rentals (JSON) or every match (CSV)" },
    },
    handler: async ({ query, req, res }) => {
      const chain = deps.chain(query.chainId);
      const filters = filtersOf(query);
      const wantsCsv = query.format === "csv" || (query.format === undefined && req.accepts(["application/json", "text/csv"]) === "text/csv");
      if (wantsCsv) {
        res.status(200);
        res.setHeader("Content-Type", "text/csv; charset=utf-8");
        res.setHeader("Content-Disposition", `attachment; filename="rentals-${chain.chainId}.csv"`);
        res.write(`${CSV_COLUMNS.join(",")}\r\n`);
        let cursor: string | undefined;
        let written = 0;
        do {
          const page = await rentalPage(deps.db, { chainId: chain.chainId, filters, sort: query.sort, limit: CSV_BATCH, cursor });
          let chunk = "";
          for (const row of page.items) chunk += csvRow(row);
          written += page.items.length;
          if (chunk && !res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
          cursor = page.nextCursor ?? undefined;
        } while (cursor && written < CSV_MAX_ROWS);
        res.end();
        return undefined;
      }
      const limit = query.limit ?? 20;
      const key = JSON.stringify({ ...query, chainId: chain.chainId });
      return deps.cache.get("transactions", key, chain.chainId, async () => {
        const [page, total] = await Promise.all([
          rentalPage(deps.db, { chainId: chain.chainId, filters, sort: query.sort, limit, cursor: query.cursor }),
          countRentals(deps.db, chain.chainId, filters),
        ]);
        return { items: page.items.map((r) => presentRental(r, chain)), total, nextCursor: page.nextCursor, sort: query.sort, limit };
      });
    },
  });

  router.add({
    method: "get",
    path: "/marketplace/transactions/{id}",
    tag: "marketplace",
    summary: "One rental with every state transition: tx hash, block and time of each, amounts escrowed / released / refunded / fees",
    params: transactionParams,
    query: transactionDetailQuery,
    handler: async ({ params, query }) => {
      const chain = deps.chain(query.chainId);
      const detail = await deps.cache.get("transaction", `${chain.chainId}:${params.id}`, chain.chainId, () =>
        rentalDetail(deps.db, chain, params.id),
      );
      if (!detail) throw new NotFoundError(`rental ${params.id} does not exist on chain ${chain.chainId}`);
      return detail;
    },
  });
}
