// The notifier's replicas and restarts (two notifiers on one database, a
// restart mid-delivery) against real parts, as in notifier.test.ts, and its
// configuration's defaults and refusals.
import { describe, expect, it } from "vitest";
import {
  bodyOf,
  describeNotifierOnEachEngine,
  MINUTE,
  only,
  receiver,
  webhook,
  world,
} from "../../../test/helpers/notifier-world.ts";
import { checkCentralConfig, parseCentralConfig } from "../../config.ts";

describeNotifierOnEachEngine(() => {
  describe("replicas and restarts", () => {
    it("two notifiers on one database never send a delivery twice", async () => {
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
