// A work order as a printable PDF for the crew and the customer's records:
// header (number, state, title), what and where (asset, site, measuring
// point, the fault in words, severity, since when, the evidence), who
// (company, assignee, dates), description and findings, the parts table,
// the history, the photos, and signature lines. Russian by default, times
// in the company's time zone.

import { both, byLanguage, type Phrase } from "../lib/catalogue.ts";
import { formatDateTime, formatNumber, type Lang, zoneLabel } from "../lib/format.ts";
import { checkImage } from "../lib/image-check.ts";
import { type Doc, openPdf, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import * as layout from "../lib/pdf/layout.ts";
import { PAGE_OF } from "../lib/pdf/page-text.ts";
import { drawRecordTable } from "../lib/pdf/record-table.ts";
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

/** The evidence's fields by name (diagnostics); a field without an entry is not printed. */
const EVIDENCE_FIELDS: Record<string, Phrase<string>> = {
  frequency_hz: both("Частота, Гц", "Frequency, Hz"),
  amplitude: both("Амплитуда", "Amplitude"),
  snr_db: both("Превышение над фоном, дБ", "Above background, dB"),
  harmonics: both("Гармоник найдено", "Harmonics found"),
  confidence: both("Достоверность", "Confidence"),
  v_rms_mm_s: both("СКЗ виброскорости, мм/с", "Velocity RMS, mm/s"),
  a_rms_g: both("СКЗ виброускорения, g", "Acceleration RMS, g"),
  kurtosis: both("Эксцесс", "Kurtosis"),
  crest_factor: both("Пик-фактор", "Crest factor"),
};

const TEXT = byLanguage({
  title: both(
    (id: string) => `Наряд-заказ ${id}`,
    (id) => `Work order ${id}`,
  ),
  state: {
    open: both("открыт", "open"),
    in_progress: both("в работе", "in progress"),
    done: both("выполнен", "done"),
  } satisfies Record<WorkOrderState, Phrase<string>>,
  alarmState: {
    active: both("активна", "active"),
    acknowledged: both("квитирована", "acknowledged"),
    cleared: both("снята", "cleared"),
  } satisfies Record<AlarmRecord["state"], Phrase<string>>,
  severity: {
    warning: both("предупреждение", "warning"),
    alarm: both("тревога", "alarm"),
  } satisfies Record<AlarmRecord["severity"], Phrase<string>>,
  labels: {
    state: both("Состояние", "State"),
    asset: both("Объект", "Asset"),
    site: both("Площадка", "Site"),
    point: both("Точка измерения", "Measuring point"),
    fault: both("Неисправность", "Fault"),
    severity: both("Уровень", "Severity"),
    since: both("Началось", "Since"),
    alarm: both("Тревога", "Alarm"),
    company: both("Сервисная компания", "Service company"),
    assignee: both("Исполнитель", "Assignee"),
    created: both("Создан", "Created"),
    started: both("Начат", "Started"),
    done: both("Выполнен", "Done"),
    timeZone: both("Часовой пояс", "Time zone"),
    printed: both("Напечатан", "Printed"),
  },
  zone: both(
    (z: string) => `зона ${z} по ISO 10816-21`,
    (z) => `ISO 10816-21 zone ${z}`,
  ),
  evidence: both("Признаки неисправности", "Evidence"),
  evidenceFields: EVIDENCE_FIELDS,
  evidenceAt: both("Измерено", "Measured"),
  description: both("Описание работ", "Work to do"),
  findings: both("Результаты осмотра", "Findings"),
  none: "—",
  parts: both("Запчасти и материалы", "Parts and materials"),
  partColumns: {
    number: both("№", "No."),
    name: both("Наименование", "Name"),
    partNumber: both("Артикул", "Part number"),
    quantity: both("Кол-во", "Qty"),
  },
  noParts: both("Запчасти не использовались.", "No parts used."),
  history: both("История", "History"),
  historyColumns: {
    time: both("Время", "Time"),
    event: both("Событие", "Event"),
    by: both("Кто", "By"),
    details: both("Подробности", "Details"),
  },
  event: {
    created: both("создан", "created"),
    state: both("состояние", "state"),
    assigned: both("исполнитель", "assignee"),
    findings: both("результаты осмотра", "findings"),
    parts: both("запчасти", "parts"),
    photo: both("фото", "photo"),
  } satisfies Record<WorkOrderEventKind, Phrase<string>>,
  photos: both("Фотографии", "Photos"),
  photo: both(
    (id: number) => `Фото № ${id}`,
    (id) => `Photo no. ${id}`,
  ),
  photoUnreadable: both("изображение не удалось прочитать", "the image could not be read"),
  signatures: both("Подписи", "Signatures"),
  signers: [both("Выдал", "Issued by"), both("Выполнил", "Performed by"), both("Принял", "Accepted by")],
  signHint: both(
    "(подпись)                    (Ф. И. О.)                    (дата)",
    "(signature)                    (name)                    (date)",
  ),
  page: PAGE_OF,
  unassigned: both("не назначен", "not assigned"),
});

type Text = (typeof TEXT)[Lang];

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
    drawRecordTable(doc, {
      columns: [
        { header: t.partColumns.number, share: 0.5, align: "right", cell: (_, i) => String(i + 1) },
        { header: t.partColumns.name, share: 5, flex: true, cell: (p) => p.name },
        { header: t.partColumns.partNumber, share: 2, cell: (p) => p.partNumber ?? t.none },
        { header: t.partColumns.quantity, share: 1, align: "right", cell: (p) => quantity(p.quantity, lang) },
      ],
      records: order.parts,
      fontSize: 9,
      newPage,
    });

  section(t.history);
  drawRecordTable(doc, {
    columns: [
      { header: t.historyColumns.time, share: 1.6, cell: (e) => when(e.at) },
      { header: t.historyColumns.event, share: 1.4, cell: (e) => t.event[e.kind] },
      { header: t.historyColumns.by, share: 1.4, cell: (e) => e.actor },
      {
        header: t.historyColumns.details,
        share: 4,
        flex: true,
        cell: (e) => eventDetails(e, t, lang, ordinal),
      },
    ],
    records: sheet.events,
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

/** A quantity of parts: whole numbers as they are, a fraction to two decimals. */
const quantity = (n: number, lang: Lang) => formatNumber(n, Number.isInteger(n) ? 0 : 2, lang);

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
        : clip(parts.map((p) => `${p.name} × ${quantity(p.quantity, lang)}`).join("; "), 160);
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
