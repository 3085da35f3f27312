// Issue 13, finding 5: webhook server-side request forgery. A service
// company could aim its webhook at 127.0.0.1 (central's own port,
// InfluxDB), 169.254.169.254 or the office network, read the first 200
// characters of the answer in `lastError`, and tell closed ports from
// filtered ones by ECONNREFUSED. Over a real socket against a real central:
// such targets are refused when the rule is saved and again when a
// delivery is sent (a rule stored earlier, a name resolving to loopback),
// nothing reaches the internal receiver, `lastError` is the status line
// only and the same for every network failure, `user:pass@` is refused and
// never shown back; an admin's allow-list admits an on-premises receiver.

import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { hostname } from "node:os";
import ipaddr from "ipaddr.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSecretBox } from "../../central/lib/secret-box.ts";
import { sealContext } from "../../central/maintenance/notify/rules.ts";
import { wf1Batch } from "../helpers/central-fixture.ts";
import { type CentralUnderTest, startCentralUnderTest } from "../helpers/central-under-test.ts";
import { until } from "../helpers/until.ts";

const SECRET = "a-long-webhook-secret-42";
const INTERNAL_ANSWER = "root:x:0:0 internal-metadata-token-7f3a";

interface Receiver {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** An "internal service" on every local address: answers 400 with something secret, or never answers. */
async function internalService(mode: "secret" | "hang"): Promise<Receiver> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (mode === "hang") return;
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(INTERNAL_ANSWER);
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function deadPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const hook = (target: string, id = "hook") => ({
  id,
  channel: "webhook",
  target,
  secret: SECRET,
  events: ["raised"],
  minSeverity: "warning",
});

/** A rule as a release before this check could have stored it (straight into the metadata file). */
async function storeLegacyRule(c: CentralUnderTest, id: string, target: string): Promise<void> {
  // As an older release left it once this release's start has sealed its secret (rules.ts).
  const sealed = openSecretBox({ dataDir: c.dataDir }).seal(SECRET, sealContext("sc-north", id));
  await c.central.meta.db.run(
    `INSERT INTO notification_rule (company, id, position, channel, target, secret_sealed, min_severity, events,
       quiet_from, quiet_to, digest_minutes, enabled, updated_at)
     VALUES ('sc-north', ?, 0, 'webhook', ?, ?, 'warning', '["raised"]', NULL, NULL, 0, 1, ?)`,
    [id, target, sealed, Date.now()],
  );
}

/** An active diagnosis of T01 (maintained by sc-north): the evaluator raises an alarm, the notifier sends. */
async function raiseAlarm(c: CentralUnderTest, fault: string): Promise<void> {
  const now = Date.now();
  const res = await c.request("/api/v1/ingest", {
    method: "POST",
    token: c.tokens.agentWf1,
    json: wf1Batch(
      `ssrf-${fault}-${now}`,
      [
        {
          measurement: "diagnosis",
          tags: { site: "wf1", asset: "T01", point: "main_bearing", fault },
          fields: { severity: 2, active: 1, confidence: 0.9, raised_at_ms: now - 1000 },
          ts: now - 1000,
        },
      ],
      now,
    ),
  });
  expect(res.status).toBe(200);
}

interface Delivery {
  id: string;
  target: string;
  status: string;
  lastError: string | null;
}

async function deliveries(c: CentralUnderTest): Promise<Delivery[]> {
  const res = await c.request("/api/v1/notifications", { token: c.tokens.north });
  expect(res.status).toBe(200);
  return ((await res.json()) as { notifications: Delivery[] }).notifications;
}

const FAST = {
  alarms: { evaluateEveryMs: 200, debounceMs: 50, onDelayMs: 0, offDelayMs: 0 },
  notifications: { pumpEveryMs: 100, retryBaseMs: 60_000, maxAttempts: 3, webhookTimeoutMs: 1000 },
};

describe("finding 5: webhook SSRF", () => {
  let internal: Receiver;
  let hanging: Receiver;
  beforeAll(async () => {
    internal = await internalService("secret");
    hanging = await internalService("hang");
  });
  afterAll(async () => {
    await internal?.close();
    await hanging?.close();
  });

  describe("without an allow-list", () => {
    let c: CentralUnderTest;
    beforeAll(async () => {
      c = await startCentralUnderTest({ config: FAST });
    });
    afterAll(async () => {
      await c?.close();
    });

    const refusedTargets = () => [
      `http://127.0.0.1:${internal.port}/`,
      `http://127.1:${internal.port}/`,
      `http://2130706433:${internal.port}/`,
      `http://0x7f.0.0.1:${internal.port}/`,
      `http://[::1]:${internal.port}/`,
      `http://[::ffff:127.0.0.1]:${internal.port}/`,
      `http://[::ffff:7f00:1]:${internal.port}/`,
      `http://[::127.0.0.1]:${internal.port}/`,
      `http://localhost:${internal.port}/`,
      `http://LOCALHOST:${internal.port}/`,
      `http://api.localhost:${internal.port}/`,
      `http://0.0.0.0:${internal.port}/`,
      `http://[::]:${internal.port}/`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[fe80::1]/",
      "http://10.0.0.1/",
      "http://172.16.5.4/",
      "http://192.168.1.1/",
      "http://100.64.0.1/",
      "http://[fc00::1]/",
      "http://[fd12:3456::1]/",
      "http://224.0.0.1/",
      "http://255.255.255.255/",
      "http://[ff02::1]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::1]/",
    ];

    it("refuses loopback, link-local, private, unspecified, multicast and other special targets when saved", async () => {
      for (const target of refusedTargets()) {
        const res = await c.request("/api/v1/companies/sc-north/notification-rules", {
          method: "PUT",
          token: c.tokens.north,
          json: { rules: [hook(target)] },
        });
        expect(res.status, target).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(["VALIDATION_FAILED", "RECEIVER_NOT_ALLOWED"], target).toContain(body.error.code);
        expect(body.error.message).toMatch(/rules\[0\]\.target/);
      }
      const rules = await c.request("/api/v1/companies/sc-north/notification-rules", {
        token: c.tokens.north,
      });
      expect(((await rules.json()) as { rules: unknown[] }).rules).toEqual([]);
      expect(internal.hits).toEqual([]);
    });

    it("refuses a host name that resolves to a non-public address (checked after resolution)", async () => {
      const name = hostname();
      const addresses = await lookup(name, { all: true });
      expect(
        addresses.every((a) => ipaddr.process(a.address).range() !== "unicast"),
        `${name} resolves to ${JSON.stringify(addresses)}: this test needs the machine's name to be local`,
      ).toBe(true);
      const res = await c.request("/api/v1/companies/sc-north/notification-rules", {
        method: "PUT",
        token: c.tokens.north,
        json: { rules: [hook(`http://${name}:${internal.port}/by-name`)] },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("RECEIVER_NOT_ALLOWED");
      // The answer names the host, not what it resolved to.
      for (const a of addresses) expect(body.error.message).not.toContain(a.address);
    });

    it("refuses at send time what is stored already: nothing reaches the internal service", async () => {
      await storeLegacyRule(c, "legacy-ip", `http://127.0.0.1:${internal.port}/legacy-ip`);
      await storeLegacyRule(c, "legacy-name", `http://${hostname()}:${internal.port}/legacy-name`);
      await raiseAlarm(c, "imbalance");
      const failed = await until("both legacy deliveries to fail", async () => {
        const list = await deliveries(c);
        return list.length >= 2 && list.every((d) => d.status === "failed") ? list : undefined;
      });
      for (const d of failed)
        expect(d.lastError).toMatch(/not a public address|does not resolve to a public address/);
      expect(internal.hits).toEqual([]);
    });

    it("refuses credentials in the URL and never shows them back", async () => {
      const res = await c.request("/api/v1/companies/sc-north/notification-rules", {
        method: "PUT",
        token: c.tokens.north,
        json: { rules: [hook("https://alice:s3cr3t-pass@hooks.example.com/in")] },
      });
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain("s3cr3t-pass");
      // One stored by an older release is shown without them, in rules and in deliveries.
      await storeLegacyRule(c, "legacy-creds", "https://alice:s3cr3t-pass@hooks.example.invalid/in");
      const rules = await c.request("/api/v1/companies/sc-north/notification-rules", {
        token: c.tokens.north,
      });
      const text = await rules.text();
      expect(text).toContain("hooks.example.invalid");
      expect(text).not.toContain("s3cr3t-pass");
      expect(text).not.toContain("alice");
      await raiseAlarm(c, "misalignment");
      await until("a delivery to the legacy rule", async () =>
        (await deliveries(c)).some((d) => d.target.includes("hooks.example.invalid")) ? true : undefined,
      );
      const list = await c.request("/api/v1/notifications", { token: c.tokens.north });
      const listed = await list.text();
      expect(listed).not.toContain("s3cr3t-pass");
      expect(listed).not.toContain("alice");
    });
  });

  describe("with an admin's allow-list for an on-premises receiver", () => {
    let c: CentralUnderTest;
    beforeAll(async () => {
      c = await startCentralUnderTest({
        config: { ...FAST, notifications: { ...FAST.notifications, webhookAllowList: ["127.0.0.0/8"] } },
      });
    });
    afterAll(async () => {
      await c?.close();
    });

    it("admits it; lastError is the status line only, and a refused port reads like a timeout", async () => {
      const dead = await deadPort();
      const res = await c.request("/api/v1/companies/sc-north/notification-rules", {
        method: "PUT",
        token: c.tokens.north,
        json: {
          rules: [
            hook(`http://127.0.0.1:${internal.port}/allowed`, "allowed"),
            hook(`http://127.0.0.1:${dead}/closed`, "closed"),
            hook(`http://127.0.0.1:${hanging.port}/filtered`, "filtered"),
          ],
        },
      });
      expect(res.status).toBe(200);
      // Still refused although allow-listed ranges exist: what the list does not name.
      const other = await c.request("/api/v1/companies/sc-north/notification-rules", {
        method: "PUT",
        token: c.tokens.north,
        json: { rules: [hook("http://169.254.169.254/latest/meta-data/")] },
      });
      expect(other.status).toBe(400);
      await raiseAlarm(c, "looseness");
      const settled = await until(
        "three deliveries with an outcome",
        async () => {
          const list = await deliveries(c);
          return list.length === 3 && list.every((d) => d.lastError !== null) ? list : undefined;
        },
        20_000,
      );
      expect(internal.hits).toContain("/allowed");
      const byTarget = (part: string) => settled.find((d) => d.target.includes(part))!;
      expect(byTarget("/allowed").lastError).toBe("HTTP 400 Bad Request");
      expect(JSON.stringify(settled)).not.toContain("internal-metadata-token");
      expect(byTarget("/closed").lastError).toBe(byTarget("/filtered").lastError);
      expect(byTarget("/closed").lastError).not.toMatch(/ECONNREFUSED|refused|timeout|timed out after/i);
    });
  });
});
