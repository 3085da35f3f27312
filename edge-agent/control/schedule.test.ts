// Schedules read in the facility's IANA zone: DST-correct through Intl, exceptions honoured.
import { describe, expect, it } from "vitest";
import type { Schedule } from "../../common/control.ts";
import { isTimeZone, localTimeIn, scheduledValues } from "./schedule.ts";

const weekdays: Schedule = {
  timeZone: "Europe/Berlin",
  points: [
    {
      point: "heating_setpoint_c",
      entries: [{ days: [1, 2, 3, 4, 5], from: "07:00", to: "18:00", value: 21 }],
      otherwise: 16,
    },
  ],
  exceptions: [{ from: "2026-12-24", to: "2027-01-06", name: "winter vacation" }],
};
const at = (s: Schedule, iso: string) => scheduledValues(s, Date.parse(iso), "UTC").get("heating_setpoint_c");

describe("schedules in the facility's time zone", () => {
  it("reads wall-clock time across the spring-forward and fall-back days (Europe/Berlin 2026)", () => {
    // 29 March 2026: 02:00 CET → 03:00 CEST. 07:00 local is 05:00 UTC after, 06:00 UTC before.
    expect(localTimeIn("Europe/Berlin", Date.parse("2026-03-27T06:00:00Z")).minutes).toBe(7 * 60);
    expect(localTimeIn("Europe/Berlin", Date.parse("2026-03-30T05:00:00Z")).minutes).toBe(7 * 60);
    expect(at(weekdays, "2026-03-27T05:59:00Z")?.value).toBe(16); // Friday 06:59 CET
    expect(at(weekdays, "2026-03-27T06:00:00Z")?.value).toBe(21);
    expect(at(weekdays, "2026-03-30T04:59:00Z")?.value).toBe(16); // Monday 06:59 CEST
    expect(at(weekdays, "2026-03-30T05:00:00Z")?.value).toBe(21);
    // 25 October 2026: back to CET; Monday 26 October 07:00 local is 06:00 UTC.
    expect(at(weekdays, "2026-10-26T05:59:00Z")?.value).toBe(16);
    expect(at(weekdays, "2026-10-26T06:00:00Z")?.value).toBe(21);
    expect(at(weekdays, "2026-10-26T16:59:00Z")?.value).toBe(21); // 17:59 CET
    expect(at(weekdays, "2026-10-26T17:00:00Z")?.value).toBe(16);
  });

  it("holds `otherwise` on weekends and on exception days (inclusive local dates)", () => {
    expect(at(weekdays, "2026-12-19T10:00:00Z")?.value).toBe(16); // Saturday
    expect(at(weekdays, "2026-12-23T10:00:00Z")?.value).toBe(21); // Wednesday before the vacation
    expect(at(weekdays, "2026-12-24T10:00:00Z")).toEqual({ value: 16, why: "exception winter vacation" });
    expect(at(weekdays, "2027-01-06T16:00:00Z")?.value).toBe(16); // last day, inclusive
    expect(at(weekdays, "2027-01-07T10:00:00Z")?.value).toBe(21);
    // 23:30 UTC on 23 December is already the 24th in Berlin: the exception day is a local date.
    expect(localTimeIn("Europe/Berlin", Date.parse("2026-12-23T23:30:00Z")).date).toBe("2026-12-24");
  });

  it("takes the first matching entry, `24:00` as the end of the day, and nothing before effectiveFrom", () => {
    const s: Schedule = {
      timeZone: "Asia/Yekaterinburg",
      points: [
        {
          point: "lighting",
          entries: [
            { days: [6], from: "09:00", to: "13:00", value: 1 },
            { days: [6], from: "00:00", to: "24:00", value: 0 },
            { days: [7], from: "18:00", to: "06:00", value: 1 }, // to ≤ from: never matches
          ],
          otherwise: 0,
        },
      ],
      exceptions: [],
      effectiveFrom: Date.parse("2026-05-01T00:00:00Z"),
    };
    const v = (iso: string) => scheduledValues(s, Date.parse(iso), "UTC").get("lighting");
    expect(v("2026-05-02T05:00:00Z")).toEqual({ value: 1, why: "entry 0" }); // Saturday 10:00 +05
    expect(v("2026-05-02T18:59:00Z")).toEqual({ value: 0, why: "entry 1" }); // Saturday 23:59
    expect(v("2026-05-03T15:00:00Z")).toEqual({ value: 0, why: "otherwise" }); // Sunday 20:00
    expect(scheduledValues(s, Date.parse("2026-04-25T05:00:00Z"), "UTC").size).toBe(0);
  });

  it("knows IANA zones and refuses made-up ones (the controller then refuses the schedule, once)", () => {
    expect(isTimeZone("Europe/Moscow")).toBe(true);
    expect(isTimeZone("Asia/Kamchatka")).toBe(true);
    expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isTimeZone("../../etc/passwd")).toBe(false);
  });
});
