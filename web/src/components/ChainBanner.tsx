/** Shown while the wallet is on another network: says which, and offers the switch. */
import { useSwitchChain } from "wagmi";
import { useServices } from "../app/services";
import { useWallet } from "../hooks/useWallet";
import { describeError } from "../lib/errors";

export function ChainBanner() {
  const { config } = useServices();
  const wallet = useWallet();
  const { mutate: switchChain, isPending, error } = useSwitchChain();
  if (!wallet.wrongChain) return null;
  return (
    <div className="banner banner--warning" role="alert" data-testid="wrong-chain">
      <p>
        <strong>Wrong network.</strong> Your wallet is on chain {wallet.walletChainId}; this marketplace runs on {config.chainName} (chain {config.chainId}).
        Transactions are disabled until you switch.
      </p>
      <button type="button" className="btn btn--small btn--primary" disabled={isPending} onClick={() => switchChain({ chainId: config.chainId })}>
        {isPending ? "Switching…" : `Switch to ${config.chainName}`}
      </button>
      {error ? <p className="banner__error">{describeError(error).message}</p> : null}
    </div>
  );
}
