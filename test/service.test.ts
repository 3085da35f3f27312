// The service model end to end, every part real: a fault injected in a
// turbine simulator (OPC UA + Modbus TCP) → the edge agent diagnoses it →
// central raises an alarm routed by contract to one company → that
// company's webhook receiver (HMAC-signed JSON) and SMTP inbox get it; the
// acknowledgement and the automatic clearing are recorded and notified; the
// other company sees and receives nothing.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { simulatedTurbine } from "./helpers/central-fixture.ts";
import {
  type SmtpInbox,
  startSmtpInbox,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./helpers/notify-receivers.ts";
import { freePort } from "./helpers/ports.ts";
import { startTurbineAgent, type TurbineAgent } from "./helpers/turbine-agent.ts";
import { until } from "./helpers/until.ts";

const HOUR = 3_600_000;
const KEY = "T07:main_bearing:bearing_outer_race";
const SECRET_A = "a-webhook-secret-of-company-a";
const SECRET_B = "b-webhook-secret-of-company-b";

interface Alarm {
  id: string;
  key: string;
  company: string;
  state: string;
  severity: string;
}

describe("service model end to end: fault → alarm → the right company's webhook and inbox", () => {
  let dataDir: string;
  let central: RunningCentral;
  let turbine: TurbineSim;
  let rig: TurbineAgent;
  let hooks: WebhookReceiver;
  let inbox: SmtpInbox;
  let tokenA: string;
  let tokenB: string;
  let admin: string;

  const api = async <T>(
    token: string,
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${central.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const publish = () => rig.publish();
  const delivered = () => rig.delivered();
  /** The webhooks of `type` that carry the bearing alarm (a zone alarm on the same point may come too). */
  const webhooksOf = (path: string, type: string) =>
    hooks.at(path).filter((h) => {
      const body = JSON.parse(h.raw.toString("utf8")) as { type: string; alarms: { key: string }[] };
      return body.type === type && body.alarms.some((a) => a.key === KEY);
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "vetra-service-e2e-"));
    hooks = await startWebhookReceiver();
    inbox = await startSmtpInbox();
    turbine = await startTurbine({ assetId: "T07", seed: 23, scadaRefreshMs: HOUR, waveformRefreshMs: HOUR });
    central = await startCentral(
      parseCentralConfig({
        server: { port: await freePort() },
        dataDir: join(dataDir, "central"),
        tenants: [
          { id: "owner", name: "Wind farm owner" },
          { id: "sc-a", name: "Service A" },
          { id: "sc-b", name: "Service B" },
        ],
        sites: [{ id: "wf1", name: "Wind farm", kind: "wind_farm" }],
        assets: [
          simulatedTurbine("T07", "WTG 7", "owner"),
          { id: "T08", name: "WTG 8", kind: "turbine", site: "wf1", tenant: "owner", points: [] },
        ],
        contracts: [
          { id: "A-2026", company: "sc-a", assets: ["T07"], from: "2026-01-01", responseTimeMinutes: 240 },
          { id: "B-2026", company: "sc-b", assets: ["T08"], from: "2026-01-01", responseTimeMinutes: 240 },
        ],
        // Fast enough for a test: evaluate every half second, on- and off-delay 1 s, clear 2 s after.
        alarms: {
          evaluateEveryMs: 500,
          debounceMs: 100,
          clearAfterMs: 2000,
          onDelayMs: 1000,
          offDelayMs: 1000,
        },
        notifications: {
          smtp: { host: "127.0.0.1", port: inbox.port, from: "Vetra <alarms@vetra.test>" },
          pumpEveryMs: 200,
          retryBaseMs: 500,
          // The receivers are on loopback: admitted explicitly, as on-premises ones are.
          webhookAllowList: ["127.0.0.1"],
        },
      }),
    );
    admin = await central.meta.tokens.create({ role: "admin", label: "region admin" });
    tokenA = await central.meta.tokens.create({
      role: "service_company",
      tenant: "sc-a",
      label: "A dispatcher",
    });
    tokenB = await central.meta.tokens.create({
      role: "service_company",
      tenant: "sc-b",
      label: "B dispatcher",
    });
    const rules = (path: string, secret: string, email: string) => ({
      rules: [
        {
          channel: "webhook",
          target: hooks.url(path),
          secret,
          minSeverity: "warning",
          events: ["raised", "acknowledged", "cleared"],
        },
        { channel: "email", target: email, minSeverity: "warning", events: ["raised", "cleared"] },
      ],
    });
    for (const [token, company, body] of [
      [tokenA, "sc-a", rules("/a", SECRET_A, "dispatch@a.test")],
      [tokenB, "sc-b", rules("/b", SECRET_B, "dispatch@b.test")],
    ] as const) {
      const put = await api(token, `/api/v1/companies/${company}/notification-rules`, {
        method: "PUT",
        body: JSON.stringify(body),
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    rig = await startTurbineAgent({
      turbine,
      assetId: "T07",
      centralUrl: central.url,
      agentToken: await central.meta.tokens.create({ role: "agent", site: "wf1", label: "edge" }),
      dir: dataDir,
    });
  }, 120_000);

  afterAll(async () => {
    await rig?.agent.stop();
    await central?.close();
    await turbine?.stop();
    await hooks?.close();
    await inbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("raises the alarm for company A only and notifies A by signed webhook and e-mail", {
    timeout: 120_000,
  }, async () => {
    await publish();
    await delivered();
    expect((await api<{ alarms: Alarm[] }>(tokenA, "/api/v1/alarms")).body.alarms).toEqual([]);
    turbine.setFaults([{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }]);
    for (let i = 0; i < 3; i++) await publish(); // the edge raises after 3 of 5 blocks
    await delivered();
    const alarm = await until(
      "the alarm in company A's list",
      async () =>
        (await api<{ alarms: Alarm[] }>(tokenA, "/api/v1/alarms")).body.alarms.find((a) => a.key === KEY),
      20_000,
    );
    expect(alarm).toMatchObject({ company: "sc-a", state: "active" });
    // Company B: not in its list, not by id, and not its turbine.
    expect((await api<{ alarms: Alarm[] }>(tokenB, "/api/v1/alarms?state=all")).body.alarms).toEqual([]);
    expect((await api(tokenB, `/api/v1/alarms/${alarm.id}`)).status).toBe(404);
    expect(
      (await api<{ assets: { id: string }[] }>(tokenB, "/api/v1/assets")).body.assets.map((a) => a.id),
    ).toEqual(["T08"]);

    const hook = await until("A's webhook", () => webhooksOf("/a", "alarm.raised")[0], 20_000);
    // The receiver's own check of the signature: HMAC-SHA256 over "<timestamp>.<raw body>".
    const timestamp = String(hook.headers["x-vetra-timestamp"]);
    const expected = createHmac("sha256", SECRET_A)
      .update(`${timestamp}.${hook.raw.toString("utf8")}`)
      .digest("hex");
    expect(hook.headers["x-vetra-signature"]).toBe(`sha256=${expected}`);
    const body = JSON.parse(hook.raw.toString("utf8")) as { company: string; alarms: { id: string }[] };
    expect(body.company).toBe("sc-a");
    expect(body.alarms.map((a) => a.id)).toContain(alarm.id);

    const mail = await until(
      "A's e-mail",
      () => inbox.received.find((m) => m.envelopeTo.includes("dispatch@a.test")),
      20_000,
    );
    expect(mail.subject).toMatch(/WTG 7/);
    expect(mail.text).toMatch(/WTG 7/);
  });

  it("records the acknowledgement, clears after the fault is gone, and tells A; B got nothing", {
    timeout: 180_000,
  }, async () => {
    const acked = await api<{ alarm: Alarm & { acknowledgedBy: string } }>(
      tokenA,
      `/api/v1/alarms/${KEY}/ack`,
      {
        method: "POST",
        body: JSON.stringify({ comment: "crew sent" }),
      },
    );
    expect(acked.status).toBe(200);
    expect(acked.body.alarm).toMatchObject({ state: "acknowledged", acknowledgedBy: "A dispatcher" });
    await until("A's acknowledgement webhook", () => webhooksOf("/a", "alarm.acknowledged")[0], 20_000);

    turbine.setFaults([]);
    for (let i = 0; i < 5; i++) await publish(); // the edge clears after 5 clean blocks
    await delivered();
    const cleared = await until(
      "the alarm cleared at central",
      async () => {
        const r = await api<{
          alarm: Alarm;
          events: { kind: string; actor: string; comment: string | null }[];
        }>(tokenA, `/api/v1/alarms/${KEY}`);
        return r.body.alarm.state === "cleared" ? r.body : undefined;
      },
      30_000,
    );
    expect(cleared.events.map((e) => e.kind)).toEqual(["raised", "acknowledged", "cleared"]);
    expect(cleared.events[1]).toMatchObject({ actor: "A dispatcher", comment: "crew sent" });
    await until("A's clearing webhook", () => webhooksOf("/a", "alarm.cleared")[0], 20_000);
    await until(
      "A's clearing e-mail",
      () =>
        inbox.received.filter((m) => m.envelopeTo.includes("dispatch@a.test")).length >= 2 ? true : undefined,
      20_000,
    );

    // The outcome of every delivery is visible to A; B's list, webhook and inbox are empty.
    const deliveries = await until(
      "every delivery to A sent",
      async () => {
        const r = await api<{ notifications: { status: string; lastError: string | null }[] }>(
          tokenA,
          "/api/v1/notifications",
        );
        const list = r.body.notifications;
        return list.length >= 5 && list.every((d) => d.status === "sent") ? list : undefined;
      },
      20_000,
    );
    expect(deliveries.length).toBeGreaterThanOrEqual(5);
    expect(
      (await api<{ notifications: unknown[] }>(tokenB, "/api/v1/notifications")).body.notifications,
    ).toEqual([]);
    expect(hooks.at("/b")).toEqual([]);
    expect(inbox.received.filter((m) => m.envelopeTo.includes("dispatch@b.test"))).toEqual([]);
    // The acknowledgement is in the audit log with who did it.
    const audit = await api<{ entries: { action: string; actor: string }[] }>(admin, "/api/v1/audit");
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ action: "POST /api/v1/alarms/:id/ack", actor: "A dispatcher" }),
    );
  });
});
