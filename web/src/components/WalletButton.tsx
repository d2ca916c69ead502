/**
 * Connect an injected wallet (every EIP-6963 announcement, else window.ethereum), then show the
 * address and FTNS balance, with a menu to copy the address or disconnect.
 */
import { useEffect, useRef, useState } from "react";
import { useConnect, useConnectors, useDisconnect } from "wagmi";
import { useFtnsBalance } from "../hooks/useChainReads";
import { useWallet } from "../hooks/useWallet";
import { describeError } from "../lib/errors";
import { formatAmount, shortAddress } from "../lib/format";

export function WalletButton() {
  const wallet = useWallet();
  const connectors = useConnectors();
  const { mutate: connect, isPending, error, reset } = useConnect();
  const { mutate: disconnect } = useDisconnect();
  const balance = useFtnsBalance(wallet.address);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  // Wallets that announced themselves (EIP-6963) first; the generic injected one only if it is alone.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const choices = announced.length > 0 ? announced : connectors.filter((c) => c.id === "injected");

  if (wallet.address) {
    return (
      <div className="wallet" ref={root}>
        <button type="button" className="btn btn--ghost wallet__chip" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span className="wallet__avatar" aria-hidden="true" style={{ background: `hsl(${parseInt(wallet.address.slice(2, 6), 16) % 360} 70% 55%)` }} />
          <span className="wallet__address mono" data-address={wallet.address}>{shortAddress(wallet.address)}</span>
          <span className="wallet__balance" data-testid="ftns-balance">
            {balance.data !== undefined ? `${formatAmount(balance.data, { maxDecimals: 2 })} FTNS` : "…"}
          </span>
        </button>
        {open ? (
          <div className="menu" role="menu">
            <p className="menu__meta">
              Connected with {wallet.connectorName ?? "wallet"}
              <br />
              <span className="mono small">{wallet.address}</span>
            </p>
            <button type="button" role="menuitem" className="menu__item" onClick={() => void navigator.clipboard?.writeText(wallet.address!).then(() => setOpen(false))}>
              Copy address
            </button>
            <button
              type="button"
              role="menuitem"
              className="menu__item"
              onClick={() => {
                disconnect();
                setOpen(false);
              }}
            >
              Disconnect
            </button>
          </div>
        ) : null}
      </div>
    );
  }

  return (
    <div className="wallet" ref={root}>
      <button
        type="button"
        className="btn btn--primary"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={isPending || wallet.connecting}
        onClick={() => {
          reset();
          setOpen(!open);
        }}
      >
        {isPending ? "Connecting…" : "Connect wallet"}
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label="Choose a wallet">
          {choices.length === 0 ? (
            <p className="menu__meta">
              No browser wallet found. Install one (MetaMask, Rabby, …) and import a local account to try the market.
            </p>
          ) : (
            choices.map((connector) => (
              <button
                key={connector.uid}
                type="button"
                role="menuitem"
                className="menu__item menu__item--wallet"
                onClick={() =>
                  connect(
                    { connector },
                    { onSuccess: () => setOpen(false) },
                  )
                }
              >
                {connector.icon ? <img src={connector.icon} alt="" width={20} height={20} /> : <span className="wallet__avatar" aria-hidden="true" />}
                {connector.name === "Injected" ? "Browser wallet" : connector.name}
              </button>
            ))
          )}
          {error ? (
            <p className="menu__error" role="alert">
              {describeError(error).message}
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
