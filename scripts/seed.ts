/**
 * Fills a running local chain with believable demo data: providers listing GPUs, CPUs, storage,
 * inference APIs and data pipelines, and months of rentals in every state, with ratings. Deterministic:
 * a fresh chain gets the same market every time.
 *
 *   npm run seed                      # RPC_URL defaults to http://127.0.0.1:8545
 *   SEED_SCALE=small npm run seed     # a small market, for tests
 */
import { rpcUrlFromEnv } from "./lib/chain.js";
import { runMain } from "./lib/errors.js";
import { scaleFromName, seed } from "./lib/seed/index.js";

await runMain(async () => {
  await seed({ rpcUrl: rpcUrlFromEnv(), scale: scaleFromName(process.env.SEED_SCALE), log: (line) => console.log(line) });
});
