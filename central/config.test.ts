import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN_BEARING_POINT, windFarmFleet } from "../test/helpers/central-fixture.ts";
import {
  CentralConfigError,
  checkCentralConfig,
  checkCentralConfigFile,
  loadCentralConfig,
  parseCentralConfig,
} from "./config.ts";
import { DEFAULT_COMFORT_BANDS } from "./control/comfort-config.ts";

const fleet = windFarmFleet("sc-north", ["T01"], MAIN_BEARING_POINT);

describe("central config", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fills the documented defaults", () => {
    const r = checkCentralConfig({});
    expect(r).toEqual({
      ok: true,
      config: {
        server: { host: "127.0.0.1", port: 8080, bodyLimitBytes: 16_777_216, trustProxy: false },
        dataDir: ".vetra",
        store: { kind: "embedded" },
        tenants: [],
        sites: [],
        assets: [],
        tokens: [],
        contracts: [],
        ingest: { maxSeriesPerSite: 10_000 },
        metadata: { kind: "sqlite" },
        alarms: {
          evaluateEveryMs: 5000,
          debounceMs: 500,
          clearAfterMs: 300_000,
          facilityEveryMs: 60_000,
          defaultResponseTimeMinutes: 240,
          onDelayMs: 60_000,
          offDelayMs: 60_000,
          deadbandPct: 10,
          byKind: { comfort: { onDelayMs: 1_800_000, offDelayMs: 600_000 }, control: { onDelayMs: 0 } },
        },
        comfort: {
          bands: DEFAULT_COMFORT_BANDS,
          roomTypeOfKind: { school: "classroom", clinic: "consulting_room", hospital: "ward" },
          rooms: [],
          alarmBeyondK: 2,
          staleAfterMs: 900_000,
        },
        notifications: expect.objectContaining({ maxAttempts: expect.any(Number) }),
        grid: expect.objectContaining({ powerFactor: 0.9, routeFactor: 1.2, maxOptions: 8 }),
        savings: {
          tariff: { rubPerKwh: 7, timeOfDay: [] },
          emissionFactorKgCo2PerKwh: 0.35,
          contractedPeakKw: {},
          facilities: {},
          signOff: [],
          confidence: 0.9,
        },
        timeZone: "Europe/Moscow",
        documents: { region: "region", requisites: {}, signers: {}, trustAnchors: [], vatRatePercent: "22" },
      },
    });
  });

  it("names the key path of the first error", () => {
    const cases: [unknown, string][] = [
      [{ server: { port: "80" } }, "server.port: expected integer"],
      [{ server: { prot: 80 } }, "server.prot: unknown key"],
      [
        { server: { trustProxy: "proxy.example" } },
        'server.trustProxy: "proxy.example" is not an IP address, CIDR, or one of loopback|linklocal|uniquelocal',
      ],
      [
        { server: { trustProxy: ["10.0.0.1", "10.0.0.0/33"] } },
        'server.trustProxy[1]: "10.0.0.0/33" is not an IP address, CIDR, or one of loopback|linklocal|uniquelocal',
      ],
      [{ server: { trustProxy: 0 } }, "server.trustProxy: expected boolean|string|array"],
      [{ server: { trustProxy: { hops: 1 } } }, "server.trustProxy: expected boolean|string|array"],
      [{ alarms: { clearAfter: 1 } }, "alarms.clearAfter: unknown key"],
      [{ alarms: { deadbandPct: 80 } }, "alarms.deadbandPct: expected number to be less or equal to 50"],
      [{ alarms: { onDelayMs: -1 } }, "alarms.onDelayMs: expected integer to be greater or equal to 0"],
      [{ alarms: { byKind: { comfort: { onDelay: 1 } } } }, "alarms.byKind.comfort.onDelay: unknown key"],
      [{ alarms: { byKind: { noise: {} } } }, "alarms.byKind.noise: unknown key"],
      [
        { comfort: { bands: { classroom: { minC: 24, maxC: 18 } } } },
        "comfort.bands.classroom.maxC: must be above minC (24), got 18",
      ],
      [
        { comfort: { roomTypeOfKind: { school: "gym", clinic: "consulting_room", hospital: "ward" } } },
        'comfort.roomTypeOfKind.school: no band for room type "gym" in comfort.bands',
      ],
      [
        { ...fleet, comfort: { rooms: [{ asset: "H01", point: "gym", roomType: "gym" }] } },
        'comfort.rooms[0].roomType: no band for room type "gym" in comfort.bands',
      ],
      [
        { ...fleet, comfort: { rooms: [{ asset: "T01", roomType: "ward" }] } },
        'comfort.rooms[0].asset: "T01" is not a facility asset (hospital, clinic or school)',
      ],
      [{ alarms: { byKind: { zone: { deadband: 5 } } } }, "alarms.byKind.zone.deadband: unknown key"],
      [
        {
          ...fleet,
          contracts: [
            { id: "c1", company: "sc-north", assets: ["T9"], from: "2026-01-01", responseTimeMinutes: 60 },
          ],
        },
        'contracts[0].assets[0]: unknown asset "T9"',
      ],
      [
        {
          ...fleet,
          contracts: [
            { id: "c1", company: "sc-north", assets: ["T01"], from: "2026-01-01", responseTimeMinutes: 60 },
            {
              id: "c2",
              company: "sc-north",
              assets: ["T01"],
              from: "2026-06-01",
              to: "2027-01-01",
              responseTimeMinutes: 60,
            },
          ],
        },
        'contracts[1].assets[0]: "T01" is also under contract "c1" in that period',
      ],
      [
        {
          ...fleet,
          contracts: [
            { id: "c1", company: "sc-north", assets: ["T01"], from: "2026-13-01", responseTimeMinutes: 60 },
          ],
        },
        "contracts[0].from: not a valid date",
      ],
      [
        { ...fleet, assets: [{ ...fleet.assets[0], kind: "windmill" }] },
        "assets[0].kind: expected one of turbine|hospital|clinic|school",
      ],
      [
        { ...fleet, assets: [{ ...fleet.assets[0], points: [{ id: "x", component: "rotor" }] }] },
        "assets[0].points[0].component: expected one of nacelle|main_bearing|gearbox|generator",
      ],
      [{ store: { kind: "influx", database: "v" } }, "store.url: expected required property"],
      [{ store: { kind: "cassandra" } }, "store.kind: expected one of embedded|influx"],
      [{ store: { kind: "embedded", url: "http://x" } }, "store.url: unknown key"],
      [{ ...fleet, assets: [{ ...fleet.assets[0], site: "wf9" }] }, 'assets[0].site: unknown site "wf9"'],
      [
        { ...fleet, tokens: [{ sha256: "a".repeat(64), role: "agent" }] },
        "tokens[0].site: required for agent",
      ],
    ];
    for (const [input, error] of cases) {
      expect(checkCentralConfig(input)).toEqual({ ok: false, error });
      expect(() => parseCentralConfig(input)).toThrow(new CentralConfigError(error));
    }
  });

  it("takes zone table overrides for the trends, and names what is wrong in them", () => {
    const ok = checkCentralConfig({
      zones: { gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 4 }] },
    });
    expect(ok.ok).toBe(true);
    expect(checkCentralConfig({ zones: { tower: [] } })).toEqual({
      ok: false,
      error: "zones.tower: unknown key",
    });
    expect(
      checkCentralConfig({ zones: { gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 9 }] } }),
    ).toEqual({
      ok: false,
      error: "zones.gearbox[0]: boundaries must rise A/B < B/C < C/D, got 5.625 / 9 / 5.6",
    });
    expect(
      checkCentralConfig({ zones: { main_bearing: [{ quantity: "acceleration", bandHz: [1, 2] }] } }),
    ).toEqual({
      ok: false,
      error:
        "zones.main_bearing[0]: acceleration 1–2 Hz is not a default band of main_bearing, so it needs bc and cd",
    });
  });

  it("takes the proxies central trusts as fastify does: addresses, CIDRs, range names", () => {
    for (const trustProxy of [
      true,
      "127.0.0.1",
      "10.0.0.0/8, fd00::/8",
      ["loopback", "192.168.0.0/255.255.0.0"],
    ])
      expect(parseCentralConfig({ server: { trustProxy } }).server.trustProxy).toEqual(trustProxy);
  });

  it("takes missing InfluxDB settings from the environment", () => {
    const r = checkCentralConfig(
      { store: { kind: "influx", database: "from_file" } },
      { INFLUX_URL: "http://127.0.0.1:8086", INFLUX_DB: "from_env", INFLUX_TOKEN: "secret" },
    );
    expect(r.ok && r.config.store).toEqual({
      kind: "influx",
      url: "http://127.0.0.1:8086",
      database: "from_file",
      token: "secret",
      timeoutMs: 10_000,
    });
  });

  it("loads YAML from a file and reports a missing file", () => {
    const path = join(dir, "central.yaml");
    writeFileSync(
      path,
      "server: { port: 0 }\ntenants: [ { id: sc-north, name: North } ]\nsites: [ { id: wf1, name: WF, kind: wind_farm, tenant: sc-north } ]\n",
    );
    const config = loadCentralConfig(path, {});
    expect(config.server.port).toBe(0);
    expect(config.sites[0]?.tenant).toBe("sc-north");
    const missing = checkCentralConfigFile(join(dir, "nope.yaml"), {});
    expect(missing.ok).toBe(false);
    writeFileSync(path, "server: [1\n");
    expect(() => loadCentralConfig(path, {})).toThrow(/not valid YAML/);
  });
});
