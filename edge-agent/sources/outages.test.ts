import { describe, expect, it } from "vitest";
import { OutageLog } from "./outages.ts";

const setup = (over: { maxOutageLines?: number } = {}) => {
  let t = Date.UTC(2026, 0, 1);
  const lines: string[] = [];
  const ended: { durationMs: number; errors: number; missedPolls: number }[] = [];
  const log = new OutageLog({
    sourceId: "meter",
    intervalMs: 1000,
    log: (l) => lines.push(l),
    now: () => t,
    onOutageEnd: (o) => ended.push(o),
    ...over,
  });
  return { log, lines, ended, advance: (ms: number) => (t += ms) };
};

/** A device gone for `ms`, failing every poll of 1 s. */
const outage = (s: ReturnType<typeof setup>, ms: number) => {
  s.log.error("SOURCE_TIMEOUT", "unit 1 fn 4 @0+2: timed out after 1000 ms");
  s.log.link(false);
  for (let at = 1000; at <= ms; at += 1000) {
    s.advance(1000);
    s.log.error("SOURCE_TIMEOUT", "unit 1 fn 4 @0+2: timed out after 1000 ms");
    s.log.link(false);
  }
  s.log.link(true);
};

describe("outage log", () => {
  it("logs every outage's start and end with its duration and counts, a second one of the same kind too", () => {
    const s = setup();
    s.log.link(true);
    outage(s, 10_000);
    s.advance(30_000);
    s.log.link(true);
    outage(s, 10_000);
    expect(s.lines).toEqual([
      "source meter: outage 1 started: SOURCE_TIMEOUT unit 1 fn 4 @0+2: timed out after 1000 ms",
      "source meter: outage 1 ended after 10.0 s: 11 errors (SOURCE_TIMEOUT 11), 10 missed polls",
      "source meter: outage 2 started: SOURCE_TIMEOUT unit 1 fn 4 @0+2: timed out after 1000 ms",
      "source meter: outage 2 ended after 10.0 s: 11 errors (SOURCE_TIMEOUT 11), 10 missed polls",
    ]);
    expect(s.ended).toEqual([
      { durationMs: 10_000, errors: 11, missedPolls: 10 },
      { durationMs: 10_000, errors: 11, missedPolls: 10 },
    ]);
    expect(s.log.state()).toEqual({ down: false, outages: 2, downSince: null });
  });

  it("a flapping device: past the cap its outages are summarised in the next line, not lost", () => {
    const s = setup({ maxOutageLines: 4 });
    for (let i = 0; i < 5; i++) {
      outage(s, 2000);
      s.advance(1000);
    }
    expect(s.lines).toHaveLength(4);
    s.advance(10 * 60_000);
    outage(s, 2000);
    expect(s.lines).toHaveLength(6);
    expect(s.lines[4]).toMatch(/outage 6 started: .*\[3 outages \(6\.0 s down\) not logged one by one/);
  });

  it("errors while the device answers: each message once per window, then how often it recurred", () => {
    const s = setup();
    s.log.link(true);
    // Polls where the device answers but refuses one request.
    for (let i = 0; i < 5; i++) {
      s.log.error("SOURCE_EXCEPTION", "unit 2 fn 4 @30053+2: exception 2");
      s.log.link(true);
      s.advance(1000);
    }
    s.log.error("SOURCE_EXCEPTION", "unit 3 fn 4 @0+2: exception 2");
    s.log.link(true);
    s.advance(10 * 60_000);
    s.log.error("SOURCE_EXCEPTION", "unit 2 fn 4 @30053+2: exception 2");
    s.log.link(true);
    expect(s.lines).toEqual([
      "source meter: SOURCE_EXCEPTION unit 2 fn 4 @30053+2: exception 2",
      "source meter: SOURCE_EXCEPTION unit 3 fn 4 @0+2: exception 2",
      "source meter: SOURCE_EXCEPTION unit 2 fn 4 @30053+2: exception 2 (4 more times in the last 10 min)",
    ]);
  });
});
