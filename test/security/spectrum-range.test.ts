// Issue 13, finding 10: one spectrum upload with `diagnoses[].since = 1e17`
// made GET /api/v1/assets/T01/spectrum answer 500 to every reader (no Date
// holds 1e17 ms). Over a real socket against a real central: out-of-range
// times and numbers in a snapshot are a 400 and nothing is stored, and a
// bad row already in the metadata file (stored before the check existed)
// is left out of the answer instead of failing it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import { type CentralUnderTest, startCentralUnderTest } from "../helpers/central-under-test.ts";
import { bearingSnapshot } from "../helpers/spectrum-upload.ts";

const MIN = 60_000;

const upload = (ts: number) => bearingSnapshot("main_bearing", ts);

type Mutate = (u: SpectrumUpload) => void;
const HOSTILE: [string, Mutate][] = [
  [
    "diagnoses[0].since = 1e17",
    (u) => {
      u.diagnoses[0]!.since = 1e17;
    },
  ],
  [
    "diagnoses[0].since a day ahead of central's clock",
    (u) => {
      u.diagnoses[0]!.since = Date.now() + 86_400_000;
    },
  ],
  [
    "ts = 1e17",
    (u) => {
      u.ts = 1e17;
    },
  ],
  [
    "sampleRateHz = 1e300",
    (u) => {
      u.snapshot.sampleRateHz = 1e300;
    },
  ],
  [
    "samples = 1e300",
    (u) => {
      u.snapshot.samples = 1e300;
    },
  ],
  [
    "speedRpm = 1e300",
    (u) => {
      u.snapshot.speedRpm = 1e300;
    },
  ],
  [
    "spectrum.df_hz = 1e300",
    (u) => {
      u.snapshot.spectrum.df_hz = 1e300;
    },
  ],
  [
    "spectrum value 1e300",
    (u) => {
      u.snapshot.spectrum.values[1] = 1e300;
    },
  ],
  [
    "marker frequency_hz = 1e300",
    (u) => {
      u.snapshot.markers[0]!.frequency_hz = 1e300;
    },
  ],
  [
    "evidence frequency_hz = -5",
    (u) => {
      u.diagnoses[0]!.evidence.frequency_hz = -5;
    },
  ],
  [
    "evidence snr_db = 1e300",
    (u) => {
      u.diagnoses[0]!.evidence.snr_db = 1e300;
    },
  ],
  [
    "envelope band up to 1e300 Hz",
    (u) => {
      u.snapshot.envelope.band_hz = [300, 1e300];
    },
  ],
];

describe("finding 10: spectrum upload ranges", () => {
  let c: CentralUnderTest;
  let goodTs: number;
  beforeAll(async () => {
    c = await startCentralUnderTest();
    goodTs = Date.now() - 30 * MIN;
    const good = await c.request("/api/v1/ingest/spectrum", {
      method: "POST",
      token: c.tokens.agentWf1,
      json: { agent: "edge-wf1", site: "wf1", snapshots: [upload(goodTs)] },
    });
    expect(good.status).toBe(200);
  });
  afterAll(async () => {
    await c?.close();
  });

  const readSpectrum = async () => {
    const res = await c.request("/api/v1/assets/T01/spectrum?point=main_bearing&history=50", {
      token: c.tokens.north,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { snapshots: { ts: string; diagnoses: { since: string }[] }[] };
  };

  it.each(HOSTILE)(
    "%s is a 400, nothing stored, and readers still get the good snapshot",
    async (_what, mutate) => {
      const u = upload(Date.now() - 5 * MIN);
      mutate(u);
      const res = await c.request("/api/v1/ingest/spectrum", {
        method: "POST",
        token: c.tokens.agentWf1,
        json: { agent: "edge-wf1", site: "wf1", snapshots: [u] },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
        /VALIDATION_FAILED|INVALID_TIMESTAMP/,
      );
      const read = await readSpectrum();
      expect(read.snapshots.map((s) => s.ts)).toEqual([new Date(goodTs).toISOString()]);
    },
  );

  it("a bad row already stored is left out of the answer, never a 500", async () => {
    const newer = upload(Date.now() - 2 * MIN);
    const { asset, point, ts, reason, ...rest } = newer;
    rest.diagnoses[0]!.since = 1e17;
    await c.central.meta.snapshots.put([{ asset, point, ts, reason, json: JSON.stringify(rest) }]);
    const read = await readSpectrum();
    expect(read.snapshots.map((s) => s.ts)).toEqual([new Date(goodTs).toISOString()]);
    const all = await c.request("/api/v1/assets/T01/spectrum", { token: c.tokens.north });
    expect(all.status).not.toBe(500);
    expect([200, 404]).toContain(all.status);
  });
});
