/** A tiny builder for parameterised SQL: values always travel as $n parameters, never in the text. */
export class Sql {
  readonly params: unknown[] = [];

  /** Adds a parameter and returns its placeholder. */
  p(value: unknown): string {
    this.params.push(typeof value === "bigint" ? value.toString() : value);
    return `$${this.params.length}`;
  }
}

/** A Postgres row value may come back as string, number or bigint depending on the driver. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
export const str = (value: unknown): string => (value === null || value === undefined ? "0" : typeof value === "string" ? value : String(value));
export const isoTime = (seconds: unknown): string | null =>
  seconds === null || seconds === undefined ? null : new Date(Number(seconds) * 1000).toISOString();
