/**
 * Rent with hours and a price guard. The cost is shown before anything is signed. With a permit the
 * wallet asks for one signature and one transaction; a wallet that cannot sign typed data falls back
 * to approve + rent; an allowance that already covers the cost needs only the rent.
 */
import { useState } from "react";
import { Link } from "react-router";
import type { Abi, Hex } from "viem";
import { useConfig } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { ftnsTokenAbi, marketplaceAbi } from "../../../../generated/abis";
import { useServices } from "../../app/services";
import { Ftns } from "../../components/bits";
import { TxNotice } from "../../components/TxNotice";
import type { WagmiConfig } from "../../config/wagmi";
import { useChainNow, useFtnsBalance } from "../../hooks/useChainReads";
import { useWallet } from "../../hooks/useWallet";
import { useWrite } from "../../hooks/useWrite";
import { isUnsupportedMethod } from "../../lib/errors";
import { formatAmount, parseAmount } from "../../lib/format";
import { MAX_HOURS } from "../../lib/listing-form";
import { buildPermit, quote, readAllowance, rentalIdFromReceipt, splitSignature } from "./rent-flow";

type Props = {
  listingId: string;
  provider: string;
  /** The price on-chain now (the index may lag a block). */
  price: bigint;
  active: boolean;
  freeCapacity: number;
  availableUntil: number | null;
};

export function RentPanel({ listingId, provider, price, active, freeCapacity, availableUntil }: Props) {
  const { config } = useServices();
  const wagmi = useConfig() as WagmiConfig;
  const wallet = useWallet();
  const chainNow = useChainNow();
  const balance = useFtnsBalance(wallet.address);
  const { write, sign, entry, busy } = useWrite();
  const [hoursText, setHoursText] = useState("3");
  const [maxPriceText, setMaxPriceText] = useState(() => formatAmount(price, { maxDecimals: 18, grouped: false }));
  const [method, setMethod] = useState<"permit" | "approve">("permit");
  const [rented, setRented] = useState<{ rentalId: string; hash: Hex } | null>(null);

  const hours = /^\d+$/.test(hoursText.trim()) ? Number(hoursText) : NaN;
  const maxPrice = parseAmount(maxPriceText);
  const hoursError = !Number.isInteger(hours) || hours < 1 ? "Book at least 1 hour" : hours > MAX_HOURS ? `At most ${MAX_HOURS} hours` : undefined;
  const windowError = availableUntil && !hoursError && chainNow + hours * 3600 > availableUntil ? "The listing is not available that long" : undefined;
  const maxError = maxPrice === undefined ? "Enter a price in FTNS" : maxPrice < price ? "Below the current price: the rent would be refused" : undefined;
  const { cost, maxCost } = quote(price, maxPrice ?? price, Number.isInteger(hours) ? hours : 0);
  const own = wallet.address?.toLowerCase() === provider.toLowerCase();
  const short = balance.data !== undefined && balance.data < cost;
  const blocked = !active ? "This listing is deactivated." : freeCapacity <= 0 ? "Fully booked right now." : own ? "This is your own listing." : undefined;
  const invalid = Boolean(hoursError || maxError || windowError);

  async function rent() {
    if (!wallet.address || invalid || !maxPrice) return;
    setRented(null);
    const owner = wallet.address;
    const common = { chainId: config.chainId };
    const label = `Rent listing #${listingId} for ${hours} h`;
    const rentCall = { address: config.marketplace, abi: marketplaceAbi as Abi, functionName: "rent", args: [BigInt(listingId), hours, maxPrice] };

    const allowance = await readAllowance(wagmi, { token: config.token, owner, spender: config.marketplace, ...common }).catch(() => 0n);
    let receipt;
    if (allowance >= maxCost) {
      receipt = await write(label, rentCall);
    } else if (method === "permit") {
      let unsupported = false;
      const permit = await buildPermit(wagmi, { token: config.token, owner, spender: config.marketplace, value: maxCost, chainNow, ...common });
      const signature = await sign(`Sign a permit for ${formatAmount(maxCost)} FTNS`, () => signTypedData(wagmi, { account: owner, ...permit.typedData }), {
        onError: (error) => (unsupported = isUnsupportedMethod(error)),
      });
      if (!signature) {
        if (!unsupported) return;
        // The wallet cannot sign typed data: approve + rent instead, and remember it for next time.
        setMethod("approve");
        receipt = await approveAndRent();
      } else {
        const { v, r, s } = splitSignature(signature);
        receipt = await write(label, {
          address: config.marketplace,
          abi: marketplaceAbi as Abi,
          functionName: "rentWithPermit",
          args: [BigInt(listingId), hours, maxPrice, maxCost, permit.deadline, v, r, s],
        });
      }
    } else {
      receipt = await approveAndRent();
    }
    if (!receipt) return;
    const rentalId = rentalIdFromReceipt(receipt, config.marketplace);
    if (rentalId !== undefined) setRented({ rentalId: rentalId.toString(), hash: receipt.transactionHash });

    async function approveAndRent() {
      const approved = await write(`Approve ${formatAmount(maxCost)} FTNS for the marketplace`, {
        address: config.token,
        abi: ftnsTokenAbi as Abi,
        functionName: "approve",
        args: [config.marketplace, maxCost],
      });
      return approved ? write(label, rentCall) : undefined;
    }
  }

  return (
    <section className="card rent" aria-labelledby="rent-heading">
      <h2 id="rent-heading" className="h3">
        Rent this resource
      </h2>
      <p className="rent__price">
        <Ftns value={price} maxDecimals={6} /> <span className="muted">per hour</span>
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void rent();
        }}
        noValidate
      >
        <div className="field">
          <label htmlFor="rent-hours">Hours</label>
          <input id="rent-hours" inputMode="numeric" value={hoursText} onChange={(e) => setHoursText(e.target.value)} aria-invalid={Boolean(hoursError || windowError)} aria-describedby="rent-hours-msg" />
          <p id="rent-hours-msg" className={hoursError || windowError ? "field__error" : "field__help"}>
            {hoursError ?? windowError ?? "Unused hours are refunded if you end early."}
          </p>
        </div>
        <div className="field">
          <label htmlFor="rent-max">Maximum price per hour (FTNS)</label>
          <input id="rent-max" inputMode="decimal" value={maxPriceText} onChange={(e) => setMaxPriceText(e.target.value)} aria-invalid={Boolean(maxError)} aria-describedby="rent-max-msg" />
          <p id="rent-max-msg" className={maxError ? "field__error" : "field__help"}>
            {maxError ?? "Price guard: if the provider raises the price above this, the rent is refused and nothing is charged."}
          </p>
        </div>
        <dl className="rent__summary">
          <div>
            <dt>Escrowed now</dt>
            <dd data-testid="rent-cost">
              <Ftns value={cost} maxDecimals={6} />
            </dd>
          </div>
          {maxCost !== cost ? (
            <div>
              <dt>At most, with your guard</dt>
              <dd>
                <Ftns value={maxCost} maxDecimals={6} />
              </dd>
            </div>
          ) : null}
          {wallet.address ? (
            <div>
              <dt>Your balance</dt>
              <dd>{balance.data !== undefined ? <Ftns value={balance.data} maxDecimals={2} /> : "…"}</dd>
            </div>
          ) : null}
        </dl>
        <fieldset className="rent__method">
          <legend>How to pay</legend>
          <label>
            <input type="radio" name="rent-method" checked={method === "permit"} onChange={() => setMethod("permit")} /> One signature + one transaction (permit)
          </label>
          <label>
            <input type="radio" name="rent-method" checked={method === "approve"} onChange={() => setMethod("approve")} /> Approve, then rent (two transactions)
          </label>
        </fieldset>
        {blocked ? <p className="notice notice--warning">{blocked}</p> : null}
        {short && !blocked ? <p className="notice notice--warning">Your FTNS balance is below the cost.</p> : null}
        {!wallet.address ? (
          <p className="muted">Connect a wallet to rent.</p>
        ) : (
          <button type="submit" className="btn btn--primary btn--block" disabled={busy || invalid || Boolean(blocked) || wallet.wrongChain}>
            {busy ? "Working…" : `Rent for ${Number.isInteger(hours) && hours > 0 ? hours : "…"} h · ${formatAmount(cost, { maxDecimals: 4 })} FTNS`}
          </button>
        )}
        {wallet.wrongChain ? <p className="field__error">Switch your wallet to {config.chainName} to rent.</p> : null}
      </form>
      <TxNotice entry={entry} />
      {rented ? (
        <div className="notice notice--success" role="status" data-testid="rent-success">
          <p>
            Rental #{rented.rentalId} is escrowed and waiting for the provider to accept.
          </p>
          <Link to={`/rentals/${rented.rentalId}`}>View receipt</Link> · <Link to="/rentals">My rentals</Link>
        </div>
      ) : null}
    </section>
  );
}
