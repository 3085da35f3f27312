// Per-company notification rules: where a company wants to hear about its
// alarms (a webhook URL or an e-mail address), from which severity, for
// which kinds of alarm event, with optional quiet hours (local time of the
// company) and digest windows. A company's list is replaced as a whole.
//
// A webhook's secret is write-only: it signs the requests and is never
// shown again; a rule sent back with its id and without `secret` keeps it.
// It is stored sealed (`secret_sealed`, AES-256-GCM with a key kept outside
// the database, ../../lib/secret-box.ts), so the database alone does not
// reveal it; rules written before sealing are sealed at start. Every replica
// must seal with the same key: the first start seals a check value with its
// key, and a replica whose key does not open it refuses to start.
import { randomUUID } from "node:crypto";
import type { Severity } from "../../../common/names.ts";
import type { MetaDb } from "../../db/types.ts";
import { type SecretBox, SecretBoxError } from "../../lib/secret-box.ts";
import { type ReceiverPolicy, receiverPolicy, receiverUrlProblem, redactUrl } from "./receivers.ts";

/** Alarm events a rule may ask for (comments are for the console only). */
export const NotifyEventKinds = [
  "raised",
  "severity",
  "escalated",
  "acknowledged",
  "assigned",
  "cleared",
  "reactivated",
] as const;
export type NotifyEventKind = (typeof NotifyEventKinds)[number];

export const Channels = ["webhook", "email"] as const;
export type Channel = (typeof Channels)[number];

export const MAX_RULES_PER_COMPANY = 50;
export const MIN_SECRET_LENGTH = 16;

export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, alarm: 2 };

/** A rule as the API shows it. */
export interface NotificationRule {
  id: string;
  channel: Channel;
  /** http(s) URL or e-mail address. */
  target: string;
  hasSecret: boolean;
  minSeverity: Severity;
  events: NotifyEventKind[];
  /** 'HH:MM' local time of the company; both set or both null. */
  quietFrom: string | null;
  quietTo: string | null;
  /** 0: each event at once; else events are collected and sent as one digest per window. */
  digestMinutes: number;
  enabled: boolean;
}

/** A rule as a client sends it. */
export interface RuleInput {
  id?: string;
  channel: Channel;
  target: string;
  /** New secret; absent: keep the rule's current one; null: remove it. */
  secret?: string | null;
  minSeverity?: Severity;
  events: NotifyEventKind[];
  quietFrom?: string | null;
  quietTo?: string | null;
  digestMinutes?: number;
  enabled?: boolean;
}

/** What the notifier needs of an enabled rule. */
export interface ActiveRule {
  company: string;
  id: string;
  channel: Channel;
  target: string;
  minRank: number;
  events: ReadonlySet<string>;
  quiet: { from: number; to: number } | null;
  digestMinutes: number;
}

interface RuleRow {
  company: string;
  id: string;
  channel: Channel;
  target: string;
  secret_sealed: Uint8Array | null;
  min_severity: Severity;
  events: string;
  quiet_from: string | null;
  quiet_to: string | null;
  digest_minutes: number;
  enabled: number;
}

const ruleOf = (r: RuleRow): NotificationRule => ({
  id: r.id,
  channel: r.channel,
  // A rule saved before credentials in URLs were refused still never shows them.
  target: r.channel === "webhook" ? redactUrl(r.target) : r.target,
  hasSecret: r.secret_sealed !== null,
  minSeverity: r.min_severity,
  events: JSON.parse(r.events) as NotifyEventKind[],
  quietFrom: r.quiet_from,
  quietTo: r.quiet_to,
  digestMinutes: r.digest_minutes,
  enabled: r.enabled === 1,
});

/** 'HH:MM' → minutes after midnight. */
export const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
// Deliberately loose (RFC 5321 allows far more), but no spaces, brackets or separators of address lists.
const EMAIL = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+\.[^\s@<>()[\]",;:\\]+$/;

/** The first problem of a rule list, naming its key (`rules[1].target: …`), or null. */
export function checkRules(
  rules: readonly RuleInput[],
  keptSecretIds: ReadonlySet<string>,
  receivers: ReceiverPolicy = receiverPolicy(),
): string | null {
  if (rules.length > MAX_RULES_PER_COMPANY)
    return `rules: at most ${MAX_RULES_PER_COMPANY} rules per company`;
  const ids = new Set<string>();
  for (const [i, r] of rules.entries()) {
    const at = `rules[${i}]`;
    if (r.id !== undefined) {
      if (ids.has(r.id)) return `${at}.id: duplicate id "${r.id}"`;
      ids.add(r.id);
    }
    if (r.channel === "webhook") {
      let url: URL | null = null;
      try {
        url = new URL(r.target);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
        return `${at}.target: must be an http:// or https:// URL`;
      const refused = receiverUrlProblem(receivers, url);
      if (refused) return `${at}.target: ${refused}`;
      const keeps = r.secret === undefined && r.id !== undefined && keptSecretIds.has(r.id);
      if (!keeps && (r.secret === undefined || r.secret === null))
        return `${at}.secret: required for a webhook (it signs the requests)`;
      if (typeof r.secret === "string" && r.secret.length < MIN_SECRET_LENGTH)
        return `${at}.secret: at least ${MIN_SECRET_LENGTH} characters`;
    } else {
      if (r.target.length > 254 || !EMAIL.test(r.target)) return `${at}.target: not an e-mail address`;
      if (typeof r.secret === "string") return `${at}.secret: only webhooks are signed`;
    }
    if (new Set(r.events).size !== r.events.length) return `${at}.events: listed twice`;
    const from = r.quietFrom ?? null;
    const to = r.quietTo ?? null;
    if ((from === null) !== (to === null))
      return `${at}.${from === null ? "quietFrom" : "quietTo"}: required`;
    if (from !== null && to !== null) {
      if (!HHMM.test(from)) return `${at}.quietFrom: expected HH:MM`;
      if (!HHMM.test(to)) return `${at}.quietTo: expected HH:MM`;
      if (from === to) return `${at}.quietTo: must differ from quietFrom`;
    }
  }
  return null;
}

/** A rule list that does not validate; the message names the key. */
export class RuleError extends Error {
  override readonly name = "RuleError";
}

/** What a sealed secret is bound to: it opens only in its own rule's row. */
export const sealContext = (company: string, id: string): string =>
  `notification_rule\u0000${company}\u0000${id}`;

/** What the key check seals (any fixed text: only whether it opens matters). */
const KEY_CHECK_TEXT = "vetra secrets key check";
const KEY_CHECK_CONTEXT = "secrets_key_check";
const RULE_COLUMNS =
  "company, id, channel, target, secret_sealed, min_severity, events, quiet_from, quiet_to, digest_minutes, enabled";

export class NotificationRules {
  constructor(
    private readonly db: MetaDb,
    private readonly secrets: SecretBox,
    private readonly receivers: ReceiverPolicy = receiverPolicy(),
  ) {}

  /**
   * Before the first use: seals what an older version stored in plain text
   * (SQLite), and refuses a key that does not open the stored secrets.
   */
  async open(): Promise<this> {
    if (this.db.dialect === "sqlite") await this.sealPlaintextSecrets();
    await this.checkKey();
    return this;
  }

  /**
   * Seals the secrets older versions stored in plain text, and wipes the
   * plain text from the file: secure_delete overwrites the freed bytes, and
   * a checkpoint moves the pages out of the write-ahead log.
   */
  private async sealPlaintextSecrets(): Promise<void> {
    const find = "SELECT company, id, secret FROM notification_rule WHERE secret IS NOT NULL";
    if ((await this.db.get(find)) === undefined) return;
    const wasSecure = (await this.db.get<{ secure_delete: number }>("PRAGMA secure_delete"))?.secure_delete;
    await this.db.run("PRAGMA secure_delete = ON");
    try {
      await this.db.transaction(async (tx) => {
        // Read again inside the write transaction: a replica starting at the same moment may have sealed them.
        for (const r of await tx.all<{ company: string; id: string; secret: string }>(find))
          await tx.run(
            "UPDATE notification_rule SET secret_sealed = ?, secret = NULL WHERE company = ? AND id = ?",
            [this.secrets.seal(r.secret, sealContext(r.company, r.id)), r.company, r.id],
          );
      });
      await this.db.all("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      await this.db.run(`PRAGMA secure_delete = ${wasSecure ? "ON" : "OFF"}`);
    }
  }

  /**
   * A key that does not open the stored secrets (another key file than the
   * one they were sealed with, or another replica's) stops the start.
   */
  private async checkKey(): Promise<void> {
    const refuse = (what: string) =>
      new SecretBoxError(
        `the secrets key does not open the stored webhook secrets (${what}): start with the key file they were sealed with (secretsKeyFile, default <dataDir>/secrets.key), the same on every replica`,
      );
    const one = await this.db.get<{ company: string; id: string; secret_sealed: Uint8Array }>(
      "SELECT company, id, secret_sealed FROM notification_rule WHERE secret_sealed IS NOT NULL LIMIT 1",
    );
    if (one) {
      try {
        this.secrets.open(one.secret_sealed, sealContext(one.company, one.id));
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        throw refuse(`rule ${one.company}/${one.id}`);
      }
    }
    // One node (SQLite) with nothing sealed yet: a new key is as good as the old one.
    if (!one && this.db.dialect === "sqlite") await this.db.run("DELETE FROM secrets_key_check");
    // The first replica to start leaves its check value; every later one must open it.
    await this.db.run("INSERT INTO secrets_key_check (id, sealed) VALUES (1, ?) ON CONFLICT DO NOTHING", [
      this.secrets.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT),
    ]);
    const check = await this.db.get<{ sealed: Uint8Array }>(
      "SELECT sealed FROM secrets_key_check WHERE id = 1",
    );
    let opened: string | null = null;
    try {
      opened = check ? this.secrets.open(check.sealed, KEY_CHECK_CONTEXT) : null;
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
    }
    if (opened !== KEY_CHECK_TEXT) throw refuse("the check value sealed at the first start");
  }

  async list(company: string): Promise<NotificationRule[]> {
    return (
      await this.db.all<RuleRow>(
        `SELECT ${RULE_COLUMNS} FROM notification_rule WHERE company = ? ORDER BY position`,
        [company],
      )
    ).map(ruleOf);
  }

  /** Replaces the company's rules; RuleError when the list does not validate (nothing changes then). */
  async replace(company: string, rules: readonly RuleInput[], nowMs: number): Promise<NotificationRule[]> {
    await this.db.transaction(async (tx) => {
      // Two replicas replacing one company's rules at once: one after the other.
      await tx.lock(`vetra.notification-rules\n${company}`);
      const current = new Map(
        (
          await tx.all<{ id: string; secret_sealed: Uint8Array | null }>(
            "SELECT id, secret_sealed FROM notification_rule WHERE company = ?",
            [company],
          )
        ).map((r) => [r.id, r.secret_sealed]),
      );
      const withSecret = new Set([...current].filter(([, s]) => s !== null).map(([id]) => id));
      const error = checkRules(rules, withSecret, this.receivers);
      if (error) throw new RuleError(error);
      await tx.run("DELETE FROM notification_rule WHERE company = ?", [company]);
      for (const [i, r] of rules.entries()) {
        const id = r.id ?? randomUUID();
        // A kept secret stays sealed as it is (same company and id: the same context).
        const secret =
          r.channel !== "webhook" || r.secret === null
            ? null
            : r.secret === undefined
              ? (current.get(id) ?? null)
              : this.secrets.seal(r.secret, sealContext(company, id));
        await tx.run(
          `INSERT INTO notification_rule (company, id, position, channel, target, secret_sealed, min_severity, events,
             quiet_from, quiet_to, digest_minutes, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            company,
            id,
            i,
            r.channel,
            r.target,
            secret,
            r.minSeverity ?? "warning",
            JSON.stringify(r.events),
            r.quietFrom ?? null,
            r.quietTo ?? null,
            r.digestMinutes ?? 0,
            r.enabled === false ? 0 : 1,
            nowMs,
          ],
        );
      }
    });
    return this.list(company);
  }

  /** Enabled rules by company. */
  async active(): Promise<Map<string, ActiveRule[]>> {
    const rows = await this.db.all<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM notification_rule WHERE enabled = 1 ORDER BY company, position`,
    );
    const out = new Map<string, ActiveRule[]>();
    for (const r of rows) {
      const list = out.get(r.company) ?? [];
      list.push({
        company: r.company,
        id: r.id,
        channel: r.channel,
        target: r.target,
        minRank: SEVERITY_RANK[r.min_severity],
        events: new Set(JSON.parse(r.events) as string[]),
        quiet:
          r.quiet_from && r.quiet_to
            ? { from: minuteOfDay(r.quiet_from), to: minuteOfDay(r.quiet_to) }
            : null,
        digestMinutes: r.digest_minutes,
      });
      out.set(r.company, list);
    }
    return out;
  }

  /** A rule's webhook secret (null: none); null for a rule that is gone (its deliveries are not sent). */
  async lookup(company: string, id: string): Promise<{ secret: string | null } | null> {
    const row = await this.db.get<{ secret_sealed: Uint8Array | null }>(
      "SELECT secret_sealed FROM notification_rule WHERE company = ? AND id = ?",
      [company, id],
    );
    if (!row) return null;
    return {
      secret:
        row.secret_sealed === null ? null : this.secrets.open(row.secret_sealed, sealContext(company, id)),
    };
  }
}
