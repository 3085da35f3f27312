// The notifier against real parts: a metadata database (SQLite file in a temp
// dir, and PostgreSQL where installed), alarms raised
// through the alarm book, a node:http webhook receiver and an smtp-server
// inbox on loopback, and a controllable clock for quiet hours, digests and
// back-off.
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FreshMetadata, freshMetadata, metadataKinds } from "../../../test/helpers/metadata.ts";
import {
  type SmtpInbox,
  startSmtpInbox,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../../test/helpers/notify-receivers.ts";
import { checkCentralConfig, parseCentralConfig } from "../../config.ts";
import { SecretBox } from "../../lib/secret-box.ts";
import type { MetaStore } from "../../meta/meta.ts";
import { AlarmBook, type Condition } from "../alarm-book.ts";
import type { NotificationsConfig } from "./config.ts";
import { Notifier } from "./notifier.ts";
import type { Delivery } from "./outbox.ts";
import type { RuleInput } from "./rules.ts";
import { dueMs } from "./schedule.ts";
import { verifyWebhookSignature } from "./signature.ts";
import { UNREACHABLE_MESSAGE } from "./webhook.ts";

const FLEET = {
  tenants: [
    { id: "sc-north", name: "Северный сервис" },
    { id: "sc-south", name: "South Wind Service" },
  ],
  sites: [
    { id: "wf1", name: "Ветропарк Северный", kind: "wind_farm" },
    { id: "wf2", name: "South wind farm", kind: "wind_farm" },
  ],
  assets: [
    { id: "N1", name: "ВЭУ-1", kind: "turbine", site: "wf1", tenant: "sc-north", points: [] },
    { id: "N2", name: "ВЭУ-2", kind: "turbine", site: "wf1", tenant: "sc-north", points: [] },
    { id: "S1", name: "WTG-1", kind: "turbine", site: "wf2", tenant: "sc-south", points: [] },
  ],
};
const SITE_OF: Record<string, string> = { N1: "wf1", N2: "wf1", S1: "wf2" };
const COMPANY_OF: Record<string, string> = { N1: "sc-north", N2: "sc-north", S1: "sc-south" };

const SECRET = "north-webhook-secret-0123";
const CONSOLE = "https://vetra.example.org";
/** Monday 2 March 2026, 12:00 in Moscow (UTC+3), 09:00 in London (UTC+0 until 29 March). */
const T0 = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;

let receiver: WebhookReceiver;
let inbox: SmtpInbox;

/** A metadata database with the fleet, an alarm book on it, and a clock the test moves. */
class World {
  now = T0;
  readonly clock = () => this.now;
  readonly notifiers: Notifier[] = [];
  /** The webhook secrets' key, one for the world (every replica of it has the same key file). */
  readonly secrets = new SecretBox(randomBytes(32));
  meta!: MetaStore;
  book!: AlarmBook;
  private readonly conditions = new Map<string, Condition>();

  private constructor(private readonly md: FreshMetadata) {}

  static async create(md: FreshMetadata): Promise<World> {
    const w = new World(md);
    w.meta = await w.open();
    await w.meta.fleet.replace(parseCentralConfig(FLEET));
    await w.meta.db.run("UPDATE company SET lang = 'en', timezone = 'Europe/London' WHERE id = 'sc-south'");
    w.book = new AlarmBook(w.meta.db, w.clock);
    return w;
  }

  /** Another replica's connection to the world's database. */
  open(): Promise<MetaStore> {
    return this.md.open();
  }

  async notifier(config: Partial<NotificationsConfig> = {}, meta = this.meta): Promise<Notifier> {
    const n = new Notifier({
      db: meta.db,
      secrets: this.secrets,
      config: parseCentralConfig({
        // The receivers here are on loopback: admitted explicitly, as an admin admits an on-premises one.
        notifications: {
          pumpEveryMs: 0,
          retryBaseMs: MINUTE,
          consoleUrl: CONSOLE,
          webhookAllowList: ["127.0.0.1"],
          ...config,
        },
      }).notifications,
      clock: this.clock,
    });
    this.notifiers.push(n);
    return n.open();
  }

  /** The edge reports a condition (new or with a new severity) now: the book raises or changes its alarm. */
  async observe(
    asset: string,
    fault: string,
    severity: "warning" | "alarm",
    point = "main_bearing",
  ): Promise<string> {
    this.conditions.set(`${asset}:${point}:${fault}`, {
      asset,
      point,
      fault,
      severity,
      sinceMs: this.now - 5 * MINUTE,
      isoZone: null,
    });
    await this.book.reconcile([...this.conditions.values()], this.now, {
      clearAfterMs: 365 * 24 * 3_600_000,
      routeOf: (a) => ({ company: COMPANY_OF[a]!, site: SITE_OF[a]!, responseTimeMs: 3_600_000 }),
    });
    return (await this.book.resolve(`${asset}:${point}:${fault}`))!.id;
  }

  async close(): Promise<void> {
    for (const n of this.notifiers) await n.stop();
  }
}

let world: World;

const webhook = (path: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  channel: "webhook",
  target: receiver.url(path),
  secret: SECRET,
  events: ["raised", "severity", "acknowledged", "cleared", "escalated"],
  ...extra,
});
const email = (address: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  channel: "email",
  target: address,
  events: ["raised", "severity", "acknowledged", "cleared"],
  ...extra,
});
const smtp = () => ({ host: "127.0.0.1", port: inbox.port, from: "Vetra <alarms@vetra.test>" });
const bodyOf = (raw: Buffer) =>
  JSON.parse(raw.toString("utf8")) as {
    type: string;
    delivery: string;
    company: string;
    alarms: { id: string; assetName: string; severity: string; state: string; since: string; url: string }[];
    events: { id: number; alarm: string; kind: string }[];
  };
const only = (deliveries: Delivery[]): Delivery => {
  expect(deliveries).toHaveLength(1);
  return deliveries[0]!;
};

describe.each(metadataKinds())("notifier (%s)", (kind) => {
  const md = freshMetadata(kind);
  afterEach(async () => world?.close());
  // Receivers of each engine's run: what one run received is not the other's.
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    inbox = await startSmtpInbox((address) =>
      address.startsWith("nobody@") ? 550 : address.startsWith("full@") ? 452 : null,
    );
  });
  afterAll(async () => {
    await receiver.close();
    await inbox.close();
  });

  describe("webhook", () => {
    it("POSTs the alarm as signed JSON; the signature checks with node:crypto and verifyWebhookSignature, a tampered body fails", async () => {
      world = await World.create(md);
      const n = await world.notifier();
      await n.rules.replace("sc-north", [webhook("/signed")], world.now);
      const id = await world.observe("N1", "bearing_outer_race", "alarm");

      expect(await n.pump()).toEqual({ enqueued: 1, sent: 1, failed: 0, retried: 0 });
      const [got] = receiver.at("/signed");
      expect(receiver.at("/signed")).toHaveLength(1);
      const h = got!.headers;
      expect(h["content-type"]).toBe("application/json");
      const ts = String(h["x-vetra-timestamp"]);
      expect(ts).toBe(String(Math.floor(world.now / 1000)));
      const signature = String(h["x-vetra-signature"]);
      // Independently of the sender's code: HMAC-SHA256(secret, timestamp + "." + body).
      const expected = createHmac("sha256", SECRET).update(`${ts}.`).update(got!.raw).digest("hex");
      expect(signature).toBe(`sha256=${expected}`);
      expect(verifyWebhookSignature(SECRET, ts, got!.raw, signature, 300, world.now)).toBe(true);
      const tampered = got!.raw.toString("utf8").replace('"severity":"alarm"', '"severity":"warning"');
      expect(tampered).not.toBe(got!.raw.toString("utf8"));
      expect(verifyWebhookSignature(SECRET, ts, tampered, signature, 300, world.now)).toBe(false);
      expect(verifyWebhookSignature("another-secret-0123456", ts, got!.raw, signature, 300, world.now)).toBe(
        false,
      );
      // A replay outside the tolerance.
      expect(verifyWebhookSignature(SECRET, ts, got!.raw, signature, 300, world.now + 301_000)).toBe(false);

      const body = bodyOf(got!.raw);
      expect(body.type).toBe("alarm.raised");
      expect(body.company).toBe("sc-north");
      expect(h["x-vetra-delivery"]).toBe(body.delivery);
      expect(body.alarms).toHaveLength(1);
      expect(body.alarms[0]).toMatchObject({
        id,
        assetName: "ВЭУ-1",
        severity: "alarm",
        state: "active",
        since: new Date(T0 - 5 * MINUTE).toISOString(),
        url: `${CONSOLE}/#/alarm/${encodeURIComponent(id)}`,
      });
      expect(body.events.map((e) => [e.alarm, e.kind])).toEqual([[id, "raised"]]);
      const d = only(await n.outbox.list({ company: "sc-north" }));
      expect(d).toMatchObject({
        id: body.delivery,
        status: "sent",
        attempts: 1,
        type: "alarm.raised",
        alarms: [id],
      });
    });
  });

  describe("e-mail", () => {
    it("speaks the company's language: a Russian subject for a ru company, English for an en company", async () => {
      world = await World.create(md);
      const n = await world.notifier({ smtp: smtp() } as Partial<NotificationsConfig>);
      await n.rules.replace("sc-north", [email("ops@north.test")], world.now);
      await n.rules.replace("sc-south", [email("ops@south.test")], world.now);
      const northId = await world.observe("N1", "bearing_outer_race", "alarm");
      await world.observe("S1", "imbalance", "warning");

      expect(await n.pump()).toMatchObject({ enqueued: 2, sent: 2, failed: 0 });
      const ru = inbox.received.find((m) => m.envelopeTo.includes("ops@north.test"))!;
      const en = inbox.received.find((m) => m.envelopeTo.includes("ops@south.test"))!;
      expect(ru.subject).toBe("[Vetra] Авария: ВЭУ-1, главный подшипник — подшипник: наружное кольцо");
      expect(en.subject).toBe("[Vetra] Warning: WTG-1, main bearing — imbalance");
      // Local times: the condition began at 08:55 UTC, 11:55 in Moscow, 08:55 in London.
      expect(ru.text).toContain("02.03.2026 11:55");
      expect(ru.text).toContain("Ветропарк Северный");
      expect(en.text).toContain("2026-03-02 08:55");
      expect(ru.html).toContain(`href="${CONSOLE}/#/alarm/${encodeURIComponent(northId)}"`);
      expect(ru.from?.text).toContain("alarms@vetra.test");
      const delivery = ru.headers.get("x-vetra-delivery");
      expect((await n.outbox.get(String(delivery)))?.status).toBe("sent");
    });

    it("a server refusing the recipient with 550 fails the delivery at once; 452 is retried", async () => {
      world = await World.create(md);
      const n = await world.notifier({ smtp: smtp() } as Partial<NotificationsConfig>);
      await n.rules.replace("sc-north", [email("nobody@north.test"), email("full@north.test")], world.now);
      await world.observe("N1", "imbalance", "alarm");

      expect(await n.pump()).toMatchObject({ enqueued: 2, sent: 0, failed: 1, retried: 1 });
      const [failed] = await n.outbox.list({ status: "failed" });
      expect(failed).toMatchObject({ target: "nobody@north.test", attempts: 1 });
      expect(failed!.lastError).toContain("550");
      const [pending] = await n.outbox.list({ status: "pending" });
      expect(pending).toMatchObject({ target: "full@north.test", attempts: 1 });
      expect(pending!.lastError).toContain("452");
      const refused = ["nobody@north.test", "full@north.test"];
      expect(inbox.received.filter((m) => m.envelopeTo.some((to) => refused.includes(to)))).toEqual([]);
    });
  });

  describe("rules", () => {
    it("severity filter: a rule from `alarm` ignores a warning and fires when it becomes an alarm", async () => {
      world = await World.create(md);
      const n = await world.notifier();
      await n.rules.replace(
        "sc-north",
        [
          webhook("/sev-alarm", { id: "alarms-only", minSeverity: "alarm" }),
          webhook("/sev-warning", { id: "all", minSeverity: "warning", events: ["raised"] }),
        ],
        world.now,
      );
      await world.observe("N1", "imbalance", "warning");
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 1 });
      expect(receiver.at("/sev-alarm")).toHaveLength(0);
      expect(bodyOf(receiver.at("/sev-warning")[0]!.raw).type).toBe("alarm.raised");

      world.now += MINUTE;
      await world.observe("N1", "imbalance", "alarm");
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 1 });
      const [up] = receiver.at("/sev-alarm");
      expect(bodyOf(up!.raw)).toMatchObject({ type: "alarm.severity", alarms: [{ severity: "alarm" }] });
      expect(receiver.at("/sev-warning")).toHaveLength(1);

      // Back to a warning: not for the alarms-only rule; but how the alarm it was told of goes on, is.
      world.now += MINUTE;
      const id = await world.observe("N1", "imbalance", "warning");
      await world.book.acknowledge(id, "north ops", null);
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 1 });
      expect(receiver.at("/sev-alarm").map((r) => bodyOf(r.raw).type)).toEqual([
        "alarm.severity",
        "alarm.acknowledged",
      ]);
    });

    it("only the alarm's company's rules fire; the other company gets nothing", async () => {
      world = await World.create(md);
      const n = await world.notifier({ smtp: smtp() } as Partial<NotificationsConfig>);
      await n.rules.replace("sc-north", [webhook("/iso-north"), email("iso@north.test")], world.now);
      await n.rules.replace("sc-south", [webhook("/iso-south"), email("iso@south.test")], world.now);
      await world.observe("N1", "looseness", "alarm");
      await world.observe("N2", "looseness", "warning");

      expect(await n.pump()).toMatchObject({ enqueued: 4, sent: 4 });
      expect(receiver.at("/iso-north")).toHaveLength(2);
      expect(receiver.at("/iso-south")).toHaveLength(0);
      expect(inbox.received.filter((m) => m.envelopeTo.includes("iso@north.test"))).toHaveLength(2);
      expect(inbox.received.filter((m) => m.envelopeTo.includes("iso@south.test"))).toHaveLength(0);
      expect(await n.outbox.list({ company: "sc-south" })).toEqual([]);

      await world.observe("S1", "looseness", "alarm");
      expect(await n.pump()).toMatchObject({ enqueued: 2, sent: 2 });
      expect(receiver.at("/iso-south")).toHaveLength(1);
      expect(receiver.at("/iso-north")).toHaveLength(2);
    });

    it("quiet hours hold events and release them as one digest when they end (company's local time)", async () => {
      world = await World.create(md);
      const n = await world.notifier();
      await n.rules.replace(
        "sc-north",
        [webhook("/quiet", { quietFrom: "22:00", quietTo: "07:00" })],
        world.now,
      );
      world.now = Date.parse("2026-03-02T19:30:00Z"); // 22:30 in Moscow
      const a = await world.observe("N1", "imbalance", "alarm");
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 0 });
      const held = only(await n.outbox.list({ status: "held" }));
      expect(held.nextAttemptAt).toBe("2026-03-03T04:00:00.000Z"); // 07:00 in Moscow

      world.now = Date.parse("2026-03-02T23:10:00Z");
      const b = await world.observe("N2", "misalignment", "warning");
      await world.book.acknowledge(a, "night shift", "seen, crew in the morning");
      expect(await n.pump()).toMatchObject({ enqueued: 0, sent: 0 });
      // A was not acknowledged within its hour: it escalated at 23:10 too.
      expect(only(await n.outbox.list({})).events).toBe(4);

      world.now = Date.parse("2026-03-03T03:59:59Z");
      expect(await n.pump()).toMatchObject({ sent: 0 });
      expect(receiver.at("/quiet")).toHaveLength(0);

      world.now = Date.parse("2026-03-03T04:00:00Z");
      expect(await n.pump()).toMatchObject({ sent: 1 });
      const [digest] = receiver.at("/quiet");
      const body = bodyOf(digest!.raw);
      expect(body.type).toBe("digest");
      expect(body.alarms.map((x) => x.id).sort()).toEqual([a, b].sort());
      expect(body.events.map((e) => [e.alarm, e.kind])).toEqual([
        [a, "raised"],
        [b, "raised"],
        [a, "escalated"],
        [a, "acknowledged"],
      ]);

      // After the quiet hours, events go at once again.
      world.now += 10 * MINUTE;
      await world.observe("N2", "gear_mesh", "alarm");
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 1 });
      expect(bodyOf(receiver.at("/quiet")[1]!.raw).type).toBe("alarm.raised");
    });

    it("a digest window merges N events into one delivery, due at the window's end", async () => {
      world = await World.create(md);
      const n = await world.notifier({ smtp: smtp() } as Partial<NotificationsConfig>);
      await n.rules.replace("sc-north", [email("digest@north.test", { digestMinutes: 15 })], world.now);
      const faults = ["imbalance", "misalignment", "looseness", "gear_mesh", "bearing_cage"];
      const ids: string[] = [];
      for (const [i, fault] of faults.entries()) {
        world.now = T0 + (1 + 2 * i) * MINUTE; // 12:01 … 12:09 in Moscow: one window 12:00–12:15
        ids.push(await world.observe(i % 2 ? "N2" : "N1", fault, i % 2 ? "warning" : "alarm"));
        expect(await n.pump()).toMatchObject({ sent: 0 });
      }
      const held = only(await n.outbox.list({}));
      expect(held).toMatchObject({ status: "held", type: "digest", events: faults.length });
      expect(held.nextAttemptAt).toBe(new Date(T0 + 15 * MINUTE).toISOString());

      world.now = T0 + 15 * MINUTE;
      expect(await n.pump()).toMatchObject({ sent: 1 });
      const mails = inbox.received.filter((m) => m.envelopeTo.includes("digest@north.test"));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe("[Vetra] Сводка: 5 тревог");
      for (const fault of ["дисбаланс", "расцентровка", "ослабление креплений", "зубчатое зацепление"])
        expect(mails[0]!.text).toContain(fault);
      expect(only(await n.outbox.list({})).alarms.sort()).toEqual(ids.sort());

      // The next event opens the next window.
      world.now = T0 + 16 * MINUTE;
      await world.observe("N1", "imbalance", "warning");
      expect(await n.pump()).toMatchObject({ enqueued: 1, sent: 0 });
      expect((await n.outbox.list({ status: "held" }))[0]!.nextAttemptAt).toBe(
        new Date(T0 + 30 * MINUTE).toISOString(),
      );
    });

    it("quiet hours follow the local clock across a daylight-saving change", async () => {
      const rule = { quiet: { from: 0, to: 7 * 60 }, digestMinutes: 0 };
      // London springs forward at 01:00 UTC on 29 March 2026: 07:00 local is then 06:00 UTC.
      expect(dueMs(Date.parse("2026-03-29T00:30:00Z"), "Europe/London", rule)).toBe(
        Date.parse("2026-03-29T06:00:00Z"),
      );
      expect(dueMs(Date.parse("2026-03-28T00:30:00Z"), "Europe/London", rule)).toBe(
        Date.parse("2026-03-28T07:00:00Z"),
      );
      expect(dueMs(Date.parse("2026-03-28T08:30:00Z"), "Europe/London", rule)).toBeNull();
    });
  });

  describe("delivery outcomes", () => {
    it("retries a 503 with growing delays and is sent on the third attempt; honours Retry-After", async () => {
      world = await World.create(md);
      const n = await world.notifier({ retryBaseMs: MINUTE });
      await n.rules.replace("sc-north", [webhook("/flaky"), webhook("/busy")], world.now);
      receiver.script("/flaky", [{ status: 503 }, { status: 503 }]);
      receiver.script("/busy", [{ status: 429, headers: { "retry-after": "600" } }]);
      await world.observe("N1", "imbalance", "alarm");

      expect(await n.pump()).toMatchObject({ enqueued: 2, sent: 0, retried: 2 });
      const flaky = async () => (await n.outbox.list({})).find((d) => d.target.endsWith("/flaky"))!;
      const busy = (await n.outbox.list({})).find((d) => d.target.endsWith("/busy"))!;
      expect(busy.nextAttemptAt).toBe(new Date(world.now + 600_000).toISOString());
      const delays: number[] = [];
      expect(await flaky()).toMatchObject({ status: "pending", attempts: 1 });
      expect((await flaky()).lastError).toContain("HTTP 503");
      delays.push(Date.parse((await flaky()).nextAttemptAt!) - world.now);

      expect(await n.pump()).toMatchObject({ sent: 0, retried: 0 }); // not due yet
      world.now = Date.parse((await flaky()).nextAttemptAt!);
      expect(await n.pump()).toMatchObject({ retried: 1 });
      expect(await flaky()).toMatchObject({ status: "pending", attempts: 2 });
      delays.push(Date.parse((await flaky()).nextAttemptAt!) - world.now);

      world.now = Date.parse((await flaky()).nextAttemptAt!);
      expect(await n.pump()).toMatchObject({ sent: 1 });
      expect(await flaky()).toMatchObject({ status: "sent", attempts: 3 });
      expect(delays[1]!).toBeGreaterThan(delays[0]!);
      expect(delays[0]!).toBeGreaterThan(0);
      const tries = receiver.at("/flaky").map((r) => bodyOf(r.raw).delivery);
      expect(tries).toHaveLength(3);
      expect(new Set(tries).size).toBe(1);
    });

    it("a 400 fails at once with its status line (never the receiver's body), and is not retried", async () => {
      world = await World.create(md);
      const n = await world.notifier({ maxAttempts: 5 });
      await n.rules.replace("sc-north", [webhook("/reject")], world.now);
      receiver.script("/reject", [{ status: 400, body: "unknown event type" }]);
      await world.observe("N1", "imbalance", "alarm");

      expect(await n.pump()).toMatchObject({ sent: 0, failed: 1, retried: 0 });
      const d = only(await n.outbox.list({}));
      expect(d).toMatchObject({ status: "failed", attempts: 1 });
      expect(d.lastError).toBe("HTTP 400 Bad Request");
      world.now += 24 * 3_600_000;
      expect(await n.pump()).toMatchObject({ sent: 0, failed: 0 });
      expect(receiver.at("/reject")).toHaveLength(1);
    });

    it("keeps a finished delivery keepDays for the record, then prunes it; pending ones stay", async () => {
      world = await World.create(md);
      const n = await world.notifier({ keepDays: 2 });
      await n.rules.replace("sc-north", [webhook("/kept")], world.now);
      await world.observe("N1", "imbalance", "alarm");
      expect(await n.pump()).toMatchObject({ sent: 1 });
      world.now += 2 * 24 * 3_600_000 - 60_000;
      await n.pump();
      expect((await n.outbox.list({})).map((d) => d.status)).toEqual(["sent"]);
      world.now += 2 * 3_600_000;
      receiver.script("/kept", [{ status: 503 }]);
      await world.observe("N1", "imbalance", "warning"); // a new event whose delivery is retried, not finished
      await n.pump();
      expect((await n.outbox.list({})).map((d) => d.status)).toEqual(["pending"]);
    });

    it("a timeout and a refused connection are retried, and fail after maxAttempts", async () => {
      world = await World.create(md);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const deadPort = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const n = await world.notifier({ webhookTimeoutMs: 300, maxAttempts: 2 });
      receiver.script("/slow", [
        { status: 200, hang: true },
        { status: 200, hang: true },
      ]);
      await n.rules.replace(
        "sc-north",
        [webhook("/slow"), { ...webhook("/x"), target: `http://127.0.0.1:${deadPort}/hook` }],
        world.now,
      );
      await world.observe("N1", "imbalance", "alarm");
      expect(await n.pump()).toMatchObject({ retried: 2 });
      const errors = (await n.outbox.list({})).map((d) => d.lastError ?? "");
      // A timeout and a refused port read alike: the log cannot be used to scan ports.
      expect(errors).toEqual([UNREACHABLE_MESSAGE, UNREACHABLE_MESSAGE]);
      world.now += 10 * MINUTE;
      expect(await n.pump()).toMatchObject({ failed: 2 });
      for (const d of await n.outbox.list({})) {
        expect(d).toMatchObject({ status: "failed", attempts: 2 });
        expect(d.lastError).toContain("gave up after 2 attempts");
      }
    });
  });

  describe("replicas and restarts", () => {
    it("two notifiers on one database never send a delivery twice", async () => {
      world = await World.create(md);
      const a = await world.notifier({ concurrency: 4 });
      const b = await world.notifier({ concurrency: 4 }, await world.open());
      await a.rules.replace("sc-north", [webhook("/replicas")], world.now);
      receiver.script(
        "/replicas",
        Array.from({ length: 30 }, () => ({ status: 200, delayMs: 20 })),
      );
      const faults = ["imbalance", "misalignment", "looseness", "gear_mesh", "bearing_cage"];
      const points = ["main_bearing", "gearbox_hss", "generator_de"];
      for (const asset of ["N1", "N2"])
        for (const point of points)
          for (const fault of faults) await world.observe(asset, fault, "alarm", point);

      const [ra, rb] = await Promise.all([a.pump(), b.pump()]);
      const got = receiver.at("/replicas").map((r) => bodyOf(r.raw).delivery);
      expect(got).toHaveLength(30);
      expect(new Set(got).size).toBe(30);
      expect(ra!.enqueued + rb!.enqueued).toBe(30);
      expect(ra!.sent + rb!.sent).toBe(30);
      expect(ra!.sent).toBeGreaterThan(0);
      expect(rb!.sent).toBeGreaterThan(0);
      expect(await a.outbox.counts()).toMatchObject({ sent: 30, pending: 0, sending: 0 });

      // A replica that claimed a delivery and died: after its lease expires another one sends it.
      world.now += MINUTE;
      await world.observe("N1", "overall_vibration", "alarm");
      await a.fanOut();
      const [claimed] = await a.outbox.claim(world.now, 1, world.now + MINUTE, []);
      expect(claimed).toBeDefined();
      expect(await b.pump()).toMatchObject({ sent: 0 });
      world.now += 2 * MINUTE;
      expect(await b.pump()).toMatchObject({ sent: 1 });
      expect(await b.outbox.get(claimed!.id)).toMatchObject({ status: "sent", attempts: 2 });
    });

    it("stop() waits for the sends in flight and hands back the claimed ones it did not start", async () => {
      world = await World.create(md);
      const n = await world.notifier({ concurrency: 2 });
      await n.rules.replace("sc-north", [webhook("/stopping")], world.now);
      receiver.script(
        "/stopping",
        Array.from({ length: 5 }, () => ({ status: 200, delayMs: 150 })),
      );
      for (const fault of ["imbalance", "misalignment", "looseness", "gear_mesh", "bearing_cage"])
        await world.observe("N1", fault, "alarm");
      const pumped = n.pump();
      // Stopped while the first two sends are in flight (the receiver has them, its answers wait 150 ms).
      while (receiver.at("/stopping").length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await n.stop();
      expect(await pumped).toMatchObject({ enqueued: 5, sent: 2, failed: 0, retried: 0 });
      expect(await n.outbox.counts()).toMatchObject({ sent: 2, pending: 3, sending: 0 });
      for (const d of await n.outbox.list({ status: "pending" })) expect(d.attempts).toBe(0);
      expect(receiver.at("/stopping")).toHaveLength(2);
      // The next replica to pump sends the rest.
      expect(await (await world.notifier({}, await world.open())).pump()).toMatchObject({ sent: 3 });
    });

    it("a delivery whose rule was removed before sending fails with that reason", async () => {
      world = await World.create(md);
      const n = await world.notifier();
      await n.rules.replace("sc-north", [webhook("/removed", { id: "old" })], world.now);
      await world.observe("N1", "imbalance", "alarm");
      await n.fanOut();
      await n.rules.replace("sc-north", [], world.now);
      expect(await n.pump()).toMatchObject({ failed: 1 });
      expect(only(await n.outbox.list({})).lastError).toContain("rule was removed");
      expect(receiver.at("/removed")).toHaveLength(0);
    });

    it("a restart keeps the cursor: nothing is sent twice, nothing is lost", async () => {
      world = await World.create(md);
      const first = await world.notifier();
      await first.rules.replace("sc-north", [webhook("/restart")], world.now);
      for (const fault of ["imbalance", "misalignment", "looseness"])
        await world.observe("N1", fault, "alarm");
      expect(await first.pump()).toMatchObject({ enqueued: 3, sent: 3 });
      await first.stop();

      // While no notifier runs, alarms go on.
      world.now += MINUTE;
      await world.observe("N2", "imbalance", "alarm");
      await world.observe("N2", "gear_mesh", "warning");

      const second = await world.notifier({}, await world.open());
      expect(await second.pump()).toMatchObject({ enqueued: 2, sent: 2 });
      expect(await second.pump()).toMatchObject({ enqueued: 0, sent: 0 });
      const events = receiver.at("/restart").flatMap((r) => bodyOf(r.raw).events.map((e) => e.id));
      const all = (await world.book.events({ limit: 100 })).map((e) => e.id);
      expect(events.sort((x, y) => x - y)).toEqual(all);
      expect(await second.outbox.cursor()).toBe(Math.max(...all));
    });
  });
});

describe("configuration", () => {
  it("fills defaults and refuses an unknown key with a message naming it", async () => {
    const defaults = parseCentralConfig({}).notifications;
    expect(defaults).toMatchObject({
      webhookTimeoutMs: 10_000,
      maxAttempts: 8,
      pumpEveryMs: 1000,
      concurrency: 16,
    });
    expect(defaults.smtp).toBeUndefined();
    const withSmtp = parseCentralConfig({ notifications: { smtp: { host: "mail", from: "a@b.org" } } });
    expect(withSmtp.notifications.smtp).toMatchObject({ port: 587, secure: false });

    const bad = checkCentralConfig({ notifications: { smtp: { host: "mail", from: "a@b.org", tls: true } } });
    expect(bad).toEqual({ ok: false, error: "notifications.smtp.tls: unknown key" });
    const top = checkCentralConfig({ notifications: { retries: 3 } });
    expect(top).toEqual({ ok: false, error: "notifications.retries: unknown key" });
    const negative = checkCentralConfig({ notifications: { retryBaseMs: -1 } });
    expect(negative.ok).toBe(false);
    expect(!negative.ok && negative.error).toMatch(/^notifications\.retryBaseMs: /);
  });
});
