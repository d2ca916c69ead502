/**
 * The fixed, deterministic market history every API test reads: listings in several categories
 * (GPU ones among them), rentals in every state, price and metadata changes, ratings, spread over
 * several days of chain time so time series have more than one bucket.
 */
import type { Address, Hex } from "viem";
import { marketplaceAbi } from "../../../generated/abis.js";
import { HOUR, type Market, UNIT } from "./market.js";
import type { TestNode } from "./node.js";

export type ListingSeed = {
  provider: number;
  price: bigint;
  capacity: number;
  window?: boolean;
  meta: { title: string; description: string; category: string; resource_type: string; location: string; specifications: Record<string, unknown> };
};

const DAY = 24 * HOUR;

export const LISTINGS: ListingSeed[] = [
  { provider: 1, price: 12n * UNIT, capacity: 4, meta: { title: "NVIDIA H100 80GB GPU node", description: "Dedicated H100 GPU with NVLink for training large models.", category: "gpu", resource_type: "compute", location: "eu-west (Frankfurt, DE)", specifications: { gpu: "H100", gpu_memory_gb: 80, vcpus: 32, ram_gb: 256 } } },
  { provider: 1, price: 6n * UNIT, capacity: 2, meta: { title: "NVIDIA A100 40GB GPU server", description: "A100 GPU for fine-tuning and batch inference.", category: "gpu", resource_type: "compute", location: "eu-west (Frankfurt, DE)", specifications: { gpu: "A100", gpu_memory_gb: 40, vcpus: 16, ram_gb: 128 } } },
  { provider: 2, price: 2n * UNIT, capacity: 1, meta: { title: "RTX 4090 GPU workstation", description: "Consumer GPU, great for Stable Diffusion.", category: "gpu", resource_type: "compute", location: "us-east (Ashburn, VA)", specifications: { gpu: "RTX 4090", gpu_memory_gb: 24, vcpus: 16, ram_gb: 64 } } },
  { provider: 2, price: 3n * UNIT, capacity: 3, meta: { title: "AMD EPYC CPU server", description: "96 cores for compilation and simulation.", category: "cpu", resource_type: "compute", location: "us-east (Ashburn, VA)", specifications: { cpu: "AMD EPYC 9654", vcpus: 96, ram_gb: 768 } } },
  { provider: 3, price: 4n * UNIT, capacity: 5, meta: { title: "Llama 3.1 70B inference API", description: "Hosted model served from a rack of accelerators; OpenAI-compatible endpoint.", category: "ai-service", resource_type: "api", location: "ap-northeast (Tokyo, JP)", specifications: { model: "Llama 3.1 70B", max_tokens: 8192 } } },
  { provider: 3, price: 1n * UNIT, capacity: 10, meta: { title: "Object storage 10 TB", description: "S3 compatible, erasure coded.", category: "storage", resource_type: "storage", location: "eu-north (Stockholm, SE)", specifications: { capacity_tb: 10, s3_compatible: true } } },
  { provider: 1, price: 4n * UNIT, capacity: 2, meta: { title: "Spark cluster", description: "Eight workers, managed Spark 3.5.", category: "data-processing", resource_type: "cluster", location: "eu-west (Frankfurt, DE)", specifications: { workers: 8, ram_gb_per_worker: 32 } } },
  { provider: 2, price: 5n * UNIT / 2n, capacity: 2, meta: { title: "Intel Xeon compute node", description: "General purpose compute with fast NVMe.", category: "cpu", resource_type: "compute", location: "us-west (Hillsboro, OR)", specifications: { cpu: "Intel Xeon 8480+", vcpus: 64, ram_gb: 256 } } },
  { provider: 3, price: 5n * UNIT, capacity: 2, window: true, meta: { title: "NVIDIA L40S GPU, 90-day window", description: "L40S GPU available for the next quarter.", category: "gpu", resource_type: "compute", location: "ap-northeast (Tokyo, JP)", specifications: { gpu: "L40S", gpu_memory_gb: 48, vcpus: 32, ram_gb: 192 } } },
  { provider: 1, price: 1n * UNIT, capacity: 1, meta: { title: "Old GTX 1080 GPU box", description: "Retired GPU box.", category: "gpu", resource_type: "compute", location: "eu-west (Frankfurt, DE)", specifications: { gpu: "GTX 1080", gpu_memory_gb: 8, vcpus: 8, ram_gb: 32 } } },
  { provider: 3, price: UNIT / 2n, capacity: 20, meta: { title: "Whisper transcription API", description: "Speech to text, large-v3 model.", category: "ai-service", resource_type: "api", location: "us-east (Ashburn, VA)", specifications: { model: "Whisper large-v3" } } },
  { provider: 2, price: 3n * UNIT / 2n, capacity: 4, meta: { title: "Video transcoding pipeline", description: "HEVC and AV1 encoding with hardware acceleration.", category: "data-processing", resource_type: "pipeline", location: "us-west (Hillsboro, OR)", specifications: { codecs: ["h264", "hevc", "av1"], max_resolution: "4K" } } },
];

export type History = {
  providers: Address[];
  consumers: Address[];
  /** An address with no history (recommendation fallback). */
  newcomer: Address;
  /** Reserved for live tests, untouched by the history. */
  live: Address[];
  admin: Address;
  listingIds: bigint[];
  rentals: Record<string, bigint>;
  lastBlock: bigint;
};

/**
 * Moves the chain to 01:00 UTC of the next day. The history's three days are three daily buckets
 * only when it starts early in a day: begun in the evening, day 3 would spill into a fourth. Call it
 * before the deployment, whose events open the first bucket.
 */
export async function startEarlyInADay(node: TestNode): Promise<void> {
  const latest = await node.rpc<{ timestamp: Hex }>("eth_getBlockByNumber", ["latest", false]);
  const now = Number(latest.timestamp);
  await node.rpc("evm_increaseTime", [Math.floor(now / DAY + 1) * DAY + HOUR - now]);
  await node.rpc("evm_mine");
}

export async function writeHistory(m: Market): Promise<History> {
  const a = m.accounts;
  const admin = a[0] as Address;
  const providers = [a[1], a[2], a[3]] as Address[];
  const consumers = [a[4], a[5], a[6], a[7], a[8], a[9]] as Address[];
  const [c1, c2, c3, c4, c5, c6] = consumers as [Address, Address, Address, Address, Address, Address];
  const p = (i: number) => providers[i - 1] as Address;

  const start = await m.now();
  const listingIds: bigint[] = [];
  for (const [i, seed] of LISTINGS.entries()) {
    await m.send(p(seed.provider), "createListing", [
      {
        token: m.token,
        pricePerHour: seed.price,
        availableFrom: seed.window ? start : 0,
        availableUntil: seed.window ? start + 90 * DAY : 0,
        capacity: seed.capacity,
        metadata: JSON.stringify(seed.meta),
      },
    ]);
    listingIds.push(BigInt(i + 1));
  }
  const rentals: Record<string, bigint> = {};
  let next = 1n;
  const rent = async (name: string, consumer: Address, listing: number, hours: number) => {
    const price = (await m.publicClient.readContract({ address: m.marketplace, abi: marketplaceAbi, functionName: "getListing", args: [BigInt(listing)] })).pricePerHour;
    await m.send(consumer, "rent", [BigInt(listing), hours, price]);
    rentals[name] = next++;
    return rentals[name] as bigint;
  };

  // Day 1: completed rentals, a release and an early termination.
  const r1 = await rent("completed", c1, 1, 2);
  await m.send(p(1), "accept", [r1]);
  const r2 = await rent("terminated", c1, 2, 3);
  await m.send(p(1), "accept", [r2]);
  await m.advance(HOUR);
  await m.send(p(1), "release", [r2]);
  await m.send(c1, "terminate", [r2]);
  await m.advance(HOUR + 60);
  await m.send(c1, "settle", [r1]);
  await m.send(c1, "rate", [r1, 5]);
  await m.send(c1, "rate", [r2, 4]);

  // Day 2: another completed rental, a rejection, a cancellation, an expiry; price changes.
  await m.advance(DAY);
  const r3 = await rent("completed2", c2, 1, 1);
  await m.send(p(1), "accept", [r3]);
  const r4 = await rent("rejected", c2, 2, 1);
  await m.send(p(1), "reject", [r4]);
  const r5 = await rent("cancelled", c3, 3, 2);
  await m.send(c3, "cancel", [r5]);
  const r6 = await rent("expired", c3, 4, 1);
  await m.advance(31 * 60);
  await m.send(c6, "refundExpired", [r6]);
  await m.advance(HOUR);
  await m.send(c2, "settle", [r3]);
  await m.send(c2, "rate", [r3, 4]);
  await m.send(p(1), "updatePrice", [1n, 10n * UNIT]);
  await m.send(p(2), "updatePrice", [3n, 3n * UNIT]);
  await m.send(p(2), "updateCapacity", [4n, 4]);
  await m.send(p(1), "setListingActive", [10n, false]);

  // Day 3: a resolved dispute, an open dispute, a running extended rental, a pending request.
  await m.advance(DAY);
  const r7 = await rent("resolved", c4, 5, 4);
  await m.send(p(3), "accept", [r7]);
  await m.advance(HOUR);
  await m.send(c4, "openDispute", [r7]);
  await m.send(admin, "resolveDispute", [r7, 6n * UNIT]);
  await m.send(c4, "rate", [r7, 2]);
  const r8 = await rent("disputed", c4, 7, 1);
  await m.send(p(1), "accept", [r8]);
  await m.send(p(1), "openDispute", [r8]);
  const r9 = await rent("running", c5, 1, 5);
  await m.send(p(1), "accept", [r9]);
  await m.send(c5, "extend", [r9, 2, 10n * UNIT]);
  const r10 = await rent("pending", c6, 6, 1);
  const r11 = await rent("storage", c3, 6, 2);
  await m.send(p(3), "accept", [r11]);
  void r10;

  const lastBlock = await m.publicClient.getBlockNumber();
  return { providers, consumers, newcomer: a[10] as Address, live: [a[11], a[12]] as Address[], admin, listingIds, rentals, lastBlock };
}
