import { marketplaceAbi } from "../../../generated/abis.js";
import { formatTimestamp } from "../../lib/time.js";
import { ftns } from "../format.js";
import { rentalAction } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "dispute",
  summary: "As the consumer or the provider, freeze what is still escrowed in a running rental until it is decided.",
  functionName: "openDispute",
  report: async (sent, id, ctx) => {
    const { frozen } = eventOf(sent, "DisputeOpened").args;
    const { client, deployment } = await ctx.connection();
    const [timeout, block] = await Promise.all([
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "disputeTimeout" }),
      client.getBlock({ blockNumber: sent.blockNumber }),
    ]);
    return [
      `rental ${id} disputed: ${ftns(frozen!)} frozen until an arbiter decides;`,
      `  after ${formatTimestamp(block.timestamp + BigInt(timeout))} anyone may apply the default (provider keeps what had accrued, the rest goes back)`,
    ];
  },
});
