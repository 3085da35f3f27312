// The notifier against real parts: a metadata database (SQLite file in a temp
// dir, and PostgreSQL where installed), alarms raised
// through the alarm book, a node:http webhook receiver and an smtp-server
// inbox on loopback, and a controllable clock for quiet hours, digests and
// back-off.
import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import {
  bodyOf,
  CONSOLE,
  describeNotifierOnEachEngine,
  email,
  inbox,
  MINUTE,
  only,
  receiver,
  SECRET,
  smtp,
  T0,
  webhook,
  world,
} from "../../../test/helpers/notifier-world.ts";
import type { NotificationsConfig } from "./config.ts";
import { dueMs } from "./schedule.ts";
import { verifyWebhookSignature } from "./signature.ts";
import { UNREACHABLE_MESSAGE } from "./webhook.ts";

describeNotifierOnEachEngine(() => {
  describe("webhook", () => {
    it("POSTs the alarm as signed JSON; the signature checks with node:crypto and verifyWebhookSignature, a tampered body fails", async () => {
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
});
