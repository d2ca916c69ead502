/** Facets with counts and the API's filters, as controls that edit the search state. */
import { useEffect, useState } from "react";
import type { Facets } from "../../api/types";
import { categoryLabel, formatAmount } from "../../lib/format";
import { parseSpec, type SearchState, searchProblems, specToText } from "../../lib/search-state";

type Props = {
  state: SearchState;
  facets: Facets | undefined;
  onChange: (next: SearchState) => void;
};

function FacetGroup({ legend, options, selected, onToggle, format }: { legend: string; options: { value: string | null; count: number }[]; selected: string[]; onToggle: (value: string) => void; format?: (v: string) => string }) {
  const values = options.filter((o): o is { value: string; count: number } => o.value !== null);
  // Keep selected values visible even when the other filters leave none of them.
  for (const value of selected) if (!values.some((o) => o.value === value)) values.push({ value, count: 0 });
  if (values.length === 0) return null;
  return (
    <fieldset className="facet">
      <legend>{legend}</legend>
      {values.slice(0, 12).map((option) => (
        <label key={option.value} className="facet__option">
          <input type="checkbox" checked={selected.includes(option.value)} onChange={() => onToggle(option.value)} />
          <span className="facet__label">{format ? format(option.value) : option.value}</span>
          <span className="facet__count">{option.count}</span>
        </label>
      ))}
    </fieldset>
  );
}

const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

export function Filters({ state, facets, onChange }: Props) {
  const [priceMin, setPriceMin] = useState(state.priceMin);
  const [priceMax, setPriceMax] = useState(state.priceMax);
  const [spec, setSpec] = useState("");
  const [specError, setSpecError] = useState<string>();
  useEffect(() => {
    setPriceMin(state.priceMin);
    setPriceMax(state.priceMax);
  }, [state.priceMin, state.priceMax]);
  const problems = searchProblems({ ...state, priceMin, priceMax });

  const applyPrice = () => {
    if (!problems.priceMin && !problems.priceMax && (priceMin !== state.priceMin || priceMax !== state.priceMax)) onChange({ ...state, priceMin, priceMax });
  };

  return (
    <div className="filters">
      <FacetGroup legend="Category" options={facets?.category ?? []} selected={state.categories} format={categoryLabel} onToggle={(v) => onChange({ ...state, categories: toggle(state.categories, v) })} />
      <FacetGroup legend="Type" options={facets?.resourceType ?? []} selected={state.types} onToggle={(v) => onChange({ ...state, types: toggle(state.types, v) })} />

      <fieldset className="facet">
        <legend>Price per hour (FTNS)</legend>
        <div className="price-range">
          <label>
            <span className="sr-only">Minimum price per hour</span>
            <input inputMode="decimal" placeholder="Min" value={priceMin} onChange={(e) => setPriceMin(e.target.value)} onBlur={applyPrice} onKeyDown={(e) => e.key === "Enter" && applyPrice()} aria-invalid={Boolean(problems.priceMin)} />
          </label>
          <span aria-hidden="true">–</span>
          <label>
            <span className="sr-only">Maximum price per hour</span>
            <input inputMode="decimal" placeholder="Max" value={priceMax} onChange={(e) => setPriceMax(e.target.value)} onBlur={applyPrice} onKeyDown={(e) => e.key === "Enter" && applyPrice()} aria-invalid={Boolean(problems.priceMax)} />
          </label>
        </div>
        {problems.priceMin || problems.priceMax ? <p className="field__error">{problems.priceMin ?? problems.priceMax}</p> : null}
        {facets?.price ? (
          <ul className="price-buckets">
            {facets.price
              .filter((b) => b.count > 0)
              .map((b) => (
                <li key={b.bucket}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => onChange({ ...state, priceMin: b.min === "0" ? "" : formatAmount(BigInt(b.min), { grouped: false }), priceMax: b.max ? formatAmount(BigInt(b.max), { grouped: false }) : "" })}
                  >
                    {b.label} <span className="facet__count">{b.count}</span>
                  </button>
                </li>
              ))}
          </ul>
        ) : null}
      </fieldset>

      <fieldset className="facet">
        <legend>Location</legend>
        <label className="sr-only" htmlFor="filter-location">
          Location
        </label>
        <select id="filter-location" value={state.location} onChange={(e) => onChange({ ...state, location: e.target.value })}>
          <option value="">Anywhere</option>
          {(facets?.location ?? [])
            .filter((o) => o.value)
            .map((o) => (
              <option key={o.value} value={o.value!}>
                {o.value} ({o.count})
              </option>
            ))}
          {state.location && !facets?.location.some((o) => o.value === state.location) ? <option value={state.location}>{state.location}</option> : null}
        </select>
      </fieldset>

      <fieldset className="facet">
        <legend>Minimum rating</legend>
        <label className="sr-only" htmlFor="filter-rating">
          Minimum rating
        </label>
        <select id="filter-rating" value={state.minRating} onChange={(e) => onChange({ ...state, minRating: Number(e.target.value) })}>
          <option value={0}>Any rating</option>
          {[4.5, 4, 3.5, 3].map((r) => (
            <option key={r} value={r}>
              {r}★ and up
            </option>
          ))}
        </select>
      </fieldset>

      <fieldset className="facet">
        <legend>Specifications</legend>
        <form
          className="spec-add"
          onSubmit={(e) => {
            e.preventDefault();
            const parsed = parseSpec(spec);
            if (!parsed) return setSpecError("Write KEY OP VALUE, like gpu_memory_gb>=40 or gpu=A100");
            setSpecError(undefined);
            setSpec("");
            onChange({ ...state, specs: [...state.specs.filter((s) => specToText(s) !== specToText(parsed)), parsed] });
          }}
        >
          <label htmlFor="filter-spec" className="sr-only">
            Specification filter
          </label>
          <input id="filter-spec" placeholder="gpu_memory_gb>=40" value={spec} onChange={(e) => setSpec(e.target.value)} aria-invalid={Boolean(specError)} aria-describedby="filter-spec-help" />
          <button type="submit" className="btn btn--small">
            Add
          </button>
        </form>
        <p id="filter-spec-help" className={specError ? "field__error" : "field__help"}>
          {specError ?? "Compare a specification: >= <= > < ="}
        </p>
        {state.specs.length > 0 ? (
          <ul className="chips">
            {state.specs.map((s) => (
              <li key={specToText(s)} className="chip">
                <span className="mono">{specToText(s)}</span>
                <button type="button" aria-label={`Remove filter ${specToText(s)}`} onClick={() => onChange({ ...state, specs: state.specs.filter((x) => x !== s) })}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </fieldset>

      <label className="facet__option">
        <input type="checkbox" checked={state.includeInactive} onChange={(e) => onChange({ ...state, includeInactive: e.target.checked })} />
        <span className="facet__label">Include deactivated listings</span>
      </label>
    </div>
  );
}
