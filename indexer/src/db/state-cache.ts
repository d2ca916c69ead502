/**
 * The listings, rentals and settings rows as the last committed batch left them, kept between batches
 * so that the next batch reads from the database only the rows it has not seen recently. A rental
 * lives through several batches (requested, accepted, released, settled, rated), and its listing is
 * touched by every one of them: without this, each batch would read back what the previous one wrote.
 *
 * Only committed state goes in (`remember` runs after COMMIT), and the reducer works on copies, so a
 * batch that fails leaves the cache as the database is. Anything else that changes these rows (a
 * rollback) must `clear` it. Bounded: the least recently used rows are forgotten first.
 */
import type { ListingRow, RentalRow, SettingsRow } from "../handlers/rows.js";

export const DEFAULT_STATE_CACHE_ROWS = 20_000;

class Lru<V extends object> {
  readonly #rows = new Map<number, V>();

  constructor(readonly capacity: number) {}

  /** A copy of the row, which the caller may change freely. */
  take(id: number): V | undefined {
    const row = this.#rows.get(id);
    if (row === undefined) return undefined;
    this.#rows.delete(id);
    this.#rows.set(id, row);
    return { ...row };
  }

  put(id: number, row: V): void {
    this.#rows.delete(id);
    this.#rows.set(id, { ...row });
    if (this.#rows.size > this.capacity) {
      for (const oldest of this.#rows.keys()) {
        this.#rows.delete(oldest);
        if (this.#rows.size <= this.capacity) break;
      }
    }
  }

  get size(): number {
    return this.#rows.size;
  }

  clear(): void {
    this.#rows.clear();
  }
}

export type StateCache = {
  readonly listings: Lru<ListingRow>;
  readonly rentals: Lru<RentalRow>;
  /** The chain's settings row once known (null: known to be absent). */
  settings: SettingsRow | null | undefined;
  clear(): void;
};

/** `rows` bounds listings and rentals each; 0 turns the cache off. */
export function createStateCache(rows = DEFAULT_STATE_CACHE_ROWS): StateCache {
  const listings = new Lru<ListingRow>(rows);
  const rentals = new Lru<RentalRow>(rows);
  return {
    listings,
    rentals,
    settings: undefined,
    clear() {
      listings.clear();
      rentals.clear();
      this.settings = undefined;
    },
  };
}
