import { parseSignature } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";
import { ScriptError } from "../../lib/errors.js";
import { formatTimestamp } from "../../lib/time.js";
import { flag, parseAmount, parseId, parseInteger, requiredOption, stringOption } from "../args.js";
import { defineCommand } from "../command.js";
import type { CliContext } from "../context.js";
import { ftns } from "../format.js";
import { readListing } from "../listings.js";
import { eventOf, explainReverts, marketplaceCall, sendCall, tokenCall, txLine } from "../tx.js";

export default defineCommand({
  name: "rent",
  summary: "Rent a listing for some hours: escrows price × hours (approving that amount first, or with a permit).",
  positionals: [{ name: "listingId", description: "the listing to rent" }],
  options: {
    hours: { type: "string", value: "N", required: true, description: "how many hours" },
    "max-price": { type: "string", value: "FTNS", description: "refuse to pay more per hour than this (default: the price now)" },
    permit: { type: "boolean", description: "sign an ERC-2612 permit instead of sending an approval" },
  },
  async run(input, ctx) {
    const listingId = parseId(input.positionals.listingId, "listingId");
    const hours = parseInteger(requiredOption(input, "hours"), "--hours", 1, 24 * 365);
    const maxText = stringOption(input, "max-price");
    const connection = await ctx.connection();
    const { client, deployment } = connection;
    const listing = await explainReverts(() => readListing(connection, listingId));
    const maxPrice = maxText === undefined ? listing.pricePerHour : parseAmount(maxText, "--max-price");
    // The contract charges the price at execution, never more than maxPrice: approving maxPrice × hours always covers it.
    const needed = maxPrice * BigInt(hours);
    const owner = ctx.account.address;
    const [balance, allowance] = await Promise.all([
      client.readContract({ address: listing.token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [owner] }),
      client.readContract({ address: listing.token, abi: ftnsTokenAbi, functionName: "allowance", args: [owner, deployment.marketplace] }),
    ]);
    const cost = listing.pricePerHour * BigInt(hours);
    if (balance < cost) {
      throw new ScriptError(`${owner} holds ${ftns(balance)}, but ${hours} h of listing ${listingId} cost ${ftns(cost)} (get some with \`npm run faucet -- ${owner}\`)`);
    }

    let sent;
    if (flag(input, "permit")) {
      const { v, r, s, deadline } = await signPermit(ctx, listing.token, needed);
      sent = await sendCall(ctx, marketplaceCall(deployment.marketplace, "rentWithPermit", [listingId, hours, maxPrice, needed, deadline, v, r, s]));
    } else {
      if (allowance < needed) {
        const approval = await sendCall(ctx, tokenCall(listing.token, "approve", [deployment.marketplace, needed]));
        ctx.out(`approved the marketplace to move ${ftns(needed)}`);
        ctx.out(txLine(approval));
      }
      sent = await sendCall(ctx, marketplaceCall(deployment.marketplace, "rent", [listingId, hours, maxPrice]));
    }
    const requested = eventOf(sent, "RentalRequested");
    const { rentalId, pricePerHour, amount, feeBps } = requested.args;
    const [timeout, block] = await Promise.all([
      client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "acceptanceTimeout" }),
      client.getBlock({ blockNumber: sent.blockNumber }),
    ]);
    ctx.out(`rental ${rentalId} requested on listing ${listingId}: ${hours} h × ${ftns(pricePerHour!)}/h = ${ftns(amount!)} escrowed`);
    ctx.out(`  the provider may accept until ${formatTimestamp(block.timestamp + BigInt(timeout))}; protocol fee ${Number(feeBps) / 100}% fixed for this rental`);
    ctx.out(txLine(sent));
  },
});

/** An ERC-2612 permit letting the marketplace pull `value`, valid for an hour of chain time. */
async function signPermit(ctx: CliContext, token: `0x${string}`, value: bigint) {
  const { client, chain, deployment } = await ctx.connection();
  const [nonce, name, block] = await Promise.all([
    client.readContract({ address: token, abi: ftnsTokenAbi, functionName: "nonces", args: [ctx.account.address] }),
    client.readContract({ address: token, abi: ftnsTokenAbi, functionName: "name" }),
    client.getBlock({ blockTag: "latest" }),
  ]);
  const deadline = block.timestamp + 3600n;
  const signature = await ctx.account.signTypedData({
    domain: { name, version: "1", chainId: chain.id, verifyingContract: token },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner: ctx.account.address, spender: deployment.marketplace, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: Number(v ?? BigInt(yParity + 27)), deadline };
}
