import { parseId } from "../args.js";
import { defineCommand } from "../command.js";
import { fields, ftns, rating } from "../format.js";
import { loadMetadata, parseMetadata, readListing } from "../listings.js";
import { explainReverts } from "../tx.js";
import { formatTimestamp } from "../../lib/time.js";

export default defineCommand({
  name: "show",
  summary: "Show one listing: metadata, specifications, price, capacity and rating.",
  positionals: [{ name: "listingId", description: "the listing's id" }],
  options: {},
  async run(input, ctx) {
    const id = parseId(input.positionals.listingId, "listingId");
    const connection = await ctx.connection();
    const [view, metadata] = await explainReverts(() => Promise.all([readListing(connection, id), loadMetadata(connection, id)]));
    const raw = metadata.get(id);
    const meta = parseMetadata(raw);
    ctx.out(`listing ${id}: ${meta.title ?? "(metadata without a title)"}`);
    const entries: [string, string][] = [
      ["status", view.active ? "active" : "deactivated by the provider"],
      ["category", meta.category || "—"],
      ["resource type", meta.resource_type || "—"],
      ["location", meta.location || "—"],
      ["price", `${ftns(view.pricePerHour)} per hour`],
      ["capacity", `${view.openRentals} of ${view.capacity} in use`],
      ["available", availability(view.availableFrom, view.availableUntil)],
      ["rating", rating(view.ratingSum, view.ratingCount)],
      ["provider", view.provider],
      ["payment token", view.token],
    ];
    for (const line of fields(entries)) ctx.out(line);
    if (meta.description) {
      ctx.out();
      ctx.out(`  ${meta.description}`);
    }
    const specs = Object.entries(meta.specifications ?? {});
    if (specs.length > 0) {
      ctx.out();
      ctx.out("  specifications:");
      for (const line of fields(specs.map(([key, value]) => [key, Array.isArray(value) ? value.join(", ") : String(value)]))) {
        ctx.out(`  ${line}`);
      }
    }
    if (raw !== undefined && Object.keys(meta).length === 0) {
      ctx.out();
      ctx.out(`  metadata (not valid JSON): ${raw}`);
    }
  },
});

function availability(from: number, until: number): string {
  if (from === 0 && until === 0) return "any time";
  if (until === 0) return `from ${formatTimestamp(from)}`;
  return `${from === 0 ? "now" : formatTimestamp(from)} until ${formatTimestamp(until)}`;
}
