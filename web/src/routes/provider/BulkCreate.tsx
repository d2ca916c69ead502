/** List many resources from a CSV or JSON file: every row checked first, then sent in contract-sized batches. */
import { useState } from "react";
import type { Abi } from "viem";
import { marketplaceAbi } from "../../../../generated/abis";
import { useServices } from "../../app/services";
import { Ftns } from "../../components/bits";
import { TxNotice } from "../../components/TxNotice";
import { useChainNow } from "../../hooks/useChainReads";
import { useWallet } from "../../hooks/useWallet";
import { useWrite } from "../../hooks/useWrite";
import { batchesOf, BulkFileError, type BulkRow, parseBulkFile } from "../../lib/bulk";
import { MAX_BATCH } from "../../lib/listing-form";

const EXAMPLE = `title,category,resource_type,location,price_per_hour,capacity,gpu,gpu_memory_gb
"A100 80GB, 1 GPU",gpu,a100,"eu-west (Amsterdam, NL)",2.5,2,A100,80
"RTX 4090 workstation",gpu,rtx4090,"us-east (Ashburn, US)",0.9,1,RTX 4090,24`;

export function BulkCreate() {
  const { config } = useServices();
  const wallet = useWallet();
  const chainNow = useChainNow();
  const { write, entry, busy } = useWrite();
  const [rows, setRows] = useState<BulkRow[] | null>(null);
  const [fileError, setFileError] = useState<string>();
  const [done, setDone] = useState<number | null>(null);

  const valid = rows?.filter((r) => r.result.ok).length ?? 0;
  const invalid = (rows?.length ?? 0) - valid;

  async function onFile(file: File | undefined) {
    setRows(null);
    setDone(null);
    setFileError(undefined);
    if (!file) return;
    try {
      setRows(parseBulkFile(file.name, await file.text(), config.token, chainNow));
    } catch (error) {
      setFileError(error instanceof BulkFileError ? error.message : "The file could not be read.");
    }
  }

  async function submit() {
    if (!rows) return;
    const batches = batchesOf(rows);
    let created = 0;
    for (const [i, batch] of batches.entries()) {
      const receipt = await write(`Create ${batch.length} listings${batches.length > 1 ? ` (batch ${i + 1} of ${batches.length})` : ""}`, {
        address: config.marketplace,
        abi: marketplaceAbi as Abi,
        functionName: "createListings",
        args: [batch],
      });
      if (!receipt) break;
      created += batch.length;
    }
    setDone(created);
  }

  return (
    <section className="card form" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading" className="h3">
        Bulk listing from a file
      </h2>
      <p className="muted small">
        CSV with a header row (title, description, category, resource_type, location, price_per_hour, capacity, available_from, available_until; any other column
        is a specification) or a JSON array of the same fields with a <code>specifications</code> object. Up to {MAX_BATCH} listings per transaction.
      </p>
      <details className="small">
        <summary>Example CSV</summary>
        <pre className="code">{EXAMPLE}</pre>
      </details>
      <div className="field">
        <label htmlFor="bulk-file">Listings file (.csv or .json)</label>
        <input id="bulk-file" type="file" accept=".csv,.json,text/csv,application/json" onChange={(e) => void onFile(e.target.files?.[0])} />
        {fileError ? <p className="field__error">{fileError}</p> : null}
      </div>
      {rows ? (
        <>
          <p>
            <strong>{valid}</strong> ready{invalid ? <>, <strong className="text-danger">{invalid}</strong> with problems (skipped)</> : null}.
          </p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Title</th>
                  <th scope="col">Price / h</th>
                  <th scope="col">Check</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.line}>
                    <td>{row.line}</td>
                    <td>{row.form.title || <span className="muted">(no title)</span>}</td>
                    <td>{row.result.ok ? <Ftns value={row.result.params.pricePerHour} /> : row.form.price}</td>
                    <td>{row.result.ok ? <span className="text-success">OK</span> : <span className="text-danger">{Object.values(row.result.errors).join("; ")}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" className="btn btn--primary" disabled={busy || valid === 0 || !wallet.ready} onClick={() => void submit()}>
            Create {valid} listing{valid === 1 ? "" : "s"}
          </button>
        </>
      ) : null}
      <TxNotice entry={entry} />
      {done !== null && done > 0 ? (
        <p className="notice notice--success" role="status">
          {done} listing{done === 1 ? "" : "s"} created.
        </p>
      ) : null}
    </section>
  );
}
