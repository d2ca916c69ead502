import { ftnsTokenAbi } from "../../../generated/abis.js";
import { formatTimestamp } from "../../lib/time.js";
import { parseAmount, parseId, parseInteger, requiredOption, stringOption } from "../args.js";
import { defineCommand, rentalIdPositional } from "../command.js";
import { ftns } from "../format.js";
import { readListing, readRental } from "../listings.js";
import { eventOf, explainReverts, marketplaceCall, sendCall, tokenCall, txLine } from "../tx.js";

export default defineCommand({
  name: "extend",
  summary: "Add hours to a running rental at the listing's current price (uses your existing approval).",
  positionals: [rentalIdPositional],
  options: {
    hours: { type: "string", value: "N", required: true, description: "how many more hours" },
    "max-price": { type: "string", value: "FTNS", description: "refuse to pay more per hour than this (default: the price now)" },
  },
  async run(input, ctx) {
    const rentalId = parseId(input.positionals.rentalId, "rentalId");
    const hours = parseInteger(requiredOption(input, "hours"), "--hours", 1, 24 * 365);
    const maxText = stringOption(input, "max-price");
    const connection = await ctx.connection();
    const rental = await explainReverts(() => readRental(connection, rentalId));
    const listing = await readListing(connection, rental.listingId);
    const maxPrice = maxText === undefined ? listing.pricePerHour : parseAmount(maxText, "--max-price");
    const needed = maxPrice * BigInt(hours);
    const allowance = await connection.client.readContract({
      address: listing.token,
      abi: ftnsTokenAbi,
      functionName: "allowance",
      args: [ctx.account.address, connection.deployment.marketplace],
    });
    if (allowance < needed) {
      const approval = await sendCall(ctx, tokenCall(listing.token, "approve", [connection.deployment.marketplace, needed]));
      ctx.out(`approved the marketplace to move ${ftns(needed)}`);
      ctx.out(txLine(approval));
    }
    const sent = await sendCall(ctx, marketplaceCall(connection.deployment.marketplace, "extend", [rentalId, hours, maxPrice]));
    const extended = eventOf(sent, "RentalExtended");
    ctx.out(
      `rental ${rentalId} extended by ${hours} h for ${ftns(extended.args.extraAmount!)}: now runs until ${formatTimestamp(extended.args.endsAt!)}`,
    );
    ctx.out(txLine(sent));
  },
});
