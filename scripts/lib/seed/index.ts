import { marketplaceAbi } from "../../../generated/abis.js";
import { connectToMarketplace } from "../chain.js";
import { UsageError } from "../errors.js";
import { JsonRpc } from "../json-rpc.js";
import { executePlan, type ExecutionReport } from "./execute.js";
import { planSeed, SCALES, type SeedPlan, type SeedScale } from "./plan.js";
import { formatSummary, readSummary, type SeedSummary } from "./summary.js";

export { planSeed, SCALES, type SeedPlan, type SeedScale } from "./plan.js";

export type SeedOptions = {
  rpcUrl: string;
  scale: SeedScale;
  log?: (line: string) => void;
};

export type SeedResult = {
  plan: SeedPlan;
  report: ExecutionReport;
  summary: SeedSummary;
  milliseconds: number;
};

/** Plans the demo market for the deployment's settings, plays it on the node, and reads back a summary. */
export async function seed({ rpcUrl, scale, log = () => {} }: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const { client, deployment, chain } = await connectToMarketplace(rpcUrl);
  const read = <T>(functionName: "feeBps" | "acceptanceTimeout" | "disputeTimeout") =>
    client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName }) as Promise<T>;
  const [feeBps, acceptanceTimeout, disputeTimeout] = await Promise.all([read<number>("feeBps"), read<number>("acceptanceTimeout"), read<number>("disputeTimeout")]);
  const plan = planSeed(scale, { feeBps, acceptanceTimeout, disputeTimeout });
  log(
    `seeding chain ${chain.id} at ${rpcUrl}, marketplace ${deployment.marketplace}: scale "${scale.name}" — ` +
      `${scale.providers} providers, ${scale.consumers} consumers, ${scale.days} days, ${plan.rentals.length} rentals`,
  );
  const report = await executePlan(
    plan,
    { rpc: new JsonRpc(rpcUrl), client, chainId: chain.id, marketplace: deployment.marketplace, token: deployment.token },
    log,
  );
  const summary = await readSummary(plan, report, client, deployment.marketplace, deployment.token);
  const milliseconds = performance.now() - started;
  for (const line of formatSummary(summary, plan, report, milliseconds)) log(line);
  return { plan, report, summary, milliseconds };
}

/** SEED_SCALE=small|full (default full). */
export function scaleFromName(name: string | undefined): SeedScale {
  const key = (name || "full").toLowerCase();
  if (!(key in SCALES)) {
    throw new UsageError(`unknown seed scale "${name}": use one of ${Object.keys(SCALES).join(", ")}`);
  }
  return SCALES[key as keyof typeof SCALES];
}


