/**
 * A browser wallet for tests: an EIP-1193 provider injected into the page (window.ethereum, and
 * announced by EIP-6963 like an extension), whose requests cross an exposed binding to this process
 * and go to the local node, which holds the test accounts unlocked. The page goes through wagmi's
 * injected connector exactly as with a real wallet. The test decides what the "user" does: which
 * account is selected, which chain the wallet is on, and whether the next request is declined.
 */
import type { Page } from "playwright-core";

type RpcError = { code: number; message: string; data?: unknown };
type Answer = { result: unknown } | { error: RpcError };

export type TestWallet = {
  readonly account: `0x${string}`;
  /** The chain the wallet claims to be on. */
  readonly chainId: number;
  /** Selects another unlocked account; the page hears accountsChanged. */
  setAccount(page: Page, account: `0x${string}`): Promise<void>;
  /** Moves the wallet to another chain as a user would in the extension; the page hears chainChanged. */
  setChain(page: Page, chainId: number): Promise<void>;
  /** The next request of this method (e.g. eth_signTypedData_v4) is declined by the "user" (EIP-1193 4001). */
  declineNext(method: string): void;
  /** Every request the page made, in order (method names). */
  readonly requests: string[];
};

export type InstallWalletParameters = {
  rpcUrl: string;
  account: `0x${string}`;
  /** The node's chain id. */
  chainId: number;
  /** The chain the wallet starts on (default: the node's). */
  startChainId?: number;
  /** Methods this wallet does not implement (EIP-1193 4200), e.g. to exercise a fallback. */
  unsupported?: string[];
};

const FORWARDED = new Set([
  "eth_sendTransaction",
  "eth_signTypedData_v4",
  "personal_sign",
  "eth_call",
  "eth_estimateGas",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getBalance",
  "eth_getCode",
  "eth_getTransactionCount",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_getLogs",
  "net_version",
]);

let nextBinding = 0;

async function forward(rpcUrl: string, method: string, params: unknown[]): Promise<Answer> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: RpcError };
  return body.error ? { error: body.error } : { result: body.result ?? null };
}

export async function installWallet(page: Page, p: InstallWalletParameters): Promise<TestWallet> {
  const binding = `__testWallet${nextBinding++}`;
  let account = p.account;
  let chainId = p.startChainId ?? p.chainId;
  let authorised = false;
  const declines = new Map<string, number>();
  const requests: string[] = [];
  const unsupported = new Set(p.unsupported ?? []);

  const handle = async (method: string, params: unknown[]): Promise<Answer> => {
    requests.push(method);
    const declined = declines.get(method) ?? 0;
    if (declined > 0) {
      declines.set(method, declined - 1);
      return { error: { code: 4001, message: "User rejected the request." } };
    }
    if (unsupported.has(method)) return { error: { code: 4200, message: `The wallet does not support ${method}` } };
    switch (method) {
      case "eth_requestAccounts":
        authorised = true;
        return { result: [account] };
      case "eth_accounts":
        return { result: authorised ? [account] : [] };
      case "eth_chainId":
        return { result: `0x${chainId.toString(16)}` };
      case "net_version":
        return { result: String(chainId) };
      case "wallet_requestPermissions":
        authorised = true;
        return { result: [{ parentCapability: "eth_accounts" }] };
      case "wallet_getPermissions":
        return { result: authorised ? [{ parentCapability: "eth_accounts" }] : [] };
      case "wallet_revokePermissions":
        authorised = false;
        return { result: null };
      case "wallet_switchEthereumChain": {
        const target = Number((params[0] as { chainId: string }).chainId);
        if (target !== p.chainId) return { error: { code: 4902, message: `Unrecognized chain ID ${target}` } };
        chainId = target;
        // A real wallet announces the switch as an event, after answering.
        setTimeout(() => void emit(page, "chainChanged", `0x${chainId.toString(16)}`), 0);
        return { result: null };
      }
      case "wallet_addEthereumChain":
        return { result: null };
      default:
        break;
    }
    if (!FORWARDED.has(method)) return { error: { code: 4200, message: `The wallet does not support ${method}` } };
    if (!authorised && (method === "eth_sendTransaction" || method === "eth_signTypedData_v4" || method === "personal_sign")) {
      return { error: { code: 4100, message: "The requested account has not been authorized by the user." } };
    }
    if (method === "eth_sendTransaction") {
      if (chainId !== p.chainId) return { error: { code: -32603, message: `wallet is on chain ${chainId}` } };
      const tx = { ...(params[0] as Record<string, unknown>), from: account };
      return forward(p.rpcUrl, method, [tx]);
    }
    return forward(p.rpcUrl, method, params);
  };

  await page.exposeBinding(binding, async (_source, method: string, params: unknown[]) => {
    try {
      return await handle(method, params ?? []);
    } catch (error) {
      return { error: { code: -32603, message: error instanceof Error ? error.message : String(error) } };
    }
  });

  // Plain JavaScript text: a function would be serialised after the TypeScript loader rewrote it.
  await page.addInitScript({ content: providerScript(binding, "Test Wallet") });

  return {
    get account() {
      return account;
    },
    get chainId() {
      return chainId;
    },
    async setAccount(target, next) {
      account = next;
      await emit(target, "accountsChanged", authorised ? [next] : []);
    },
    async setChain(target, next) {
      chainId = next;
      await emit(target, "chainChanged", `0x${next.toString(16)}`);
    },
    declineNext(method) {
      declines.set(method, (declines.get(method) ?? 0) + 1);
    },
    requests,
  };
}

async function emit(page: Page, event: string, payload: unknown): Promise<void> {
  await page.evaluate(`window.__testWalletEmit && window.__testWalletEmit(${JSON.stringify(event)}, ${JSON.stringify(payload)})`);
}

/** The page side: an EIP-1193 provider that forwards every request to the binding, announced by EIP-6963. */
function providerScript(binding: string, name: string): string {
  return `(() => {
  const call = window[${JSON.stringify(binding)}];
  const listeners = new Map();
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      const answer = await call(method, params || []);
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        error.data = answer.error.data;
        throw error;
      }
      return answer.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      const set = listeners.get(event);
      if (set) set.delete(listener);
      return provider;
    },
  };
  window.__testWalletEmit = (event, payload) => {
    for (const listener of listeners.get(event) || []) listener(payload);
  };
  Object.defineProperty(window, "ethereum", { value: provider, configurable: true });
  const info = Object.freeze({
    uuid: "6f1c6d4e-1f83-4b8e-9d0b-8a6b1f6e2c11",
    name: ${JSON.stringify(name)},
    rdns: "org.prsm.testwallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20'%3E%3Ccircle cx='10' cy='10' r='9' fill='%230891b2'/%3E%3C/svg%3E",
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;
}
