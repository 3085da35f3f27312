// The money documents as PDF, in the company's language: the monthly
// statement (fee lines, credits with the alarms that earned them, totals),
// the act of services rendered (акт оказанных услуг), the invoice (счёт на
// оплату) and the completion act of a work order (акт выполненных работ:
// findings, parts, photos). Parties with their requisites at the top,
// signature lines at the bottom; the electronic signatures themselves are
// CMS/PAdES (signing.ts), the lines say whose they are.

import { formatDate, formatDateTime, type Lang } from "../lib/format.ts";
import { checkImage } from "../lib/image-check.ts";
import { type Doc, openPdf, PORTRAIT, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import { COLOR, drawKeyValues, drawTable, ensureSpace, heading } from "../lib/pdf/layout.ts";
import { faultName } from "../maintenance/names.ts";
import { monthName } from "../maintenance/service-report-pdf.ts";
import type { WorkOrder } from "../maintenance/work-orders.ts";
import { formatRate, formatRub } from "./money.ts";
import type { Requisites } from "./requisites.ts";
import { ROUNDING_RULE, type Statement } from "./statement.ts";

export interface PartyBlock {
  id: string;
  name: string;
  requisites: Requisites | null;
}

const L = {
  ru: {
    executor: "Исполнитель",
    customer: "Заказчик",
    inn: "ИНН",
    kpp: "КПП",
    ogrn: "ОГРН",
    address: "Адрес",
    bank: "Банк",
    bic: "БИК",
    corr: "Корр. счёт",
    account: "Расчётный счёт",
    noRequisites: "реквизиты не заданы",
    statement: "Расчёт стоимости услуг за месяц",
    act: (n: string) => `Акт оказанных услуг № ${n}`,
    invoice: (n: string) => `Счёт на оплату № ${n}`,
    completion: (n: string) => `Акт выполненных работ № ${n}`,
    period: "Период",
    lines: "Мониторинг и реагирование по объектам",
    cols: ["Объект", "Договор", "Тариф", "Дней мониторинга", "Сумма"],
    perDay: "за турбино-сутки",
    perMonth: "за турбино-месяц",
    notBilled: "не тарифицируется",
    credits: "Зачёты за нарушение времени реакции",
    creditCols: ["Тревога", "Объект", "Возникла", "Срок реакции", "Квитирована", "Зачёт"],
    noCredits: "Нарушений времени реакции не было.",
    fee: "Стоимость услуг",
    creditsTotal: "Зачёты (с учётом ограничения)",
    net: "Итого без НДС",
    vat: (r: string) => `НДС ${r}`,
    gross: "Всего к оплате",
    rounding: "Правило округления",
    service: (m: string) =>
      `Услуги мониторинга технического состояния ветроустановок и реагирования на тревоги за ${m}`,
    actText:
      "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.",
    itemCols: ["№", "Наименование", "Кол-во", "Ед.", "Сумма"],
    unit: "усл.",
    payTo: "Получатель платежа",
    purpose: (n: string, m: string) => `Назначение платежа: оплата по счёту № ${n} за услуги за ${m}`,
    signedBy: "Подписи сторон (электронная подпись, CMS/PAdES)",
    signLine: (role: string, who: string) => `${role}: ____________ / ${who} /`,
    workOrder: "Наряд-заказ",
    asset: "Объект",
    fault: "Неисправность",
    doneAt: "Работы завершены",
    findings: "Результаты работ",
    parts: "Использованные запчасти",
    partCols: ["Наименование", "Артикул", "Кол-во"],
    noParts: "Запчасти не использовались.",
    photos: (n: number) => `Фотографии (${n})`,
    photoUnreadable: (n: number, why: string) =>
      `Фото № ${n} не удалось прочитать и оно не включено (${why}).`,
    completionText: "Работы по наряду-заказу выполнены. Заказчик принимает работы.",
    page: (n: number, of: number) => `Стр. ${n} из ${of}`,
  },
  en: {
    executor: "Executor",
    customer: "Customer",
    inn: "INN",
    kpp: "KPP",
    ogrn: "OGRN",
    address: "Address",
    bank: "Bank",
    bic: "BIC",
    corr: "Corr. account",
    account: "Account",
    noRequisites: "requisites not configured",
    statement: "Monthly statement of services",
    act: (n: string) => `Act of services rendered No. ${n}`,
    invoice: (n: string) => `Invoice No. ${n}`,
    completion: (n: string) => `Completion act No. ${n}`,
    period: "Period",
    lines: "Monitoring and response by asset",
    cols: ["Asset", "Contract", "Fee", "Days monitored", "Amount"],
    perDay: "per turbine-day",
    perMonth: "per turbine-month",
    notBilled: "not billed",
    credits: "Credits for breaches of the response time",
    creditCols: ["Alarm", "Asset", "Raised", "Response due", "Acknowledged", "Credit"],
    noCredits: "No breach of the response time.",
    fee: "Services",
    creditsTotal: "Credits (after the cap)",
    net: "Net (excluding VAT)",
    vat: (r: string) => `VAT ${r}`,
    gross: "Total due",
    rounding: "Rounding rule",
    service: (m: string) => `Condition monitoring of wind turbines and alarm response, ${m}`,
    actText:
      "The services above were rendered in full and on time. The customer has no claims as to their scope, quality or timing.",
    itemCols: ["No.", "Description", "Qty", "Unit", "Amount"],
    unit: "service",
    payTo: "Payee",
    purpose: (n: string, m: string) => `Payment reference: invoice No. ${n}, services of ${m}`,
    signedBy: "Signatures of the parties (electronic, CMS/PAdES)",
    signLine: (role: string, who: string) => `${role}: ____________ / ${who} /`,
    workOrder: "Work order",
    asset: "Asset",
    fault: "Fault",
    doneAt: "Work completed",
    findings: "Findings",
    parts: "Parts used",
    partCols: ["Part", "Part number", "Qty"],
    noParts: "No parts were used.",
    photos: (n: number) => `Photos (${n})`,
    photoUnreadable: (n: number, why: string) => `Photo no. ${n} could not be read and is left out (${why}).`,
    completionText: "The work of the work order is complete. The customer accepts the work.",
    page: (n: number, of: number) => `Page ${n} of ${of}`,
  },
} as const;

function partyLines(p: PartyBlock, lang: Lang): [string, string][] {
  const t = L[lang];
  const r = p.requisites;
  if (!r) return [[p.name, t.noRequisites]];
  return [
    [t.inn, `${r.inn}${r.kpp ? ` / ${t.kpp} ${r.kpp}` : ""}${r.ogrn ? ` / ${t.ogrn} ${r.ogrn}` : ""}`],
    [t.address, r.address],
    [t.bank, `${r.bank.name}, ${t.bic} ${r.bank.bic}`],
    ...(r.bank.correspondentAccount ? ([[t.corr, r.bank.correspondentAccount]] as [string, string][]) : []),
    [t.account, r.bank.account],
  ];
}

function parties(doc: Doc, executor: PartyBlock, customer: PartyBlock, lang: Lang): void {
  const t = L[lang];
  for (const [role, p] of [
    [t.executor, executor],
    [t.customer, customer],
  ] as const) {
    heading(doc, `${role}: ${p.requisites?.legalName ?? p.name}`, 10.5);
    drawKeyValues(doc, partyLines(p, lang), { fontSize: 8.5, labelShare: 0.22 });
    doc.moveDown(0.4);
  }
}

function signatureLines(
  doc: Doc,
  executor: PartyBlock,
  customer: PartyBlock,
  lang: Lang,
  newPage: () => void,
) {
  const t = L[lang];
  doc.moveDown(0.8);
  ensureSpace(doc, 90, newPage);
  heading(doc, t.signedBy, 10.5);
  for (const [role, p] of [
    [t.executor, executor],
    [t.customer, customer],
  ] as const) {
    const who = p.requisites ? `${p.requisites.signatory.position} ${p.requisites.signatory.name}` : p.name;
    paragraph(doc, t.signLine(role, who), 9.5);
  }
}

function open(title: string, author: string, lang: Lang) {
  const { doc, bytes } = openPdf({ title, author, lang, layout: PORTRAIT });
  return { doc, bytes, newPage: () => doc.addPage(PORTRAIT) };
}

function totalsBlock(doc: Doc, s: Statement, lang: Lang) {
  const t = L[lang];
  drawKeyValues(
    doc,
    [
      [t.fee, formatRub(s.totals.feeKopecks, lang)],
      [t.creditsTotal, formatRub(-s.totals.creditsKopecks, lang)],
      [t.net, formatRub(s.totals.netKopecks, lang)],
      [t.vat(formatRate(s.vatRateBasisPoints, lang)), formatRub(s.totals.vatKopecks, lang)],
      [t.gross, formatRub(s.totals.grossKopecks, lang)],
    ],
    { fontSize: 10, labelShare: 0.5, boldValues: true },
  );
}

export interface MoneyDocumentArgs {
  statement: Statement;
  executor: PartyBlock;
  customer: PartyBlock;
  /** The document's number as printed (the register's id). */
  number: string;
  lang: Lang;
}

export function renderStatementPdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const { statement: s, lang } = a;
  const t = L[lang];
  const month = monthName(s.month, lang);
  const { doc, bytes, newPage } = open(`${t.statement} — ${s.company.name} — ${month}`, s.region.name, lang);
  titleBlock(doc, t.statement, `${s.company.name} — ${month} — ${a.number}`);
  parties(doc, a.executor, a.customer, lang);
  heading(doc, t.lines, 12);
  drawTable(doc, {
    columns: [
      { header: t.cols[0], share: 2.4, flex: true },
      { header: t.cols[1], share: 1.4 },
      { header: t.cols[2], share: 2 },
      { header: t.cols[3], share: 1.1, align: "right" },
      { header: t.cols[4], share: 1.5, align: "right" },
    ],
    rows: [
      ...s.lines.map((l) => ({
        cells: [
          l.name === l.asset ? l.asset : `${l.name} (${l.asset})`,
          l.contract ?? "—",
          l.per
            ? `${formatRub(l.unitFeeKopecks, lang)} ${l.per === "turbine_day" ? t.perDay : t.perMonth}`
            : t.notBilled,
          `${l.daysMonitored} / ${l.daysInMonth}`,
          formatRub(l.amountKopecks, lang),
        ],
      })),
      { cells: [t.fee, "", "", "", formatRub(s.totals.feeKopecks, lang)], bold: true, fill: COLOR.totalFill },
    ],
    fontSize: 8.5,
    newPage,
  });
  doc.moveDown(0.6);
  ensureSpace(doc, 120, newPage);
  heading(doc, t.credits, 12);
  const tz = s.timeZone;
  const when = (v: string | null) => (v ? formatDateTime(Date.parse(v), lang, tz) : "—");
  if (s.credits.length === 0) paragraph(doc, t.noCredits);
  else
    drawTable(doc, {
      columns: [
        { header: t.creditCols[0], share: 2.6, flex: true },
        { header: t.creditCols[1], share: 0.8 },
        { header: t.creditCols[2], share: 1.4 },
        { header: t.creditCols[3], share: 1.4 },
        { header: t.creditCols[4], share: 1.4 },
        { header: t.creditCols[5], share: 1.3, align: "right" },
      ],
      rows: s.credits.map((c) => ({
        cells: [
          `${c.alarm} (${faultName(c.fault, lang)})`,
          c.asset,
          when(c.raisedAt),
          when(c.responseDueAt),
          when(c.acknowledgedAt),
          formatRub(-c.creditKopecks, lang),
        ],
      })),
      fontSize: 8,
      condensed: true,
      newPage,
    });
  doc.moveDown(0.6);
  ensureSpace(doc, 140, newPage);
  totalsBlock(doc, s, lang);
  doc.moveDown(0.4);
  paragraph(doc, `${t.rounding}: ${ROUNDING_RULE[lang]}`, 8);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  pageFooters(doc, `Vetra · ${a.number} · ${t.statement} · ${month}`, t.page);
  doc.end();
  return bytes;
}

function serviceItems(doc: Doc, s: Statement, lang: Lang, newPage: () => void) {
  const t = L[lang];
  drawTable(doc, {
    columns: [
      { header: t.itemCols[0], share: 0.5 },
      { header: t.itemCols[1], share: 5, flex: true },
      { header: t.itemCols[2], share: 0.7, align: "right" },
      { header: t.itemCols[3], share: 0.8 },
      { header: t.itemCols[4], share: 1.6, align: "right" },
    ],
    rows: [
      {
        cells: ["1", t.service(monthName(s.month, lang)), "1", t.unit, formatRub(s.totals.netKopecks, lang)],
      },
    ],
    fontSize: 9,
    newPage,
  });
  doc.moveDown(0.5);
  totalsBlock(doc, s, lang);
}

export function renderActPdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const { statement: s, lang } = a;
  const t = L[lang];
  const month = monthName(s.month, lang);
  const { doc, bytes, newPage } = open(t.act(a.number), a.executor.name, lang);
  titleBlock(doc, t.act(a.number), `${t.period}: ${month}`);
  parties(doc, a.executor, a.customer, lang);
  serviceItems(doc, s, lang, newPage);
  doc.moveDown(0.5);
  paragraph(doc, t.actText);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  pageFooters(doc, `Vetra · ${t.act(a.number)}`, t.page);
  doc.end();
  return bytes;
}

export function renderInvoicePdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const { statement: s, lang } = a;
  const t = L[lang];
  const month = monthName(s.month, lang);
  const { doc, bytes, newPage } = open(t.invoice(a.number), a.executor.name, lang);
  titleBlock(doc, t.invoice(a.number), `${t.period}: ${month}`);
  heading(doc, t.payTo, 10.5);
  drawKeyValues(doc, partyLines(a.executor, lang), { fontSize: 9, labelShare: 0.22 });
  doc.moveDown(0.4);
  parties(doc, a.executor, a.customer, lang);
  serviceItems(doc, s, lang, newPage);
  doc.moveDown(0.4);
  paragraph(doc, t.purpose(a.number, month), 9);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  pageFooters(doc, `Vetra · ${t.invoice(a.number)}`, t.page);
  doc.end();
  return bytes;
}

export interface CompletionActArgs {
  order: WorkOrder;
  assetName: string;
  /** Photo bytes (JPEG or PNG), shown at the end. */
  photos: readonly Buffer[];
  executor: PartyBlock;
  customer: PartyBlock;
  number: string;
  timeZone: string;
  lang: Lang;
  fault: string | null;
}

/**
 * The completion act. Each photo is checked whole first (lib/image-check.ts):
 * a damaged one is named in a note, never handed to pdfkit, whose PNG
 * decoding fails in a callback nobody can catch.
 */
export async function renderCompletionActPdf(a: CompletionActArgs): Promise<Buffer> {
  const checks = await Promise.all(a.photos.map((p) => checkImage(p)));
  const { order, lang } = a;
  const t = L[lang];
  const { doc, bytes, newPage } = open(t.completion(a.number), a.executor.name, lang);
  titleBlock(doc, t.completion(a.number), `${t.workOrder} ${order.id}: ${order.title}`);
  parties(doc, a.executor, a.customer, lang);
  drawKeyValues(
    doc,
    [
      [t.workOrder, `${order.id} — ${order.title}`],
      [t.asset, `${a.assetName} (${order.asset})`],
      ...(a.fault ? ([[t.fault, faultName(a.fault, lang)]] as [string, string][]) : []),
      [t.doneAt, order.doneAt ? formatDateTime(Date.parse(order.doneAt), lang, a.timeZone) : "—"],
    ],
    { fontSize: 9.5, labelShare: 0.28 },
  );
  doc.moveDown(0.5);
  heading(doc, t.findings, 11);
  paragraph(doc, order.findings?.trim() || "—");
  heading(doc, t.parts, 11);
  if (order.parts.length === 0) paragraph(doc, t.noParts);
  else
    drawTable(doc, {
      columns: [
        { header: t.partCols[0], share: 4, flex: true },
        { header: t.partCols[1], share: 2 },
        { header: t.partCols[2], share: 1, align: "right" },
      ],
      rows: order.parts.map((p) => ({ cells: [p.name, p.partNumber ?? "—", String(p.quantity)] })),
      fontSize: 9,
      newPage,
    });
  doc.moveDown(0.4);
  paragraph(doc, t.completionText);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  if (a.photos.length > 0) {
    doc.moveDown(0.6);
    ensureSpace(doc, 220, newPage);
    heading(doc, t.photos(a.photos.length), 11);
    for (const [i, photo] of a.photos.entries()) {
      const check = checks[i]!;
      if (!check.ok) {
        paragraph(doc, t.photoUnreadable(i + 1, check.reason), 9);
        continue;
      }
      ensureSpace(doc, 200, newPage);
      try {
        doc.image(photo, doc.page.margins.left, doc.y, { fit: [260, 190] });
        doc.y += 196;
      } catch (error) {
        paragraph(doc, t.photoUnreadable(i + 1, String((error as Error)?.message ?? error)), 9);
      }
    }
  }
  pageFooters(
    doc,
    `Vetra · ${t.completion(a.number)} · ${formatDate(Date.parse(order.doneAt ?? order.updatedAt), lang, a.timeZone)}`,
    t.page,
  );
  doc.end();
  return bytes;
}
