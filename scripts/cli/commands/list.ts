import { marketplaceAbi } from "../../../generated/abis.js";
import { UsageError } from "../../lib/errors.js";
import { parseAddress, parseInteger, stringOption, flag } from "../args.js";
import { defineCommand } from "../command.js";
import { ftns, rating, shortAddress, table } from "../format.js";
import { loadMetadata, parseMetadata } from "../listings.js";
import { explainReverts } from "../tx.js";

const CATEGORIES = ["gpu", "cpu", "storage", "inference_api", "dataset_processing"];

export default defineCommand({
  name: "list",
  summary: "List the marketplace's listings, newest last.",
  positionals: [],
  options: {
    category: { type: "string", value: "NAME", description: `only one category: ${CATEGORIES.join(", ")}` },
    provider: { type: "string", value: "ADDRESS", description: "only this provider's listings" },
    all: { type: "boolean", description: "include deactivated listings" },
    limit: { type: "string", value: "N", description: "show at most the last N matches (default 50)" },
  },
  async run(input, ctx) {
    const category = stringOption(input, "category");
    if (category !== undefined && !CATEGORIES.includes(category)) {
      throw new UsageError(`unknown category "${category}": use one of ${CATEGORIES.join(", ")}`);
    }
    const providerText = stringOption(input, "provider");
    const provider = providerText === undefined ? undefined : parseAddress(providerText, "--provider");
    const limitText = stringOption(input, "limit");
    const limit = limitText === undefined ? 50 : parseInteger(limitText, "--limit", 1, 100_000);

    const connection = await ctx.connection();
    const { client, deployment } = connection;
    const count = await client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "listingCount" });
    const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    const [views, metadata] = await explainReverts(() =>
      Promise.all([
        Promise.all(ids.map((id) => client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "getListing", args: [id] }))),
        loadMetadata(connection),
      ]),
    );
    const rows = ids
      .map((id, i) => ({ id, view: views[i], meta: parseMetadata(metadata.get(id)) }))
      .filter((row) => flag(input, "all") || row.view.active)
      .filter((row) => category === undefined || row.meta.category === category)
      .filter((row) => provider === undefined || row.view.provider.toLowerCase() === provider.toLowerCase());
    if (rows.length === 0) {
      ctx.out(count === 0n ? "no listings yet: create one with `npm run cli -- create`" : "no listing matches");
      return;
    }
    const shown = rows.slice(-limit);
    const lines = table(shown, [
      { header: "ID", value: (r) => String(r.id), align: "right" },
      { header: "TITLE", value: (r) => r.meta.title ?? "(no title)", max: 48 },
      { header: "CATEGORY", value: (r) => r.meta.category ?? "" },
      { header: "LOCATION", value: (r) => r.meta.location ?? "", max: 18 },
      { header: "FTNS/H", value: (r) => ftns(r.view.pricePerHour).replace(" FTNS", ""), align: "right" },
      { header: "IN USE", value: (r) => `${r.view.openRentals}/${r.view.capacity}`, align: "right" },
      { header: "RATING", value: (r) => rating(r.view.ratingSum, r.view.ratingCount) },
      { header: "PROVIDER", value: (r) => shortAddress(r.view.provider) },
      { header: "", value: (r) => (r.view.active ? "" : "inactive") },
    ]);
    for (const line of lines) ctx.out(line);
    ctx.out();
    ctx.out(`${shown.length} of ${rows.length} matching listings (${count} in all)` + (shown.length < rows.length ? "; use --limit to see more" : ""));
  },
});
