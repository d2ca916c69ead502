import { defineCommand } from "../command.js";
import { ftns } from "../format.js";
import { eventOf, marketplaceCall, sendCall, txLine } from "../tx.js";

export default defineCommand({
  name: "withdraw",
  summary: "Send everything the marketplace has credited to you (payouts, refunds) to your wallet.",
  positionals: [],
  options: {},
  async run(_input, ctx) {
    const { deployment } = await ctx.connection();
    const sent = await sendCall(ctx, marketplaceCall(deployment.marketplace, "withdraw", [deployment.token]));
    const { amount, account } = eventOf(sent, "Withdrawn").args;
    ctx.out(`withdrew ${ftns(amount!)} to ${account}`);
    ctx.out(txLine(sent));
  },
});
