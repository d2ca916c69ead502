/**
 * The seed and the CLI against a real Hardhat node: a node of its own on a free port, the real deploy,
 * the small seed, then the chain is checked against the seed's plan, and the CLI is run as a user
 * would run it (a separate process), including bad input.
 *
 *   npm run test:scripts
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { createPublicClient, http, type Address, type PublicClient } from "viem";
import { marketplaceAbi } from "../../generated/abis.js";
import { runCli } from "../../scripts/cli/run.js";
import { devAccount } from "../../scripts/lib/dev-accounts.js";
import { startHardhatNode, type HardhatNode } from "../../scripts/lib/hardhat-node.js";
import { deployToLocalNode } from "../../scripts/lib/local-deploy.js";
import { freePort } from "../../scripts/lib/local-node.js";
import { projectRoot } from "../../scripts/lib/project.js";
import { rentalStatusName } from "../../scripts/lib/rental-status.js";
import { expectedStatusCounts, planSeed, SCALES, type SeedPlan } from "../../scripts/lib/seed/plan.js";

const STACK_TRACE = /^\s+at .+\(.*\)$|^\s+at file:/m;
/** Far above the seed's accounts, so its history does not get in the way. */
const FRESH_ACCOUNT = 900;

let node: HardhatNode;
let client: PublicClient;
let marketplace: Address;
let plan: SeedPlan;

before(async () => {
  node = await startHardhatNode({ port: await freePort() });
  client = createPublicClient({ transport: http(node.url, { batch: true }) });
});

after(async () => {
  await node?.stop();
});

test("the seed refuses a chain without our contracts, with a clear message", { timeout: 30_000 }, async () => {
  const seed = await runScript("scripts/seed.ts", [], { SEED_SCALE: "small" });
  assert.equal(seed.code, 1, seed.stderr);
  assert.match(seed.stderr, /no deployment for chain 31337: .*run the deploy first/);
  assert.doesNotMatch(seed.stderr, STACK_TRACE);
});

// About 5 s with compiled contracts; the deploy compiles first, which on a cold checkout takes a minute or more.
test("the small seed leaves on-chain exactly the market it planned, in every rental state", { timeout: 240_000 }, async () => {
  const deployment = await deployToLocalNode(node.url);
  marketplace = deployment.marketplace as Address;
  const read = <T>(functionName: "feeBps" | "acceptanceTimeout" | "disputeTimeout" | "listingCount" | "rentalCount") =>
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName }) as Promise<T>;
  plan = planSeed(SCALES.small, {
    feeBps: await read<number>("feeBps"),
    acceptanceTimeout: await read<number>("acceptanceTimeout"),
    disputeTimeout: await read<number>("disputeTimeout"),
  });
  const startBlock = await client.getBlock({ blockTag: "latest" });

  const seed = await runScript("scripts/seed.ts", [], { SEED_SCALE: "small" });
  assert.equal(seed.code, 0, seed.stderr);
  assert.match(seed.stdout, /month 1 +\d+ tx in \d+ blocks/);
  assert.match(seed.stdout, /seed done: \d+ listings by 8 providers, \d+ rentals by 8 consumers/);

  assert.equal(await read<bigint>("listingCount"), BigInt(plan.listings.length));
  assert.equal(await read<bigint>("rentalCount"), BigInt(plan.rentals.length));

  const rentals = await Promise.all(
    plan.rentals.map((r) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getRental", args: [BigInt(r.seq)] })),
  );
  const byStatus: Record<string, number> = {};
  rentals.forEach((rental, i) => {
    const status = rentalStatusName(rental.status);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    assert.equal(rental.consumer, devAccount(plan.rentals[i].consumer).address, `consumer of rental ${i + 1}`);
  });
  assert.deepEqual(byStatus, expectedStatusCounts(plan));
  for (const status of ["Requested", "Active", "Disputed", "Completed", "Rejected", "Cancelled", "Expired", "Resolved"]) {
    assert.ok((byStatus[status] ?? 0) > 0, `no rental is ${status}`);
  }

  // Every category is listed, with the metadata fields the indexer reads.
  const created = await client.getContractEvents({ address: marketplace, abi: marketplaceAbi, eventName: "ListingCreated", fromBlock: 0n });
  const categories = new Set(created.map((e) => JSON.parse(e.args.metadata!).category));
  assert.deepEqual([...categories].sort(), ["cpu", "dataset_processing", "gpu", "inference_api", "storage"]);
  for (const event of created) {
    const metadata = JSON.parse(event.args.metadata!);
    for (const field of ["title", "description", "category", "resource_type", "location", "specifications"]) {
      assert.ok(metadata[field] !== undefined, `listing ${event.args.listingId} has no ${field}`);
    }
  }

  // Ratings on the listings add up to the rentals the plan rated.
  const listings = await Promise.all(
    created.map((e) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getListing", args: [e.args.listingId!] })),
  );
  const rated = plan.rentals.filter((r) => r.score !== undefined);
  assert.equal(listings.reduce((sum, l) => sum + l.ratingCount, 0), rated.length);
  assert.equal(Number(listings.reduce((sum, l) => sum + l.ratingSum, 0n)), rated.reduce((sum, r) => sum + r.score!, 0));

  // Weeks of history, in blocks that chain by parent hash (evm_mine, never hardhat_mine).
  const endBlock = await client.getBlock({ blockTag: "latest" });
  assert.ok(endBlock.timestamp - startBlock.timestamp >= BigInt((SCALES.small.days - 1) * 86_400), "the seed spans its days");
  const blocks = await Promise.all(
    Array.from({ length: Number(endBlock.number - startBlock.number) }, (_, i) => client.getBlock({ blockNumber: startBlock.number + BigInt(i + 1) })),
  );
  blocks.reduce((parent, block) => {
    assert.equal(block.parentHash, parent.hash, `block ${block.number} does not point at its parent`);
    return block;
  }, startBlock);
});

test("the CLI reads, rents and accepts, and explains what went wrong", { timeout: 90_000 }, async () => {
  assert.ok(plan, "runs after the seed");
  const list = await cli("list", "--limit", "5");
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ *ID +TITLE +CATEGORY/m);
  assert.match(list.stdout, /5 of \d+ matching listings/);

  const show = await cli("show", "1");
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`^listing 1: ${escape(plan.listings[0].offer.metadata.title)}`, "m"));
  assert.match(show.stdout, /specifications:/);

  const renter = devAccount(FRESH_ACCOUNT).address;
  const faucet = await runScript("scripts/faucet.ts", [renter, "250.5"]);
  assert.equal(faucet.code, 0, faucet.stderr);
  assert.match(faucet.stdout, new RegExp(`minted 250.5 FTNS to ${renter}`));

  const listing = await rentableListing();
  const rent = await cli("rent", String(listing.id), "--hours", "2", "--account", String(FRESH_ACCOUNT));
  assert.equal(rent.code, 0, rent.stderr);
  const rentalId = BigInt(/rental (\d+) requested on listing/.exec(rent.stdout)?.[1] ?? "0");
  const rental = await client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getRental", args: [rentalId] });
  assert.equal(rental.consumer, renter);
  assert.equal(rentalStatusName(rental.status), "Requested");
  assert.equal(rental.amount, listing.price * 2n);

  const accept = await cli("accept", String(rentalId), "--account", String(listing.providerAccount));
  assert.equal(accept.code, 0, accept.stderr);
  assert.match(accept.stdout, new RegExp(`rental ${rentalId} accepted: runs until`));
  const shown = await cli("rental", String(rentalId));
  assert.match(shown.stdout, new RegExp(`^rental ${rentalId}: Active`, "m"));

  // A revert comes back as the custom error, in words, with exit code 1.
  const tooCheap = await cli("rent", String(listing.id), "--hours", "1", "--max-price", "0.000001", "--account", String(FRESH_ACCOUNT));
  assert.equal(tooCheap.code, 1);
  assert.match(tooCheap.stderr, new RegExp(`Marketplace_PriceAboveMax: listing ${listing.id} costs [\\d.]+ FTNS/h, above your max 0.000001 FTNS/h`));
  const acceptAgain = await cli("accept", String(rentalId), "--account", String(listing.providerAccount));
  assert.equal(acceptAgain.code, 1);
  assert.match(acceptAgain.stderr, new RegExp(`Marketplace_InvalidStatus: rental ${rentalId} is Active, which does not allow this`));
  assert.doesNotMatch(acceptAgain.stderr, STACK_TRACE);

  // Bad input: a message and the usage on stderr, exit code 2, never a stack trace. Two cases run as
  // real processes (exit code included); the rest in-process, which is the same code without the spawn.
  const badInput: [string[], RegExp][] = [
    [["rent", "abc", "--hours", "2"], /listingId must be a positive whole number, got "abc"/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["rent", "1"], /missing --hours/],
    [["rent", "1", "--hours", "1.5"], /--hours must be a whole number/],
    [["rate", "1"], /missing <score>/],
    [["balance", "0x1234"], /address must be an address/],
    [["create", "--price", "1,5", "--title", "x", "--category", "gpu"], /--price must be a decimal number of FTNS/],
    [["list", "--colour"], /Unknown option '--colour'/],
  ];
  for (const [i, [args, message]] of badInput.entries()) {
    const result = i < 2 ? await cli(...args) : await cliInProcess(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /^usage: npm run cli -- /m);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
    assert.equal(result.stdout, "");
  }
});

/** A listing a stranger can rent for 2 hours right now, and the development account of its provider. */
async function rentableListing(): Promise<{ id: bigint; price: bigint; providerAccount: number }> {
  const { timestamp } = await client.getBlock({ blockTag: "latest" });
  for (const planned of plan.listings) {
    const id = BigInt(planned.seq);
    const view = await client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getListing", args: [id] });
    const open = view.active && view.openRentals < view.capacity && view.availableFrom <= timestamp;
    const fits = view.availableUntil === 0 || BigInt(view.availableUntil) > timestamp + 3n * 3600n;
    if (open && fits) return { id, price: view.pricePerHour, providerAccount: planned.provider };
  }
  throw new Error("the seed left no rentable listing");
}

type Run = { code: number | null; stdout: string; stderr: string };

function cli(...args: string[]): Promise<Run> {
  return runScript("scripts/cli.ts", args);
}

async function cliInProcess(args: readonly string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
    env: { RPC_URL: node.url },
  });
  return { code, stdout, stderr };
}

function runScript(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: projectRoot,
      env: { ...process.env, RPC_URL: node.url, PRIVATE_KEY: "", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
