import { formatEther } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";
import { parseAddress } from "../args.js";
import { defineCommand } from "../command.js";
import { fields, ftns } from "../format.js";

export default defineCommand({
  name: "balance",
  summary: "Show FTNS in the wallet, credits waiting in the marketplace, the allowance, and ETH for gas.",
  positionals: [{ name: "address", description: "whose balance (default: your account)", optional: true }],
  options: {},
  async run(input, ctx) {
    const text = input.positionals.address;
    const address = text === undefined ? ctx.account.address : parseAddress(text, "address");
    const { client, deployment } = await ctx.connection();
    const [wallet, credit, allowance, eth] = await Promise.all([
      client.readContract({ address: deployment.token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [address] }),
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "creditOf", args: [address, deployment.token] }),
      client.readContract({ address: deployment.token, abi: ftnsTokenAbi, functionName: "allowance", args: [address, deployment.marketplace] }),
      client.getBalance({ address }),
    ]);
    ctx.out(`${address}${text === undefined ? ` (${ctx.accountSource})` : ""}`);
    const allowanceText = allowance >= 2n ** 255n ? "unlimited" : ftns(allowance);
    for (const line of fields([
      ["wallet", ftns(wallet)],
      ["marketplace credit", `${ftns(credit)}${credit > 0n ? " (withdraw with `npm run cli -- withdraw`)" : ""}`],
      ["allowance", `${allowanceText} for the marketplace`],
      ["gas", `${formatEther(eth)} ETH`],
    ])) {
      ctx.out(line);
    }
  },
});
