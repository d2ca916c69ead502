import { marketplaceAbi } from "../../../generated/abis.js";
import { rentalStatusName } from "../../lib/rental-status.js";
import { formatTimestamp } from "../../lib/time.js";
import { parseId } from "../args.js";
import { defineCommand, rentalIdPositional } from "../command.js";
import { fields, ftns } from "../format.js";
import { loadMetadata, parseMetadata, readListing, readRental } from "../listings.js";
import { explainReverts } from "../tx.js";

export default defineCommand({
  name: "rental",
  summary: "Show one rental: status, parties, escrow, times, and what can happen next.",
  positionals: [rentalIdPositional],
  options: {},
  async run(input, ctx) {
    const id = parseId(input.positionals.rentalId, "rentalId");
    const connection = await ctx.connection();
    const { client, deployment } = connection;
    const rental = await explainReverts(() => readRental(connection, id));
    const read = (functionName: "releasable" | "endsAt") =>
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName, args: [id] });
    const [listing, metadata, releasable, endsAt, acceptanceTimeout, disputeTimeout, block] = await Promise.all([
      readListing(connection, rental.listingId),
      loadMetadata(connection, rental.listingId),
      read("releasable"),
      read("endsAt"),
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "acceptanceTimeout" }),
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "disputeTimeout" }),
      client.getBlock({ blockTag: "latest" }),
    ]);
    const status = rentalStatusName(rental.status);
    const title = parseMetadata(metadata.get(rental.listingId)).title ?? "(no title)";
    ctx.out(`rental ${id}: ${status}`);
    const entries: [string, string][] = [
      ["listing", `${rental.listingId} — ${title}`],
      ["consumer", rental.consumer],
      ["provider", listing.provider],
      ["hours", String(rental.hoursBooked)],
      ["escrowed", `${ftns(rental.amount)} (fee ${rental.feeBps / 100}%)`],
      ["released", ftns(rental.released)],
      ["requested", formatTimestamp(rental.requestedAt)],
    ];
    if (rental.startedAt) entries.push(["started", formatTimestamp(rental.startedAt)], ["ends", formatTimestamp(endsAt)]);
    if (rental.disputedAt) entries.push(["disputed", formatTimestamp(rental.disputedAt)]);
    if (status === "Active") entries.push(["releasable now", ftns(releasable)]);
    if (rental.status >= 4) entries.push(["rated", rental.rated ? "yes" : "no"]);
    for (const line of fields(entries)) ctx.out(line);

    const now = block.timestamp;
    const next = nextSteps(status, {
      now,
      acceptBy: BigInt(rental.requestedAt) + BigInt(acceptanceTimeout),
      endsAt,
      defaultAfter: BigInt(rental.disputedAt) + BigInt(disputeTimeout),
      rated: rental.rated,
    });
    if (next) {
      ctx.out();
      ctx.out(`  next: ${next}`);
    }
  },
});

function nextSteps(
  status: string,
  t: { now: bigint; acceptBy: bigint; endsAt: bigint; defaultAfter: bigint; rated: boolean },
): string | undefined {
  switch (status) {
    case "Requested":
      return t.now <= t.acceptBy
        ? `the provider may accept or reject until ${formatTimestamp(t.acceptBy)}; the consumer may cancel`
        : `the acceptance window closed at ${formatTimestamp(t.acceptBy)}: anyone may refund it (refund)`;
    case "Active":
      return t.now < t.endsAt
        ? "the provider may release what accrued; the consumer may extend or terminate; either may dispute"
        : "it has ended: anyone may settle it";
    case "Disputed":
      return t.now <= t.defaultAfter
        ? `an arbiter decides; after ${formatTimestamp(t.defaultAfter)} anyone may apply the default`
        : "the dispute timeout has passed: anyone may apply the default";
    case "Completed":
    case "Resolved":
      return t.rated ? undefined : "the consumer may rate it (rate <rentalId> <1-5>)";
    default:
      return undefined;
  }
}
