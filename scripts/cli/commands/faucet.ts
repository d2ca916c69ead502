import { formatEther, keccak256, parseEther, toHex } from "viem";
import { ftnsTokenAbi } from "../../../generated/abis.js";
import { ScriptError, UsageError } from "../../lib/errors.js";
import { JsonRpc } from "../../lib/json-rpc.js";
import { parseAddress, parseAmount } from "../args.js";
import { defineCommand } from "../command.js";
import { ftns } from "../format.js";
import { sendCall, tokenCall, txLine } from "../tx.js";

const MINTER_ROLE = keccak256(toHex("MINTER_ROLE"));
const LOCAL_CHAIN_ID = 31337;
const GAS_TOP_UP = parseEther("10");

export default defineCommand({
  name: "faucet",
  summary: "Mint FTNS to an address with the minter account (local and demo chains; there is no public mint).",
  positionals: [
    { name: "address", description: "who receives the FTNS" },
    { name: "amount", description: "FTNS to mint (default 1000)", optional: true },
  ],
  options: {},
  async run(input, ctx) {
    const to = parseAddress(input.positionals.address, "address");
    const amount = parseAmount(input.positionals.amount ?? "1000", "amount");
    if (amount === 0n) throw new UsageError("amount must be above zero");
    const { client, chain, deployment } = await ctx.connection();
    const minter = ctx.account.address;
    const isMinter = await client.readContract({ address: deployment.token, abi: ftnsTokenAbi, functionName: "hasRole", args: [MINTER_ROLE, minter] });
    if (!isMinter) {
      throw new ScriptError(
        `${minter} (${ctx.accountSource}) lacks MINTER_ROLE on the FTNS token at ${deployment.token}: ` +
          "use the minter's key (PRIVATE_KEY) or ask the token admin to grant the role",
      );
    }
    const sent = await sendCall(ctx, tokenCall(deployment.token, "mint", [to, amount]));
    const balance = await client.readContract({ address: deployment.token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [to] });
    ctx.out(`minted ${ftns(amount)} to ${to}; it now holds ${ftns(balance)}`);
    ctx.out(txLine(sent));
    // A fresh wallet on the local chain also needs ETH to pay gas for its first rent.
    if (chain.id === LOCAL_CHAIN_ID) {
      const eth = await client.getBalance({ address: to });
      if (eth < parseEther("1")) {
        await new JsonRpc(ctx.rpcUrl).request("hardhat_setBalance", [to, toHex(GAS_TOP_UP)]);
        ctx.out(`  also set its ETH to ${formatEther(GAS_TOP_UP)} ETH for gas (local chain only)`);
      }
    }
  },
});
