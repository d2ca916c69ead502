/** Create one listing: the form checks what the contract checks before the wallet is asked. */
import { type ReactNode, useState } from "react";
import { Link } from "react-router";
import { parseEventLogs, type Abi } from "viem";
import { marketplaceAbi } from "../../../../generated/abis";
import { useServices } from "../../app/services";
import { TxNotice } from "../../components/TxNotice";
import { useChainNow } from "../../hooks/useChainReads";
import { useWallet } from "../../hooks/useWallet";
import { useWrite } from "../../hooks/useWrite";
import { categoryLabel } from "../../lib/format";
import { CATEGORIES, emptyListingForm, type ListingErrors, type ListingForm as Form, MAX_METADATA_BYTES, metadataOf, unixFromLocalInput, validateListing } from "../../lib/listing-form";

function Field({ id, label, error, help, children }: { id: string; label: string; error?: string; help?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <p id={`${id}-msg`} className="field__error">
          {error}
        </p>
      ) : help ? (
        <p id={`${id}-msg`} className="field__help">
          {help}
        </p>
      ) : null}
    </div>
  );
}

export function ListingForm() {
  const { config } = useServices();
  const wallet = useWallet();
  const chainNow = useChainNow();
  const { write, entry, busy } = useWrite();
  const [form, setForm] = useState<Form>(emptyListingForm);
  const [from, setFrom] = useState("");
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<ListingErrors>({});
  const [created, setCreated] = useState<string | null>(null);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const bytes = new TextEncoder().encode(metadataOf(form)).length;
  const described = (key: keyof ListingErrors) => ({ "aria-invalid": Boolean(errors[key]), "aria-describedby": `listing-${key}-msg` });

  async function submit() {
    const result = validateListing({ ...form, availableFrom: unixFromLocalInput(from), availableUntil: unixFromLocalInput(until) }, config.token, chainNow);
    if (!result.ok) {
      setErrors(result.errors);
      const first = Object.keys(result.errors)[0];
      document.getElementById(`listing-${first}`)?.focus();
      return;
    }
    setErrors({});
    setCreated(null);
    const { params } = result;
    const receipt = await write(`Create listing “${form.title.trim()}”`, {
      address: config.marketplace,
      abi: marketplaceAbi as Abi,
      functionName: "createListing",
      args: [{ ...params }],
    });
    if (!receipt) return;
    const [log] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "ListingCreated" });
    setCreated(log ? log.args.listingId.toString() : null);
    setForm(emptyListingForm);
    setFrom("");
    setUntil("");
  }

  return (
    <form
      className="card form"
      aria-labelledby="new-listing-heading"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-listing-heading" className="h3">
        New listing
      </h2>
      <Field id="listing-title" label="Title" error={errors.title} help="What people search for: model, size, region.">
        <input id="listing-title" value={form.title} onChange={(e) => set("title", e.target.value)} {...described("title")} />
      </Field>
      <Field id="listing-description" label="Description" error={errors.description}>
        <textarea id="listing-description" rows={3} value={form.description} onChange={(e) => set("description", e.target.value)} />
      </Field>
      <div className="form__row">
        <Field id="listing-category" label="Category" error={errors.category}>
          <select id="listing-category" value={form.category} onChange={(e) => set("category", e.target.value)} {...described("category")}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {categoryLabel(c)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="listing-type" label="Resource type" help="e.g. a100, h100, llm, etl">
          <input id="listing-type" value={form.resourceType} onChange={(e) => set("resourceType", e.target.value)} />
        </Field>
      </div>
      <Field id="listing-location" label="Location" help="Region and city, e.g. eu-west (Amsterdam, NL)">
        <input id="listing-location" value={form.location} onChange={(e) => set("location", e.target.value)} />
      </Field>
      <fieldset className="specs-editor">
        <legend>Specifications</legend>
        {form.specs.map((row, i) => (
          <div key={i} className="specs-editor__row">
            <label className="sr-only" htmlFor={`spec-key-${i}`}>
              Specification {i + 1} name
            </label>
            <input id={`spec-key-${i}`} placeholder="gpu_memory_gb" value={row.key} onChange={(e) => set("specs", form.specs.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))} />
            <label className="sr-only" htmlFor={`spec-value-${i}`}>
              Specification {i + 1} value
            </label>
            <input id={`spec-value-${i}`} placeholder="80" value={row.value} onChange={(e) => set("specs", form.specs.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))} />
            <button type="button" className="btn btn--icon" aria-label={`Remove specification ${i + 1}`} onClick={() => set("specs", form.specs.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="link-button" onClick={() => set("specs", [...form.specs, { key: "", value: "" }])}>
          + Add specification
        </button>
        {errors.specs ? <p className="field__error">{errors.specs}</p> : null}
      </fieldset>
      <div className="form__row">
        <Field id="listing-price" label="Price per hour (FTNS)" error={errors.price}>
          <input id="listing-price" inputMode="decimal" value={form.price} onChange={(e) => set("price", e.target.value)} {...described("price")} />
        </Field>
        <Field id="listing-capacity" label="Concurrent rentals" error={errors.capacity} help="How many people can rent it at once.">
          <input id="listing-capacity" inputMode="numeric" value={form.capacity} onChange={(e) => set("capacity", e.target.value)} {...described("capacity")} />
        </Field>
      </div>
      <div className="form__row">
        <Field id="listing-availableFrom" label="Available from (optional)" error={errors.availableFrom}>
          <input id="listing-availableFrom" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} {...described("availableFrom")} />
        </Field>
        <Field id="listing-availableUntil" label="Available until (optional)" error={errors.availableUntil} help="Empty means no end date.">
          <input id="listing-availableUntil" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} {...described("availableUntil")} />
        </Field>
      </div>
      <p className={errors.metadata ? "field__error" : "field__help"}>{errors.metadata ?? `Details: ${bytes} of ${MAX_METADATA_BYTES} bytes (stored as JSON on-chain).`}</p>
      <button type="submit" className="btn btn--primary" disabled={busy || !wallet.ready}>
        {busy ? "Working…" : "Create listing"}
      </button>
      {!wallet.address ? <p className="muted">Connect a wallet to list a resource.</p> : null}
      <TxNotice entry={entry} />
      {created ? (
        <p className="notice notice--success" role="status" data-testid="listing-created">
          Listing #{created} is live. <Link to={`/resources/${created}`}>Open it</Link> — it shows in search as soon as it is indexed.
        </p>
      ) : null}
    </form>
  );
}
