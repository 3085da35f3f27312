// The notifier's test world: a metadata database with a small fleet (two
// companies, three turbines), an alarm book on it, notifiers on a clock the
// test moves, loopback webhook and SMTP receivers, and rule builders.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from "vitest";
import { parseCentralConfig } from "../../central/config.ts";
import { SecretBox } from "../../central/lib/secret-box.ts";
import { AlarmBook, type Condition } from "../../central/maintenance/alarm-book.ts";
import type { NotificationsConfig } from "../../central/maintenance/notify/config.ts";
import { Notifier } from "../../central/maintenance/notify/notifier.ts";
import type { Delivery } from "../../central/maintenance/notify/outbox.ts";
import type { RuleInput } from "../../central/maintenance/notify/rules.ts";
import type { MetaStore } from "../../central/meta/meta.ts";
import { type FreshMetadata, freshMetadata, metadataKinds } from "./metadata.ts";
import {
  type SmtpInbox,
  startSmtpInbox,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./notify-receivers.ts";

export const FLEET = {
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
export const SITE_OF: Record<string, string> = { N1: "wf1", N2: "wf1", S1: "wf2" };
export const COMPANY_OF: Record<string, string> = { N1: "sc-north", N2: "sc-north", S1: "sc-south" };

export const SECRET = "north-webhook-secret-0123";
export const CONSOLE = "https://vetra.example.org";
/** Monday 2 March 2026, 12:00 in Moscow (UTC+3), 09:00 in London (UTC+0 until 29 March). */
export const T0 = Date.parse("2026-03-02T09:00:00Z");
export const MINUTE = 60_000;

export let receiver: WebhookReceiver;
export let inbox: SmtpInbox;

/** Receivers of each engine's run: what one run received is not the other's. */
export async function startReceivers(): Promise<void> {
  receiver = await startWebhookReceiver();
  inbox = await startSmtpInbox((address) =>
    address.startsWith("nobody@") ? 550 : address.startsWith("full@") ? 452 : null,
  );
}

export async function stopReceivers(): Promise<void> {
  await receiver.close();
  await inbox.close();
}

/** A metadata database with the fleet, an alarm book on it, and a clock the test moves. */
export class World {
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

export const webhook = (path: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  channel: "webhook",
  target: receiver.url(path),
  secret: SECRET,
  events: ["raised", "severity", "acknowledged", "cleared", "escalated"],
  ...extra,
});
export const email = (address: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  channel: "email",
  target: address,
  events: ["raised", "severity", "acknowledged", "cleared"],
  ...extra,
});
export const smtp = () => ({ host: "127.0.0.1", port: inbox.port, from: "Vetra <alarms@vetra.test>" });
export const bodyOf = (raw: Buffer) =>
  JSON.parse(raw.toString("utf8")) as {
    type: string;
    delivery: string;
    company: string;
    alarms: { id: string; assetName: string; severity: string; state: string; since: string; url: string }[];
    events: { id: number; alarm: string; kind: string }[];
  };
export const only = (deliveries: Delivery[]): Delivery => {
  expect(deliveries).toHaveLength(1);
  return deliveries[0]!;
};

/** The world of the running test: made fresh before each test of `describeNotifierOnEachEngine`. */
export let world: World;

/**
 * The notifier's suites, once per metadata engine: each run gets its own
 * receivers (what one engine's run received is not the other's), and each
 * test a fresh world (`world`) on that engine, closed after it.
 */
export function describeNotifierOnEachEngine(body: () => void): void {
  describe.each(metadataKinds())("notifier (%s)", (kind) => {
    const md = freshMetadata(kind);
    beforeEach(async () => {
      world = await World.create(md);
    });
    afterEach(async () => world?.close());
    beforeAll(startReceivers);
    afterAll(stopReceivers);
    body();
  });
}
