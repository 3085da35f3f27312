// A work order as a printable PDF for the crew and the customer's records:
// header (number, state, title), what and where (asset, site, measuring
// point, the fault in words, severity, since when, the evidence), who
// (company, assignee, dates), description and findings, the parts table,
// the history, the photos, and signature lines. Russian by default, times
// in the company's time zone.

import { formatDateTime, formatNumber, type Lang, zoneLabel } from "../lib/format.ts";
import { checkImage } from "../lib/image-check.ts";
import { type Doc, openPdf, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import * as layout from "../lib/pdf/layout.ts";
import type { AlarmRecord } from "./alarm-book.ts";
import { faultName, pointName } from "./names.ts";
import type {
  Evidence,
  WorkOrder,
  WorkOrderEvent,
  WorkOrderEventKind,
  WorkOrderState,
} from "./work-orders.ts";

export interface WorkOrderSheet {
  order: WorkOrder;
  alarm: AlarmRecord | null;
  assetName: string;
  siteName: string | null;
  companyName: string;
  evidence: Evidence | null;
  events: WorkOrderEvent[];
  photos: { id: number; createdAt: string; by: string; bytes: Buffer }[];
}

interface Text {
  title: (id: string) => string;
  state: Record<WorkOrderState, string>;
  alarmState: Record<AlarmRecord["state"], string>;
  severity: Record<AlarmRecord["severity"], string>;
  labels: {
    state: string;
    asset: string;
    site: string;
    point: string;
    fault: string;
    severity: string;
    since: string;
    alarm: string;
    company: string;
    assignee: string;
    created: string;
    started: string;
    done: string;
    timeZone: string;
    printed: string;
  };
  zone: (z: string) => string;
  evidence: string;
  evidenceFields: Record<string, string>;
  evidenceAt: string;
  description: string;
  findings: string;
  none: string;
  parts: string;
  partColumns: [string, string, string, string];
  noParts: string;
  history: string;
  historyColumns: [string, string, string, string];
  event: Record<WorkOrderEventKind, string>;
  photos: string;
  photo: (id: number) => string;
  photoUnreadable: string;
  signatures: string;
  signers: [string, string, string];
  signHint: string;
  page: (n: number, of: number) => string;
  unassigned: string;
}

const TEXT: Record<Lang, Text> = {
  ru: {
    title: (id) => `Наряд-заказ ${id}`,
    state: { open: "открыт", in_progress: "в работе", done: "выполнен" },
    alarmState: { active: "активна", acknowledged: "квитирована", cleared: "снята" },
    severity: { warning: "предупреждение", alarm: "тревога" },
    labels: {
      state: "Состояние",
      asset: "Объект",
      site: "Площадка",
      point: "Точка измерения",
      fault: "Неисправность",
      severity: "Уровень",
      since: "Началось",
      alarm: "Тревога",
      company: "Сервисная компания",
      assignee: "Исполнитель",
      created: "Создан",
      started: "Начат",
      done: "Выполнен",
      timeZone: "Часовой пояс",
      printed: "Напечатан",
    },
    zone: (z) => `зона ${z} по ISO 10816-21`,
    evidence: "Признаки неисправности",
    evidenceFields: {
      frequency_hz: "Частота, Гц",
      amplitude: "Амплитуда",
      snr_db: "Превышение над фоном, дБ",
      harmonics: "Гармоник найдено",
      confidence: "Достоверность",
      v_rms_mm_s: "СКЗ виброскорости, мм/с",
      a_rms_g: "СКЗ виброускорения, g",
      kurtosis: "Эксцесс",
      crest_factor: "Пик-фактор",
    },
    evidenceAt: "Измерено",
    description: "Описание работ",
    findings: "Результаты осмотра",
    none: "—",
    parts: "Запчасти и материалы",
    partColumns: ["№", "Наименование", "Артикул", "Кол-во"],
    noParts: "Запчасти не использовались.",
    history: "История",
    historyColumns: ["Время", "Событие", "Кто", "Подробности"],
    event: {
      created: "создан",
      state: "состояние",
      assigned: "исполнитель",
      findings: "результаты осмотра",
      parts: "запчасти",
      photo: "фото",
    },
    photos: "Фотографии",
    photo: (id) => `Фото № ${id}`,
    photoUnreadable: "изображение не удалось прочитать",
    signatures: "Подписи",
    signers: ["Выдал", "Выполнил", "Принял"],
    signHint: "(подпись)                    (Ф. И. О.)                    (дата)",
    page: (n, of) => `Стр. ${n} из ${of}`,
    unassigned: "не назначен",
  },
  en: {
    title: (id) => `Work order ${id}`,
    state: { open: "open", in_progress: "in progress", done: "done" },
    alarmState: { active: "active", acknowledged: "acknowledged", cleared: "cleared" },
    severity: { warning: "warning", alarm: "alarm" },
    labels: {
      state: "State",
      asset: "Asset",
      site: "Site",
      point: "Measuring point",
      fault: "Fault",
      severity: "Severity",
      since: "Since",
      alarm: "Alarm",
      company: "Service company",
      assignee: "Assignee",
      created: "Created",
      started: "Started",
      done: "Done",
      timeZone: "Time zone",
      printed: "Printed",
    },
    zone: (z) => `ISO 10816-21 zone ${z}`,
    evidence: "Evidence",
    evidenceFields: {
      frequency_hz: "Frequency, Hz",
      amplitude: "Amplitude",
      snr_db: "Above background, dB",
      harmonics: "Harmonics found",
      confidence: "Confidence",
      v_rms_mm_s: "Velocity RMS, mm/s",
      a_rms_g: "Acceleration RMS, g",
      kurtosis: "Kurtosis",
      crest_factor: "Crest factor",
    },
    evidenceAt: "Measured",
    description: "Work to do",
    findings: "Findings",
    none: "—",
    parts: "Parts and materials",
    partColumns: ["No.", "Name", "Part number", "Qty"],
    noParts: "No parts used.",
    history: "History",
    historyColumns: ["Time", "Event", "By", "Details"],
    event: {
      created: "created",
      state: "state",
      assigned: "assignee",
      findings: "findings",
      parts: "parts",
      photo: "photo",
    },
    photos: "Photos",
    photo: (id) => `Photo no. ${id}`,
    photoUnreadable: "the image could not be read",
    signatures: "Signatures",
    signers: ["Issued by", "Performed by", "Accepted by"],
    signHint: "(signature)                    (name)                    (date)",
    page: (n, of) => `Page ${n} of ${of}`,
    unassigned: "not assigned",
  },
};

const EVIDENCE_DIGITS: Record<string, number> = {
  frequency_hz: 2,
  amplitude: 3,
  snr_db: 1,
  harmonics: 0,
  confidence: 2,
  v_rms_mm_s: 2,
  a_rms_g: 3,
  kurtosis: 2,
  crest_factor: 2,
};

export interface WorkOrderPdfOptions {
  /** IANA zone of the times shown (the company's); default UTC. */
  timeZone?: string;
  /** When it is printed, epoch ms. */
  nowMs: number;
}

/**
 * Renders the work order to PDF bytes. Each photo is checked whole first
 * (lib/image-check.ts): a damaged one is shown as a note, never handed to
 * pdfkit, whose PNG decoding fails in a callback nobody can catch.
 */
export async function renderWorkOrderPdf(
  sheet: WorkOrderSheet,
  lang: Lang,
  options: WorkOrderPdfOptions,
): Promise<Buffer> {
  const readable = new Set<number>();
  for (const p of sheet.photos) if ((await checkImage(p.bytes)).ok) readable.add(p.id);
  const t = TEXT[lang];
  const tz = options.timeZone ?? "UTC";
  const { order, alarm } = sheet;
  const when = (text: string | null) => (text === null ? t.none : formatDateTime(Date.parse(text), lang, tz));
  const { doc, bytes } = openPdf({ title: t.title(order.id), author: order.createdBy, lang });
  const newPage = () => doc.addPage();
  const section = (title: string, space = 60) => {
    layout.ensureSpace(doc, space, newPage);
    doc.moveDown(0.6);
    layout.heading(doc, title, 12.5);
  };

  // Photos are numbered 1, 2, … within the order (their ids count across all orders).
  const ordinal = new Map(sheet.photos.map((p, i) => [p.id, i + 1]));

  titleBlock(doc, t.title(order.id), order.title);
  const fault = alarm
    ? alarm.isoZone
      ? `${faultName(alarm.fault, lang)} (${t.zone(alarm.isoZone)})`
      : faultName(alarm.fault, lang)
    : t.none;
  layout.drawKeyValues(
    doc,
    [
      [t.labels.state, t.state[order.state]],
      [t.labels.asset, sheet.assetName === order.asset ? order.asset : `${sheet.assetName} (${order.asset})`],
      [t.labels.site, sheet.siteName ?? alarm?.site ?? t.none],
      [t.labels.point, alarm ? `${pointName(alarm.point, lang)} (${alarm.point})` : t.none],
      [t.labels.fault, fault],
      [t.labels.severity, alarm ? t.severity[alarm.maxSeverity] : t.none],
      [t.labels.since, alarm ? when(alarm.since) : t.none],
      [t.labels.alarm, alarm ? `${alarm.id} (${t.alarmState[alarm.state]})` : order.alarm],
      [t.labels.company, sheet.companyName],
      [t.labels.assignee, order.assignee ?? t.unassigned],
      [t.labels.created, `${when(order.createdAt)}, ${order.createdBy}`],
      [t.labels.started, when(order.startedAt)],
      [t.labels.done, when(order.doneAt)],
      [t.labels.timeZone, zoneLabel(tz)],
      [t.labels.printed, formatDateTime(options.nowMs, lang, tz)],
    ],
    { fontSize: 9.5, labelShare: 0.3 },
  );

  if (sheet.evidence) {
    const ev = sheet.evidence;
    section(t.evidence);
    const rows: [string, string][] = Object.entries(ev.fields)
      .filter(([k]) => Object.hasOwn(t.evidenceFields, k)) // own keys: a field named `constructor` is not a label
      .map(([k, v]) =>
        k === "confidence"
          ? [t.evidenceFields[k]!, `${formatNumber(100 * v, 0, lang)} %`]
          : [t.evidenceFields[k]!, formatNumber(v, EVIDENCE_DIGITS[k] ?? 2, lang)],
      );
    rows.push([t.evidenceAt, when(ev.at)]);
    layout.drawKeyValues(doc, rows, { fontSize: 9.5, labelShare: 0.3 });
  }

  section(t.description);
  paragraph(doc, order.description ?? t.none);
  section(t.findings);
  paragraph(doc, order.findings ?? t.none);

  section(t.parts);
  if (order.parts.length === 0) paragraph(doc, t.noParts);
  else
    layout.drawTable(doc, {
      columns: [
        { header: t.partColumns[0], share: 0.5, align: "right" },
        { header: t.partColumns[1], share: 5, flex: true },
        { header: t.partColumns[2], share: 2 },
        { header: t.partColumns[3], share: 1, align: "right" },
      ],
      rows: order.parts.map((p, i) => ({
        cells: [
          String(i + 1),
          p.name,
          p.partNumber ?? t.none,
          formatNumber(p.quantity, Number.isInteger(p.quantity) ? 0 : 2, lang),
        ],
      })),
      fontSize: 9,
      newPage,
    });

  section(t.history);
  layout.drawTable(doc, {
    columns: [
      { header: t.historyColumns[0], share: 1.6 },
      { header: t.historyColumns[1], share: 1.4 },
      { header: t.historyColumns[2], share: 1.4 },
      { header: t.historyColumns[3], share: 4, flex: true },
    ],
    rows: sheet.events.map((e) => ({
      cells: [when(e.at), t.event[e.kind], e.actor, eventDetails(e, t, lang, ordinal)],
    })),
    fontSize: 8.5,
    condensed: true,
    newPage,
  });

  if (sheet.photos.length > 0) photos(doc, sheet, readable, t, lang, tz, newPage);
  signatures(doc, t, newPage);
  pageFooters(doc, `Vetra · ${t.title(order.id)} · ${sheet.assetName}`, t.page);
  doc.end();
  return bytes;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function eventDetails(e: WorkOrderEvent, t: Text, lang: Lang, ordinal: ReadonlyMap<number, number>): string {
  switch (e.kind) {
    case "created":
      return t.state.open;
    case "state":
      return `${t.state[e.from as WorkOrderState] ?? e.from} → ${t.state[e.to as WorkOrderState] ?? e.to}`;
    case "assigned":
      return `${e.from ?? t.unassigned} → ${e.to ?? t.unassigned}`;
    case "findings":
      return clip(e.to ?? t.none, 160);
    case "parts": {
      const parts = JSON.parse(e.to ?? "[]") as { name: string; quantity: number }[];
      return parts.length === 0
        ? t.none
        : clip(
            parts
              .map(
                (p) => `${p.name} × ${formatNumber(p.quantity, Number.isInteger(p.quantity) ? 0 : 2, lang)}`,
              )
              .join("; "),
            160,
          );
    }
    case "photo":
      return t.photo(ordinal.get(Number(e.to)) ?? Number(e.to));
  }
}

function photos(
  doc: Doc,
  sheet: WorkOrderSheet,
  readable: ReadonlySet<number>,
  t: Text,
  lang: Lang,
  tz: string,
  newPage: () => void,
): void {
  doc.moveDown(0.6);
  layout.ensureSpace(doc, 240, newPage);
  layout.heading(doc, t.photos, 12.5);
  const gap = 14;
  const boxW = (layout.widthOf(doc) - gap) / 2;
  const boxH = boxW * 0.75;
  for (let i = 0; i < sheet.photos.length; i += 2) {
    layout.ensureSpace(doc, boxH + 24, newPage);
    const top = doc.y;
    sheet.photos.slice(i, i + 2).forEach((p, j) => {
      const x = layout.leftOf(doc) + j * (boxW + gap);
      let drawn = false;
      if (readable.has(p.id))
        try {
          doc.image(p.bytes, x, top, { fit: [boxW, boxH], align: "center", valign: "center" });
          drawn = true;
        } catch {
          drawn = false;
        }
      if (!drawn) {
        // A damaged image (stored before uploads were checked whole): say so instead of failing the order.
        doc.rect(x, top, boxW, boxH).lineWidth(0.5).strokeColor(layout.COLOR.rule).stroke();
        doc
          .font(layout.FONT.regular)
          .fontSize(9)
          .fillColor(layout.COLOR.muted)
          .text(t.photoUnreadable, x + 8, top + boxH / 2, { width: boxW - 16, align: "center" });
      }
      doc
        .font(layout.FONT.regular)
        .fontSize(8)
        .fillColor(layout.COLOR.muted)
        .text(
          `${t.photo(i + j + 1)} · ${formatDateTime(Date.parse(p.createdAt), lang, tz)} · ${p.by}`,
          x,
          top + boxH + 4,
          {
            width: boxW,
            lineBreak: false,
            ellipsis: true,
            height: 10,
          },
        );
    });
    doc.fillColor(layout.COLOR.text);
    doc.x = layout.leftOf(doc);
    doc.y = top + boxH + 20;
  }
}

function signatures(doc: Doc, t: Text, newPage: () => void): void {
  doc.moveDown(0.8);
  layout.ensureSpace(doc, 150, newPage);
  layout.heading(doc, t.signatures, 12.5);
  const x = layout.leftOf(doc);
  const w = layout.widthOf(doc);
  for (const who of t.signers) {
    const y = doc.y + 16;
    doc.font(layout.FONT.regular).fontSize(9.5).fillColor(layout.COLOR.text).text(who, x, y, { width: 110 });
    doc
      .moveTo(x + 110, y + 11)
      .lineTo(x + w, y + 11)
      .lineWidth(0.6)
      .strokeColor(layout.COLOR.text)
      .stroke();
    doc
      .font(layout.FONT.regular)
      .fontSize(7)
      .fillColor(layout.COLOR.muted)
      .text(t.signHint, x + 120, y + 14, { width: w - 120 });
    doc.x = x;
    doc.y = y + 26;
  }
  doc.fillColor(layout.COLOR.text);
}
