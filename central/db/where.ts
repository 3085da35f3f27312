// The WHERE clause of a list query built from a filter's optional fields: each
// condition with its `?` arguments, in order, so a field left out adds neither.
import { placeholders } from "./sql.ts";
import type { SqlParam } from "./types.ts";

export class Where {
  readonly terms: string[] = [];
  readonly args: SqlParam[] = [];

  /** `term` with its arguments, always. */
  add(term: string, ...args: SqlParam[]): this {
    this.terms.push(term);
    this.args.push(...args);
    return this;
  }

  /** `term` with `value` as its one argument, unless the value is left out (undefined). */
  when(term: string, value: SqlParam | undefined): this {
    return value === undefined ? this : this.add(term, value);
  }

  /** `column = ?` for each column whose value is given. */
  equal(columns: Readonly<Record<string, SqlParam | undefined>>): this {
    for (const [column, value] of Object.entries(columns)) this.when(`${column} = ?`, value);
    return this;
  }

  /** `column IN (…)`; an empty list matches no row. */
  in(column: string, values: readonly SqlParam[]): this {
    return values.length === 0
      ? this.add("1 = 0")
      : this.add(`${column} IN (${placeholders(values.length)})`, ...values);
  }

  /** The same conditions, to add more to without changing these. */
  copy(): Where {
    const out = new Where();
    out.terms.push(...this.terms);
    out.args.push(...this.args);
    return out;
  }

  /** `WHERE a AND b`, or nothing when there is no condition. */
  clause(): string {
    return this.terms.length > 0 ? `WHERE ${this.terms.join(" AND ")}` : "";
  }
}
