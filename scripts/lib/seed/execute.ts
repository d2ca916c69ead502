/**
 * Plays a SeedPlan on a local development node. Automine is switched off: every moment of the plan
 * becomes one block, its transactions signed locally with explicit nonces and sent in one batched
 * request, then time is moved with evm_increaseTime and the block made with evm_mine (not hardhat_mine,
 * whose blocks report a zero parent hash). Receipts are checked once per phase, not per transaction.
 */
import {
  encodeFunctionData,
  formatEther,
  keccak256,
  maxUint256,
  parseEther,
  parseSignature,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";
import { devAccount } from "../dev-accounts.js";
import { ScriptError } from "../errors.js";
import type { JsonRpc, RpcCall } from "../json-rpc.js";
import type { Action, PlannedListing, SeedPlan } from "./plan.js";

export type SeedTarget = {
  rpc: JsonRpc;
  client: PublicClient;
  chainId: number;
  marketplace: Address;
  token: Address;
};

export type PhaseReport = {
  name: string;
  transactions: number;
  blocks: number;
  listings: number;
  rentals: number;
  milliseconds: number;
};

export type ExecutionReport = {
  transactions: number;
  blocks: number;
  phases: PhaseReport[];
  /** Ids before the seed: the plan's seq n is on-chain id base + n. */
  listingIdBase: bigint;
  rentalIdBase: bigint;
  /** First block the seed wrote to. */
  firstBlock: bigint;
  /** Chain time when the seed started and when it finished (seconds). */
  startedAt: bigint;
  finishedAt: bigint;
};

type SignedTx = { raw: Hex; hash: Hex; label: string; gas: bigint };

const DAY = 86_400;
const PHASE_LENGTH = 30 * DAY;
/** Stay under Hardhat's 60M block gas limit, counted by each transaction's gas limit. */
const BLOCK_GAS_BUDGET = 50_000_000n;
const ETH_PER_ACCOUNT = parseEther("10000");
// Far above a local node's base fee, so no transaction waits for a cheaper block.
const MAX_FEE_PER_GAS = 100_000_000_000n;
const MAX_PRIORITY_FEE_PER_GAS = 1_000_000_000n;

export async function executePlan(
  plan: SeedPlan,
  target: SeedTarget,
  log: (line: string) => void,
): Promise<ExecutionReport> {
  const { rpc, client, marketplace } = target;
  const accounts = [plan.admin, ...plan.providers, ...plan.consumers];
  // The plan's clock starts at a block mined now: a node idle for hours would otherwise put the first
  // seed block far from the start time that listing windows and permit deadlines are computed from.
  await rpc.request("evm_mine");
  const [listingIdBase, rentalIdBase, latest] = await Promise.all([
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "listingCount" }),
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "rentalCount" }),
    client.getBlock({ blockTag: "latest" }),
  ]);

  const fundStart = performance.now();
  await fundAccounts(rpc, accounts);
  const nonces = await pendingNonces(rpc, accounts);
  const permitNonces = await tokenNonces(target, plan.consumers);
  log(phaseLine("accounts", `${accounts.length} funded with ${formatEther(ETH_PER_ACCOUNT)} ETH each`, performance.now() - fundStart));

  const context: BuildContext = { plan, target, listingIdBase, rentalIdBase, startedAt: latest.timestamp, nonces, permitNonces };
  const report: ExecutionReport = {
    transactions: 0,
    blocks: 0,
    phases: [],
    listingIdBase,
    rentalIdBase,
    firstBlock: latest.number + 1n,
    startedAt: latest.timestamp,
    finishedAt: latest.timestamp,
  };

  await rpc.request("hardhat_setLoggingEnabled", [false]).catch(() => undefined); // not every node has it
  await rpc.request("evm_setAutomine", [false]);
  try {
    let previousAt = 0;
    let listingsSoFar = 0;
    let rentalsSoFar = 0;
    for (const phase of phases(plan.actions)) {
      const started = performance.now();
      const phaseReport: PhaseReport = { name: phase.name, transactions: 0, blocks: 0, listings: 0, rentals: 0, milliseconds: 0 };
      const sent: SignedTx[] = [];
      for (const tick of ticks(phase.actions)) {
        const txs: SignedTx[] = [];
        for (const action of tick.actions) txs.push(await buildTransaction(action, context));
        const blocks = await mineTick(rpc, txs, tick.at - previousAt);
        previousAt = tick.at;
        sent.push(...txs);
        phaseReport.blocks += blocks;
        for (const action of tick.actions) {
          if (action.kind === "createListings") phaseReport.listings += action.listings.length;
          if (action.kind === "rent") phaseReport.rentals += 1;
        }
      }
      await checkReceipts(rpc, sent);
      listingsSoFar += phaseReport.listings;
      rentalsSoFar += phaseReport.rentals;
      await checkCounters(target, listingIdBase + BigInt(listingsSoFar), rentalIdBase + BigInt(rentalsSoFar));
      phaseReport.transactions = sent.length;
      phaseReport.milliseconds = performance.now() - started;
      report.transactions += sent.length;
      report.blocks += phaseReport.blocks;
      report.phases.push(phaseReport);
      log(phaseLine(phase.name, describePhase(phaseReport), phaseReport.milliseconds));
    }
  } finally {
    await rpc.request("evm_setAutomine", [true]);
  }
  report.finishedAt = (await client.getBlock({ blockTag: "latest" })).timestamp;
  return report;
}

/* ------------------------------------------------------------ grouping */

type Phase = { name: string; actions: Action[] };

/** The setup block(s), then one phase per 30 days of simulated history. */
function phases(actions: readonly Action[]): Phase[] {
  const setup = actions.filter((a) => a.kind === "mint" || a.kind === "approve");
  const rest = actions.filter((a) => a.kind !== "mint" && a.kind !== "approve");
  const result: Phase[] = [{ name: "setup", actions: setup }];
  for (const action of rest) {
    const month = Math.floor(action.at / PHASE_LENGTH);
    const name = `month ${month + 1}`;
    if (result[result.length - 1].name !== name) result.push({ name, actions: [] });
    result[result.length - 1].actions.push(action);
  }
  return result;
}

function* ticks(actions: readonly Action[]): Generator<{ at: number; actions: Action[] }> {
  let current: { at: number; actions: Action[] } | undefined;
  for (const action of actions) {
    if (current && current.at !== action.at) {
      yield current;
      current = undefined;
    }
    current ??= { at: action.at, actions: [] };
    current.actions.push(action);
  }
  if (current) yield current;
}

/* -------------------------------------------------------------- mining */

/**
 * Sends one moment's transactions and mines them: the clock moves by `advance` seconds first. A moment
 * larger than a block is split over several blocks one second apart; its transactions are independent.
 */
async function mineTick(rpc: JsonRpc, txs: readonly SignedTx[], advance: number): Promise<number> {
  let blocks = 0;
  let chunk: SignedTx[] = [];
  let chunkGas = 0n;
  const flush = async () => {
    const calls: RpcCall[] = chunk.map((tx) => ({ method: "eth_sendRawTransaction", params: [tx.raw] }));
    if (blocks === 0 && advance > 0) calls.push({ method: "evm_increaseTime", params: [toHex(advance)] });
    const results = await rpc.batch(calls);
    results.forEach((result, i) => {
      if (!result.ok) throw new ScriptError(`${chunk[i]?.label ?? "evm_increaseTime"} was refused by the node: ${result.error.message}`);
    });
    await rpc.request("evm_mine");
    blocks += 1;
    chunk = [];
    chunkGas = 0n;
  };
  for (const tx of txs) {
    if (chunk.length > 0 && chunkGas + tx.gas > BLOCK_GAS_BUDGET) await flush();
    chunk.push(tx);
    chunkGas += tx.gas;
  }
  if (chunk.length > 0 || advance > 0) await flush();
  return blocks;
}

async function checkReceipts(rpc: JsonRpc, txs: readonly SignedTx[]): Promise<void> {
  const failed: string[] = [];
  for (let i = 0; i < txs.length; i += 500) {
    const slice = txs.slice(i, i + 500);
    const results = await rpc.batch(slice.map((tx) => ({ method: "eth_getTransactionReceipt", params: [tx.hash] })));
    results.forEach((result, j) => {
      const receipt = result.ok ? (result.result as { status?: string } | null) : null;
      if (!receipt) failed.push(`${slice[j].label}: not mined`);
      else if (receipt.status !== "0x1") failed.push(`${slice[j].label}: reverted`);
    });
  }
  if (failed.length > 0) {
    throw new ScriptError(`${failed.length} seed transactions failed, first: ${failed.slice(0, 5).join("; ")}`);
  }
}

async function checkCounters(target: SeedTarget, listings: bigint, rentals: bigint): Promise<void> {
  const [listingCount, rentalCount] = await Promise.all([
    target.client.readContract({ address: target.marketplace, abi: marketplaceAbi, functionName: "listingCount" }),
    target.client.readContract({ address: target.marketplace, abi: marketplaceAbi, functionName: "rentalCount" }),
  ]);
  if (listingCount !== listings || rentalCount !== rentals) {
    throw new ScriptError(
      `the chain drifted from the seed plan: ${listingCount} listings and ${rentalCount} rentals, expected ${listings} and ${rentals}`,
    );
  }
}

/* ------------------------------------------------------------ accounts */

async function fundAccounts(rpc: JsonRpc, accounts: readonly number[]): Promise<void> {
  const results = await rpc.batch(
    accounts.map((index) => ({ method: "hardhat_setBalance", params: [devAccount(index).address, toHex(ETH_PER_ACCOUNT)] })),
  );
  const refused = results.find((r) => !r.ok);
  if (refused && !refused.ok) {
    throw new ScriptError(`the seed needs a local development node (Hardhat or Anvil): ${refused.error.message}`);
  }
}

async function pendingNonces(rpc: JsonRpc, accounts: readonly number[]): Promise<Map<number, number>> {
  const results = await rpc.batch(accounts.map((index) => ({ method: "eth_getTransactionCount", params: [devAccount(index).address, "pending"] })));
  return new Map(
    accounts.map((index, i) => {
      const result = results[i];
      if (!result.ok) throw result.error;
      return [index, Number(BigInt(result.result as string))];
    }),
  );
}

async function tokenNonces(target: SeedTarget, consumers: readonly number[]): Promise<Map<number, bigint>> {
  const nonces = await Promise.all(
    consumers.map((index) =>
      target.client.readContract({ address: target.token, abi: ftnsTokenAbi, functionName: "nonces", args: [devAccount(index).address] }),
    ),
  );
  return new Map(consumers.map((index, i) => [index, nonces[i]]));
}

/* ------------------------------------------------------ transactions */

type BuildContext = {
  plan: SeedPlan;
  target: SeedTarget;
  listingIdBase: bigint;
  rentalIdBase: bigint;
  startedAt: bigint;
  nonces: Map<number, number>;
  permitNonces: Map<number, bigint>;
};

type Call = { to: Address; abi: Abi; functionName: string; args: readonly unknown[]; gas: bigint };

async function buildTransaction(action: Action, context: BuildContext): Promise<SignedTx> {
  const account = devAccount(action.from);
  const call = await callFor(action, context);
  const nonce = context.nonces.get(action.from);
  if (nonce === undefined) throw new Error(`account ${action.from} is not part of the seed`);
  context.nonces.set(action.from, nonce + 1);
  const raw = await account.signTransaction({
    chainId: context.target.chainId,
    type: "eip1559",
    to: call.to,
    data: encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args }),
    nonce,
    gas: call.gas,
    maxFeePerGas: MAX_FEE_PER_GAS,
    maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
  });
  // The hash of a signed transaction is the hash of its bytes: no need to wait for the node's answer.
  return { raw, hash: keccak256(raw), label: describeAction(action, context), gas: call.gas };
}

async function callFor(action: Action, context: BuildContext): Promise<Call> {
  const { marketplace, token } = context.target;
  const market = (functionName: string, args: readonly unknown[], gas: number): Call => ({
    to: marketplace,
    abi: marketplaceAbi as Abi,
    functionName,
    args,
    gas: BigInt(gas),
  });
  const listingId = (listing: PlannedListing) => context.listingIdBase + BigInt(listing.seq);
  switch (action.kind) {
    case "mint":
      return { to: token, abi: ftnsTokenAbi as Abi, functionName: "mint", args: [devAccount(action.to).address, action.amount], gas: 100_000n };
    case "approve":
      return { to: token, abi: ftnsTokenAbi as Abi, functionName: "approve", args: [marketplace, maxUint256], gas: 60_000n };
    case "createListings": {
      const params = action.listings.map((listing) => listingParams(listing, context));
      const metadataGas = action.listings.reduce((sum, l) => sum + 150_000 + 48 * l.metadata.length, 0);
      return params.length === 1
        ? market("createListing", [params[0]], 30_000 + metadataGas)
        : market("createListings", [params], 60_000 + metadataGas);
    }
    case "updatePrice":
      return market("updatePrice", [listingId(action.listing), action.price], 60_000);
    case "setListingActive":
      return market("setListingActive", [listingId(action.listing), action.active], 60_000);
    case "updateMetadata":
      return market("updateMetadata", [listingId(action.listing), action.metadata], 60_000 + 48 * action.metadata.length);
    case "rent": {
      const { rental } = action;
      const args = [listingId(rental.listing), rental.hours, rental.pricePerHour] as const;
      if (!rental.permit) return market("rent", args, 220_000);
      const value = rental.pricePerHour * BigInt(rental.hours);
      const deadline = context.startedAt + BigInt(action.at + DAY);
      const { v, r, s } = await signPermit(action.from, context, value, deadline);
      return market("rentWithPermit", [...args, value, deadline, v, r, s], 300_000);
    }
    case "extend":
      return market("extend", [rentalId(action, context), action.extraHours, action.maxPrice], 140_000);
    case "resolveDispute":
      return market("resolveDispute", [rentalId(action, context), action.toProvider], 180_000);
    case "rate":
      return market("rate", [rentalId(action, context), action.score], 90_000);
    case "withdraw":
      return market("withdraw", [token], 100_000);
    case "withdrawFees":
      return market("withdrawFees", [token], 100_000);
    default:
      return market(action.kind, [rentalId(action, context)], RENTAL_CALL_GAS[action.kind]);
  }
}

const RENTAL_CALL_GAS = {
  accept: 80_000,
  reject: 100_000,
  cancel: 100_000,
  refundExpired: 100_000,
  release: 120_000,
  terminate: 160_000,
  settle: 130_000,
  openDispute: 90_000,
  resolveExpiredDispute: 180_000,
} as const;

function rentalId(action: Extract<Action, { rental: unknown }>, context: BuildContext): bigint {
  return context.rentalIdBase + BigInt(action.rental.seq);
}

function listingParams(listing: PlannedListing, context: BuildContext) {
  const absolute = (relative: number) => (relative === 0 ? 0 : Number(context.startedAt) + relative);
  return {
    token: context.target.token,
    pricePerHour: listing.offer.pricePerHour,
    availableFrom: absolute(listing.availableFrom),
    availableUntil: absolute(listing.availableUntil),
    capacity: listing.offer.capacity,
    metadata: listing.metadata,
  };
}

/** An ERC-2612 permit for the marketplace to pull `value`, signed by the consumer. */
async function signPermit(consumer: number, context: BuildContext, value: bigint, deadline: bigint) {
  const account = devAccount(consumer);
  const nonce = context.permitNonces.get(consumer);
  if (nonce === undefined) throw new Error(`account #${consumer} has no permit nonce`);
  context.permitNonces.set(consumer, nonce + 1n);
  const signature = await account.signTypedData({
    domain: { name: "FTNS", version: "1", chainId: context.target.chainId, verifyingContract: context.target.token },
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
    message: { owner: account.address, spender: context.target.marketplace, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: Number(v ?? BigInt(yParity + 27)) };
}

function describeAction(action: Action, context: BuildContext): string {
  const who = `account #${action.from}`;
  if ("rental" in action) return `${action.kind} of rental ${context.rentalIdBase + BigInt(action.rental.seq)} by ${who}`;
  if ("listing" in action) return `${action.kind} of listing ${context.listingIdBase + BigInt(action.listing.seq)} by ${who}`;
  if (action.kind === "createListings") return `listing ${action.listings.length} resources by ${who}`;
  return `${action.kind} by ${who}`;
}

/* ------------------------------------------------------------- output */

function describePhase(phase: PhaseReport): string {
  const parts = [`${phase.transactions} tx in ${phase.blocks} blocks`];
  if (phase.listings) parts.push(`${phase.listings} listings`);
  if (phase.rentals) parts.push(`${phase.rentals} rentals requested`);
  return parts.join(", ");
}

function phaseLine(name: string, text: string, milliseconds: number): string {
  return `  ${name.padEnd(9)} ${text.padEnd(64)} ${(milliseconds / 1000).toFixed(1).padStart(5)} s`;
}
