// What a delivery says: the webhook's JSON body, and the e-mail's subject,
// plain text and HTML in the company's language with local times in its
// timezone. Names of measuring points and faults: ../names.ts.
import type { Severity } from "../../../common/names.ts";
import { both, byLanguage, type Phrase } from "../../lib/catalogue.ts";
import { formatDateTime, type Lang, zoneLabel } from "../../lib/format.ts";
import { enPlural, ruPlural } from "../../lib/plural.ts";
import type { AlarmEvent, AlarmEventKind, AlarmRecord, AlarmState } from "../alarm-book.ts";
import { faultName, pointName } from "../names.ts";
import { safeZone } from "./schedule.ts";

/** `alarm.raised`, `alarm.cleared`, … for one event; `digest` for events collected over a window or quiet hours. */
export type DeliveryType = `alarm.${AlarmEventKind}` | "digest";

export interface MessageCompany {
  id: string;
  name: string;
  lang: Lang;
  timezone: string;
}

export interface MessageAlarm {
  record: AlarmRecord;
  assetName: string;
  siteName: string | null;
}

export interface MessageInput {
  delivery: string;
  type: DeliveryType;
  company: MessageCompany;
  alarms: readonly MessageAlarm[];
  events: readonly AlarmEvent[];
  /** Base URL of the console; links are left out without it. */
  consoleUrl?: string | undefined;
}

/** The console's page of an alarm. */
export const alarmUrl = (consoleUrl: string | undefined, id: string): string | null =>
  consoleUrl ? `${consoleUrl.replace(/\/+$/, "")}/#/alarm/${encodeURIComponent(id)}` : null;

const capitalise = (text: string, lang: Lang): string =>
  text.charAt(0).toLocaleUpperCase(lang) + text.slice(1);

/** The words of a delivery, Russian and English side by side. */
const WORDS = {
  severity: {
    alarm: both("Авария", "Alarm"),
    warning: both("Предупреждение", "Warning"),
  },
  state: {
    active: both("активна", "active"),
    acknowledged: both("квитирована", "acknowledged"),
    cleared: both("снята", "cleared"),
  },
  kind: {
    raised: both("возникла", "raised"),
    severity: both("изменилась важность", "severity changed"),
    escalated: both("не квитирована в срок", "not acknowledged in time"),
    acknowledged: both("квитирована", "acknowledged"),
    assigned: both("назначена", "assigned"),
    cleared: both("снята", "cleared"),
    reactivated: both("снова активна", "reactivated"),
    comment: both("комментарий", "comment"),
  },
  labels: {
    asset: both("Объект", "Asset"),
    site: both("Площадка", "Site"),
    point: both("Точка измерения", "Measuring point"),
    fault: both("Неисправность", "Fault"),
    severity: both("Важность", "Severity"),
    state: both("Состояние", "State"),
    since: both("Началась", "Since"),
    assignee: both("Исполнитель", "Assignee"),
    events: both("События", "Events"),
    alarms: both("Тревоги", "Alarms"),
    open: both("Открыть в консоли", "Open in the console"),
  },
  digest: both(
    (n: number) => `Сводка: ${n} ${ruPlural(n, "тревога", "тревоги", "тревог")}`,
    (n) => `Digest: ${n} ${enPlural(n, "alarm", "alarms")}`,
  ),
  footer: both(
    (company: string) =>
      `Отправлено системой мониторинга Vetra по правилу уведомлений компании «${company}».`,
    (company) => `Sent by the Vetra monitoring system under a notification rule of ${company}.`,
  ),
} satisfies {
  severity: Record<Severity, Phrase<string>>;
  state: Record<AlarmState, Phrase<string>>;
  /** An event in a list: "12.05.2026 14:05 — acknowledged (ops)". */
  kind: Record<AlarmEventKind, Phrase<string>>;
  labels: Record<string, Phrase<string>>;
  digest: Phrase<(alarms: number) => string>;
  footer: Phrase<(company: string) => string>;
};

/** The words of a delivery in one language, with its sentences. */
const TEXT = byLanguage(WORDS);

/** Lower-cases a name's first letter inside a sentence ("Главный подшипник" → "главный подшипник"), not an acronym's. */
const inSentence = (name: string): string =>
  /^\p{Lu}\p{Ll}/u.test(name) ? name.charAt(0).toLocaleLowerCase() + name.slice(1) : name;

/** "Turbine 2, main bearing — bearing outer race". */
const alarmTitle = (a: MessageAlarm, lang: Lang): string =>
  `${a.assetName}, ${inSentence(pointName(a.record.point, lang))} — ${faultName(a.record.fault, lang)}`;

/** The webhook's JSON body (the exact bytes that are signed). */
export function webhookBody(m: MessageInput): string {
  const lang = m.company.lang;
  return JSON.stringify({
    type: m.type,
    delivery: m.delivery,
    company: m.company.id,
    alarms: m.alarms.map((a) => ({
      ...a.record,
      assetName: a.assetName,
      siteName: a.siteName,
      pointName: pointName(a.record.point, lang),
      faultName: faultName(a.record.fault, lang),
      url: alarmUrl(m.consoleUrl, a.record.id),
    })),
    events: m.events,
  });
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** The e-mail of a delivery, in the company's language and timezone. */
export function emailContent(m: MessageInput): EmailContent {
  const lang = m.company.lang;
  const t = TEXT[lang];
  const zone = safeZone(m.company.timezone);
  const time = (iso: string) => formatDateTime(Date.parse(iso), lang, zone);
  const byId = new Map(m.alarms.map((a) => [a.record.id, a]));
  const first = m.alarms[0];
  const single = m.type !== "digest" && first !== undefined;

  let head: string;
  if (single) {
    const kind = m.type.slice("alarm.".length) as AlarmEventKind;
    // The subject's head: the severity for `raised`, else the event as listed, capitalised.
    const what = kind === "raised" ? t.severity[first.record.severity] : capitalise(t.kind[kind], lang);
    head = `${what}: ${alarmTitle(first, lang)}`;
  } else head = t.digest(m.alarms.length);
  const subject = `[Vetra] ${head}`;

  const eventLine = (e: AlarmEvent): string => {
    const a = byId.get(e.alarm);
    const what = single || !a ? "" : `${alarmTitle(a, lang)}: `;
    const change =
      e.kind === "severity" && e.to
        ? ` → ${t.severity[e.to as Severity]?.toLocaleLowerCase() ?? e.to}`
        : e.kind === "assigned"
          ? ` → ${e.to ?? "—"}`
          : "";
    const comment = e.comment ? ` «${e.comment}»` : "";
    return `${time(e.at)} — ${what}${t.kind[e.kind]}${change} (${e.actor})${comment}`;
  };
  const details = (a: MessageAlarm): [string, string][] => [
    [t.labels.asset, `${a.assetName} (${a.record.asset})`],
    ...(a.siteName ? [[t.labels.site, a.siteName] as [string, string]] : []),
    [t.labels.point, pointName(a.record.point, lang)],
    [t.labels.fault, faultName(a.record.fault, lang)],
    [t.labels.severity, t.severity[a.record.severity]],
    [t.labels.state, t.state[a.record.state]],
    [t.labels.since, `${time(a.record.since)} (${zoneLabel(zone)})`],
    [t.labels.assignee, a.record.assignee ?? "—"],
  ];
  const link = (a: MessageAlarm) => alarmUrl(m.consoleUrl, a.record.id);

  const text: string[] = [head, ""];
  const html: string[] = [
    `<!doctype html><html lang="${lang}"><body style="font-family:sans-serif;color:#222">`,
    `<h2 style="margin:0 0 12px">${escapeHtml(head)}</h2>`,
  ];
  if (single) {
    for (const [k, v] of details(first)) text.push(`${k}: ${v}`);
    html.push(
      `<table cellpadding="4" style="border-collapse:collapse">${details(first)
        .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
        .join("")}</table>`,
    );
    const url = link(first);
    if (url) {
      text.push(`${t.labels.open}: ${url}`);
      html.push(`<p><a href="${escapeHtml(url)}">${escapeHtml(t.labels.open)}</a></p>`);
    }
  } else {
    text.push(`${t.labels.alarms}:`);
    html.push(`<h3>${escapeHtml(t.labels.alarms)}</h3><ul>`);
    for (const a of m.alarms) {
      const line = `${t.severity[a.record.severity]} — ${alarmTitle(a, lang)}; ${t.state[a.record.state]}; ${t.labels.since.toLocaleLowerCase()} ${time(a.record.since)}`;
      const url = link(a);
      text.push(`  • ${line}${url ? ` ${url}` : ""}`);
      html.push(
        `<li>${url ? `<a href="${escapeHtml(url)}">${escapeHtml(line)}</a>` : escapeHtml(line)}</li>`,
      );
    }
    html.push("</ul>");
  }
  text.push("", `${t.labels.events} (${zoneLabel(zone)}):`, ...m.events.map((e) => `  ${eventLine(e)}`));
  html.push(
    `<h3>${escapeHtml(t.labels.events)} (${escapeHtml(zoneLabel(zone))})</h3><ul>`,
    ...m.events.map((e) => `<li>${escapeHtml(eventLine(e))}</li>`),
    "</ul>",
  );
  const footer = t.footer(m.company.name);
  text.push("", "--", footer);
  html.push(`<p style="color:#777;font-size:12px">${escapeHtml(footer)}</p></body></html>`);
  return { subject, text: `${text.join("\n")}\n`, html: html.join("\n") };
}
