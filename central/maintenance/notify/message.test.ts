// The e-mail subject of one event names the event in the company's language:
// the severity for a raised alarm, the event itself for the others.
import { describe, expect, it } from "vitest";
import type { AlarmEventKind, AlarmRecord } from "../alarm-records.ts";
import { emailContent, type MessageInput } from "./message.ts";

const record: AlarmRecord = {
  id: "a1",
  asset: "wtg-1",
  point: "main_bearing",
  fault: "imbalance",
  severity: "warning",
  state: "acknowledged",
  since: "2026-05-12T10:00:00Z",
  key: "wtg-1/main_bearing/imbalance",
  occurrence: 1,
  site: "wf1",
  company: "svc",
  maxSeverity: "warning",
  raisedAt: "2026-05-12T10:00:00Z",
  clearedAt: null,
  isoZone: null,
  acknowledgedBy: "ops",
  acknowledgedAt: "2026-05-12T10:05:00Z",
  ackComment: null,
  assignee: null,
  assignedAt: null,
  responseDueAt: null,
  escalatedAt: null,
};

const subjectOf = (kind: AlarmEventKind, lang: "ru" | "en"): string => {
  const m: MessageInput = {
    delivery: "d1",
    type: `alarm.${kind}`,
    company: { id: "svc", name: "Service", lang, timezone: "Europe/Moscow" },
    alarms: [{ record, assetName: "WTG-1", siteName: null }],
    events: [
      {
        id: 1,
        alarm: "a1",
        asset: "wtg-1",
        company: "svc",
        at: "2026-05-12T10:05:00Z",
        kind,
        actor: "ops",
        from: null,
        to: null,
        comment: null,
      },
    ],
  };
  return emailContent(m).subject;
};

describe("the subject of a one-event message", () => {
  it("names the event, capitalised, in Russian and English", () => {
    const heads: Record<Exclude<AlarmEventKind, "raised">, [ru: string, en: string]> = {
      severity: ["Изменилась важность", "Severity changed"],
      escalated: ["Не квитирована в срок", "Not acknowledged in time"],
      acknowledged: ["Квитирована", "Acknowledged"],
      assigned: ["Назначена", "Assigned"],
      cleared: ["Снята", "Cleared"],
      reactivated: ["Снова активна", "Reactivated"],
      comment: ["Комментарий", "Comment"],
    };
    for (const [kind, [ru, en]] of Object.entries(heads) as [AlarmEventKind, [string, string]][]) {
      expect(subjectOf(kind, "ru")).toMatch(new RegExp(`^\\[Vetra\\] ${ru}: WTG-1, `));
      expect(subjectOf(kind, "en")).toMatch(new RegExp(`^\\[Vetra\\] ${en}: WTG-1, `));
    }
  });

  it("names the severity for a raised alarm", () => {
    expect(subjectOf("raised", "ru")).toMatch(/^\[Vetra\] Предупреждение: WTG-1, /);
    expect(subjectOf("raised", "en")).toMatch(/^\[Vetra\] Warning: WTG-1, /);
  });
});
