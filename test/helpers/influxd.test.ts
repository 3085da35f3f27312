import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { influxdAvailable, startInfluxd } from "./influxd.ts";

describe.skipIf(!influxdAvailable())("startInfluxd", () => {
  it("starts a throwaway influxd on loopback and removes it on stop", async () => {
    const influxd = await startInfluxd();
    expect(influxd.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${influxd.url}/ping`)).status).toBe(204);
    expect(existsSync(influxd.dir)).toBe(true);
    await influxd.stop();
    expect(existsSync(influxd.dir)).toBe(false);
    await expect(fetch(`${influxd.url}/ping`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  });
});
