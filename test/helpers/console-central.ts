// The console's page tests' world: the fixture central listening on loopback
// (alarms evaluated only when a test asks, so what a page shows follows the
// data the test sent) and Chromium; a JSON call that fails on an error answer,
// and the two agents' uploads (blocks, spectrum snapshots) as wf1's and wf2's send them.
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { expect } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { launchChromium } from "./browser.ts";
import { type CentralFixture, makeCentralFixture } from "./central-fixture.ts";
import { callJson } from "./json-api.ts";

/** A block of T01's main bearing at wf1 (velocity RMS `vRmsMmS`, acceleration a third of it) with `fields` beside. */
export const t01MainBearingBlock = (
  ts: number,
  vRmsMmS: number,
  fields: Record<string, number>,
): WirePoint => ({
  measurement: "vibration",
  tags: { site: "wf1", asset: "T01", point: "main_bearing" },
  fields: { v_rms_mm_s: vRmsMmS, a_rms_m_s2: vRmsMmS / 3, crest_factor: 3.2, ...fields },
  ts,
});

export interface ConsoleCentral {
  f: CentralFixture;
  url: string;
  browser: Browser;
  /** GET (no body) or POST `body` with `token`; the answer, after expecting a 2xx. */
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
  call<T = any>(path: string, token: string, body?: unknown): Promise<T>;
  /** A batch of `points` from the site's agent. */
  ingest(site: "wf1" | "wf2", batchId: string, points: WirePoint[]): Promise<unknown>;
  /** Spectrum snapshots from wf1's agent. */
  uploadSpectra(snapshots: SpectrumUpload[]): Promise<unknown>;
  close(): Promise<void>;
}

export async function startConsoleCentral(): Promise<ConsoleCentral> {
  const f = await makeCentralFixture({ config: { alarms: { evaluateEveryMs: 0 } } });
  try {
    await f.app.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    const browser = await launchChromium();
    const call = async <T>(path: string, token: string, body?: unknown): Promise<T> => {
      const res = await callJson(
        { url, auth: f.auth },
        token,
        body === undefined ? "GET" : "POST",
        path,
        body,
      );
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body as T;
    };
    return {
      f,
      url,
      browser,
      call,
      ingest: (site, batchId, points) =>
        call("/api/v1/ingest", site === "wf1" ? f.tokens.agentWf1 : f.tokens.agentWf2, {
          batchId,
          agent: `edge-${site}`,
          site,
          sentAt: Date.now(),
          points,
        }),
      uploadSpectra: (snapshots) =>
        call("/api/v1/ingest/spectrum", f.tokens.agentWf1, { agent: "edge-wf1", site: "wf1", snapshots }),
      async close() {
        await browser.close();
        await f.close();
      },
    };
  } catch (e) {
    await f.close();
    throw e;
  }
}
