import { parseId, parseInteger } from "../args.js";
import { defineCommand, rentalIdPositional } from "../command.js";
import { rating } from "../format.js";
import { readListing } from "../listings.js";
import { eventOf, marketplaceCall, sendCall, txLine } from "../tx.js";

export default defineCommand({
  name: "rate",
  summary: "As the consumer, rate a completed or resolved rental 1 to 5, once.",
  positionals: [rentalIdPositional, { name: "score", description: "1 to 5" }],
  options: {},
  async run(input, ctx) {
    const rentalId = parseId(input.positionals.rentalId, "rentalId");
    const score = parseInteger(input.positionals.score, "score", 1, 5);
    const connection = await ctx.connection();
    const sent = await sendCall(ctx, marketplaceCall(connection.deployment.marketplace, "rate", [rentalId, score]));
    const { listingId } = eventOf(sent, "RentalRated").args;
    const listing = await readListing(connection, listingId!);
    ctx.out(`rated rental ${rentalId} ${score}/5; listing ${listingId} is now rated ${rating(listing.ratingSum, listing.ratingCount)}`);
    ctx.out(txLine(sent));
  },
});
