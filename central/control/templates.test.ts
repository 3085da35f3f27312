import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { type ControlPointDecl, ScheduleSchema } from "../../common/control.ts";
import { russianPublicHolidays, scheduleTemplate, schoolVacations } from "./templates.ts";
import { scheduleProblem } from "./validate.ts";

const decl = (
  point: string,
  min: number,
  max: number,
  extra: Partial<ControlPointDecl> = {},
): ControlPointDecl => ({
  asset: "S01",
  point,
  unit: point === "heating_setpoint_c" ? "degC" : "state",
  min,
  max,
  failSafe: min,
  critical: false,
  ...extra,
});

describe("schedule templates and the exception calendar", () => {
  it("lists the Labour Code's holidays, moving one that falls on a weekend to the Monday", () => {
    const h2026 = russianPublicHolidays(2026);
    expect(h2026[0]).toMatchObject({ from: "2026-01-01", to: "2026-01-08" });
    // 2026-11-04 is a Wednesday: one day. 2026-03-08 is a Sunday: the Monday after too.
    expect(h2026.find((x) => x.from === "2026-11-04")?.to).toBe("2026-11-04");
    expect(h2026.find((x) => x.from === "2026-03-08")?.to).toBe("2026-03-09");
    // 2025-02-23 is a Sunday → 24 February; 2025-11-04 a Tuesday.
    expect(russianPublicHolidays(2025).find((x) => x.from === "2025-02-23")?.to).toBe("2025-02-24");
    // 2027-06-12 is a Saturday → Monday 14 June.
    expect(russianPublicHolidays(2027).find((x) => x.from === "2027-06-12")?.to).toBe("2027-06-14");
    expect(h2026).toHaveLength(7);
  });

  it("gives a school its vacations, a clinic and a hospital none", () => {
    const decls = [decl("heating_setpoint_c", 10, 26), decl("lighting", 0, 1)];
    const school = scheduleTemplate("school", decls, "Europe/Moscow", [2026])!;
    const clinic = scheduleTemplate("clinic", decls, "Europe/Moscow", [2026])!;
    expect(school.exceptions).toEqual([...russianPublicHolidays(2026), ...schoolVacations(2026)]);
    expect(clinic.exceptions).toEqual(russianPublicHolidays(2026));
    expect(school.points.map((p) => p.point)).toEqual(["heating_setpoint_c", "lighting"]);
  });

  it("never names a critical or undeclared point, keeps values within the limits, and passes its own validation", () => {
    const decls = [decl("heating_setpoint_c", 18, 22), decl("lighting", 0, 1, { critical: true })];
    const t = scheduleTemplate("school", decls, "Europe/Moscow", [2026, 2027])!;
    expect(t.points.map((p) => p.point)).toEqual(["heating_setpoint_c"]);
    expect(t.points[0]!.otherwise).toBe(18); // 16 °C setback clamped to the declared minimum
    expect(Value.Check(ScheduleSchema, t)).toBe(true);
    expect(scheduleProblem(t, new Map(decls.map((d) => [d.point, d])))).toBeNull();
    // In-patient heating is never set back.
    const hospital = scheduleTemplate(
      "hospital",
      [decl("heating_setpoint_c", 10, 26)],
      "Europe/Moscow",
      [2026],
    );
    expect(hospital?.points).toEqual([]);
    expect(scheduleTemplate("turbine", decls, "UTC", [2026])).toBeNull();
  });
});
