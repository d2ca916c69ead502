import { createWalletClient, http, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { connectToMarketplace, type ChainConnection } from "../lib/chain.js";
import { devAccount } from "../lib/dev-accounts.js";
import { ScriptError, UsageError } from "../lib/errors.js";

/** What every command gets: output, the signing account, and a lazily opened chain connection. */
export type CliContext = {
  out(line?: string): void;
  rpcUrl: string;
  account: LocalAccount;
  /** "development account #3" or "PRIVATE_KEY" — how the account was chosen, for messages. */
  accountSource: string;
  connection(): Promise<ChainConnection>;
  /** A wallet for `account` on the connected chain; refuses public development keys on other chains. */
  wallet(): Promise<ReturnType<typeof createWalletClient<ReturnType<typeof http>, ChainConnection["chain"], LocalAccount>>>;
};

export type CliContextParameters = {
  rpcUrl: string;
  env: NodeJS.ProcessEnv;
  /** --account N: a development account of the local chain. */
  accountIndex?: number;
  out(line?: string): void;
};

const LOCAL_CHAIN_ID = 31337;

export function createCliContext({ rpcUrl, env, accountIndex, out }: CliContextParameters): CliContext {
  const { account, source, isDevelopment } = chooseAccount(env, accountIndex);
  let connection: Promise<ChainConnection> | undefined;
  const connect = () => (connection ??= connectToMarketplace(rpcUrl));
  return {
    out,
    rpcUrl,
    account,
    accountSource: source,
    connection: connect,
    async wallet() {
      const { chain } = await connect();
      if (isDevelopment && chain.id !== LOCAL_CHAIN_ID) {
        throw new ScriptError(`${source} has a publicly known key; set PRIVATE_KEY to sign on chain ${chain.id}`);
      }
      return createWalletClient({ account, chain, transport: http(rpcUrl) });
    },
  };
}

/** --account N wins, then PRIVATE_KEY, then development account #0 (the local admin). */
function chooseAccount(env: NodeJS.ProcessEnv, accountIndex: number | undefined) {
  if (accountIndex !== undefined) {
    return { account: devAccount(accountIndex), source: `development account #${accountIndex}`, isDevelopment: true };
  }
  const key = env.PRIVATE_KEY?.trim();
  if (key) {
    const hex = key.startsWith("0x") ? key : `0x${key}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError("PRIVATE_KEY must be 64 hex digits (with or without 0x)");
    return { account: privateKeyToAccount(hex as `0x${string}`), source: "PRIVATE_KEY", isDevelopment: false };
  }
  return { account: devAccount(0), source: "development account #0", isDevelopment: true };
}
