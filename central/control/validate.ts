// Central's check of what an operator asks against what the edge declared
// (the edge checks again: it is the authority). Each function returns the
// first problem as `key.path: why`, or null.
import type { ControlPointDecl, DemandLimit, Schedule } from "../../common/control.ts";
// The same check the agent runs the schedule with: a zone central accepts is one the agent can use.
import { isTimeZone } from "../../common/control-schedule.ts";

/** Whether `value` is one a point accepts: within [min, max], and one of its states when it is enumerated. */
export function valueProblem(decl: ControlPointDecl, value: number, key: string): string | null {
  if (!Number.isFinite(value)) return `${key}: not a finite number`;
  if (value < decl.min || value > decl.max)
    return `${key}: ${value} is outside ${decl.point}'s range ${decl.min}…${decl.max} ${decl.unit}`;
  if (decl.unit === "state" && !Number.isInteger(value))
    return `${key}: ${value} is not a state of ${decl.point} (a whole number)`;
  if (decl.states && !Object.hasOwn(decl.states, String(value)))
    return `${key}: ${value} is not a state of ${decl.point} (${Object.keys(decl.states).join(", ")})`;
  return null;
}

/** A declaration the agent sends that cannot be true. */
export function declarationProblem(d: ControlPointDecl, key: string): string | null {
  if (d.min > d.max) return `${key}.min: greater than max`;
  if (d.failSafe < d.min || d.failSafe > d.max) return `${key}.failSafe: outside min…max`;
  return null;
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const isDate = (iso: string): boolean => {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
};

/**
 * The first problem of a plan's per-point entries (a schedule's points, a
 * demand limit's sheds): a point named twice, one that is not a drivable
 * point of the facility (declared and not critical: those are never
 * scheduled or shed), or what `entryProblem` finds in the entry's values.
 */
function pointEntriesProblem<E extends { point: string }>(
  entries: readonly E[],
  listKey: string,
  decls: ReadonlyMap<string, ControlPointDecl>,
  entryProblem: (entry: E, decl: ControlPointDecl, key: string) => string | null,
): string | null {
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const key = `${listKey}[${i}]`;
    if (seen.has(entry.point)) return `${key}.point: "${entry.point}" appears twice`;
    seen.add(entry.point);
    const decl = decls.get(entry.point);
    if (!decl) return `${key}.point: "${entry.point}" is not a controllable point of this facility`;
    if (decl.critical) return `${key}.point: "${entry.point}" is critical: never scheduled or shed`;
    const bad = entryProblem(entry, decl, key);
    if (bad) return bad;
  }
  return null;
}

export function scheduleProblem(s: Schedule, decls: ReadonlyMap<string, ControlPointDecl>): string | null {
  if (!isTimeZone(s.timeZone)) return `body.timeZone: "${s.timeZone}" is not an IANA time zone`;
  const points = pointEntriesProblem(s.points, "body.points", decls, (p, decl, key) => {
    const otherwise = valueProblem(decl, p.otherwise, `${key}.otherwise`);
    if (otherwise) return otherwise;
    for (const [j, e] of p.entries.entries()) {
      if (minutes(e.from) >= minutes(e.to)) return `${key}.entries[${j}]: from must be before to`;
      const bad = valueProblem(decl, e.value, `${key}.entries[${j}].value`);
      if (bad) return bad;
    }
    return null;
  });
  if (points) return points;
  for (const [i, x] of s.exceptions.entries()) {
    if (!isDate(x.from)) return `body.exceptions[${i}].from: not a calendar date`;
    if (!isDate(x.to)) return `body.exceptions[${i}].to: not a calendar date`;
    if (x.from > x.to) return `body.exceptions[${i}]: from after to`;
  }
  return null;
}

export function limitProblem(l: DemandLimit, decls: ReadonlyMap<string, ControlPointDecl>): string | null {
  return pointEntriesProblem(l.sheds, "body.sheds", decls, (shed, decl, key) =>
    valueProblem(decl, shed.shedValue, `${key}.shedValue`),
  );
}
