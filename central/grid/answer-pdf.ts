// The grid answer as a PDF for a developer's application file: the site
// (coordinates, nearest settlement, size and kind), a locator map drawn from
// the shipped basemap with the options and their distance lines, the options
// side by side, each option's reasons, what the figures mean, and the
// assumptions with the configured values. Server-rendered with the same
// pdfkit document as the other PDFs of central (lib/pdf/document.ts),
// dates in the region's time zone. Nothing is recomputed here: every figure
// comes from the check.

import { formatDateTime, formatNumber, type Lang, zoneLabelAt } from "../lib/format.ts";
import { openPdf, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import * as layout from "../lib/pdf/layout.ts";
import { ANSWER_TEXT } from "./answer-text.ts";
import { basemap, nearestSettlement } from "./basemap/index.ts";
import type { Lang as CheckLang, CheckRequest, GridOption } from "./check.ts";
import type { GridConfig } from "./config.ts";

export interface AnswerInput {
  request: CheckRequest;
  options: GridOption[];
  voltageClass: string;
  illustrative: boolean;
  dataSource: string;
  importedAt: string;
  assumptions: string;
  generatedAtMs: number;
  timeZone: string;
  config: Pick<GridConfig, "powerFactor" | "routeFactor" | "voltageClasses">;
}

/** 42.97638 → 42°58′35″ (seconds rounded; the hemisphere letter added by the caller). */
export function dms(value: number): string {
  const a = Math.abs(value);
  let d = Math.floor(a);
  let m = Math.floor((a - d) * 60);
  let s = Math.round(((a - d) * 60 - m) * 60);
  if (s === 60) {
    s = 0;
    m += 1;
  }
  if (m === 60) {
    m = 0;
    d += 1;
  }
  return `${d}°${String(m).padStart(2, "0")}′${String(s).padStart(2, "0")}″`;
}

const STATUS_COLOUR: Record<GridOption["status"], string> = {
  available: "#2e9d3a",
  needs_reinforcement: "#d08a00",
  unavailable: "#c0392b",
};

export function renderAnswerPdf(input: AnswerInput, lang: Lang): Promise<Buffer> {
  const t = ANSWER_TEXT[lang];
  const { request: q, options } = input;
  const num = (v: number | null | undefined, digits = 1) => formatNumber(v, digits, lang);
  const kv = (v: number | null) => (v === null ? "—" : num(v, v < 1 ? 1 : 0));
  const { doc, bytes } = openPdf({ title: t.title, author: "Vetra", lang });
  const portrait = () => doc.addPage({ size: "A4", layout: "portrait", margins: doc.page.margins });

  titleBlock(doc, t.title, t.subtitle);
  if (input.illustrative) {
    doc
      .font(layout.FONT.bold)
      .fontSize(9.5)
      .fillColor(layout.COLOR.fail)
      .text(t.illustrative, layout.leftOf(doc), doc.y, {
        width: layout.widthOf(doc),
      });
    doc.moveDown(0.5);
    doc.fillColor(layout.COLOR.text);
  }

  const near = nearestSettlement(q.lat, q.lon);
  const lat = `${dms(q.lat)} ${q.lat >= 0 ? t.north : t.south}`;
  const lon = `${dms(q.lon)} ${q.lon >= 0 ? t.east : t.west}`;
  layout.drawKeyValues(
    doc,
    [
      [t.site, `${num(q.lat, 5)}, ${num(q.lon, 5)} (${lat}, ${lon})`],
      [
        t.nearest,
        near ? t.nearestValue(lang === "en" ? near.name_en : near.name_ru, num(near.km, 1)) : t.nearestNone,
      ],
      [t.size, `${num(q.mw, q.mw < 1 ? 3 : 1)} ${t.mw} — ${t.kind[q.kind]}`],
      [t.voltageClass, input.voltageClass.replace("kV", t.kv)],
      [
        t.generated,
        `${formatDateTime(input.generatedAtMs, lang, input.timeZone)} — ${zoneLabelAt(input.timeZone, input.generatedAtMs)}`,
      ],
      [t.data, `${input.dataSource}, ${formatDateTime(Date.parse(input.importedAt), lang, input.timeZone)}`],
    ],
    { fontSize: 9.5, labelShare: 0.3 },
  );
  doc.moveDown(0.6);

  const best = options[0];
  layout.subheading(doc, t.answer, 11, layout.COLOR.accent);
  doc.moveDown(0.2);
  paragraph(
    doc,
    options.length === 0
      ? t.noOptions
      : best && best.status !== "unavailable"
        ? t.bestSentence(
            best.name,
            t.status[best.status],
            kv(best.voltage_kv),
            num(best.distance_km),
            num(best.headroom_after_mw),
            best.cost_rub === null ? "—" : num(best.cost_rub / 1e6),
          )
        : t.noneSuitable,
    10,
  );

  locatorMap();

  if (options.length > 0) {
    layout.ensureSpace(doc, 120, portrait);
    layout.heading(doc, t.compare, 13);
    layout.drawTable(doc, {
      columns: [
        { header: "#", share: 14, align: "right" },
        { header: t.col.name, share: 130, flex: true },
        { header: t.col.status, share: 64 },
        { header: t.col.voltage, share: 42, align: "right" },
        { header: t.col.distance, share: 46, align: "right" },
        { header: t.col.line, share: 46, align: "right" },
        { header: t.col.headroom, share: 52, align: "right" },
        { header: t.col.after, share: 60, align: "right" },
        { header: t.col.cost, share: 56, align: "right" },
      ],
      rows: options.map((o, i) => ({
        cells: [
          String(i + 1),
          o.name,
          t.status[o.status],
          kv(o.voltage_kv),
          num(o.distance_km),
          num(o.line_km),
          num(o.headroom_mw),
          num(o.headroom_after_mw),
          o.cost_rub === null ? "—" : num(o.cost_rub / 1e6),
        ],
        colors: [undefined, undefined, STATUS_COLOUR[o.status]],
      })),
      fontSize: 8,
      condensed: true,
      newPage: portrait,
    });
    doc.moveDown(0.6);
    layout.ensureSpace(doc, 80, portrait);
    layout.heading(doc, t.reasons, 13);
    for (const [i, o] of options.entries()) {
      layout.ensureSpace(doc, 40, portrait);
      doc
        .font(layout.FONT.bold)
        .fontSize(9.5)
        .fillColor(layout.COLOR.text)
        .text(`${i + 1}. ${o.name} — ${t.status[o.status]}`, layout.leftOf(doc), doc.y, {
          width: layout.widthOf(doc),
        });
      const lang2 = lang as CheckLang;
      for (const r of o.reasons)
        doc
          .font(layout.FONT.regular)
          .fontSize(8.5)
          .text(`• ${r[lang2]}`, layout.leftOf(doc) + 12, doc.y, { width: layout.widthOf(doc) - 12 });
      doc.moveDown(0.3);
    }
  }

  layout.ensureSpace(doc, 160, portrait);
  layout.heading(doc, t.explainTitle, 13);
  for (const [term, text] of t.glossary) {
    layout.ensureSpace(doc, 40, portrait);
    layout.subheading(doc, term, 9.5, layout.COLOR.text, { width: layout.widthOf(doc) });
    paragraph(doc, text, 9);
  }
  layout.ensureSpace(doc, 100, portrait);
  layout.heading(doc, t.assumptionsTitle, 13);
  paragraph(doc, input.assumptions, 9);
  const cls = input.config.voltageClasses.find((c) => c.label === input.voltageClass);
  paragraph(
    doc,
    t.values(
      num(input.config.powerFactor, 2),
      num(input.config.routeFactor, 2),
      cls
        ? t.classValues(
            input.voltageClass.replace("kV", t.kv),
            num(cls.line_rub_per_km / 1e6, 2),
            num(cls.bay_rub / 1e6, 1),
            num(cls.transformer_rub_per_mva / 1e6, 2),
            num(cls.max_line_km, 0),
          )
        : "",
    ),
    9,
  );
  paragraph(doc, t.notBinding, 8.5);
  paragraph(doc, basemap().data.vetra.attribution, 7.5);

  pageFooters(doc, `Vetra · ${t.title}`, t.page);
  doc.end();
  return bytes;

  /** Land, sea, coast and borders around the site, the options numbered and the lines to them. */
  function locatorMap() {
    const height = 190;
    layout.ensureSpace(doc, height + 20, portrait);
    const x0 = layout.leftOf(doc);
    const y0 = doc.y + 4;
    const w = layout.widthOf(doc);
    const shown = options.slice(0, 8);
    const lats = [q.lat, ...shown.map((o) => o.lat)];
    const lons = [q.lon, ...shown.map((o) => o.lon)];
    const kx = Math.cos((q.lat * Math.PI) / 180);
    // At least ±0.15° around the site; the frame keeps the page's aspect.
    let spanY = Math.max(0.3, (Math.max(...lats) - Math.min(...lats)) * 1.3);
    let spanX = Math.max(0.3 / kx, (Math.max(...lons) - Math.min(...lons)) * 1.3);
    if (spanX * kx * height > spanY * w) spanY = (spanX * kx * height) / w;
    else spanX = (spanY * w) / (height * kx);
    const cy = (Math.max(...lats) + Math.min(...lats)) / 2;
    const cx = (Math.max(...lons) + Math.min(...lons)) / 2;
    const px = (lon: number) => x0 + ((lon - (cx - spanX / 2)) / spanX) * w;
    const py = (lat: number) => y0 + ((cy + spanY / 2 - lat) / spanY) * height;
    const trace = (points: readonly [number, number][]) => {
      for (const [i, [lo, la]] of points.entries()) {
        if (i === 0) doc.moveTo(px(lo), py(la));
        else doc.lineTo(px(lo), py(la));
      }
    };
    doc.save();
    doc.rect(x0, y0, w, height).clip();
    doc.rect(x0, y0, w, height).fill("#cfe0ee");
    const features = basemap().data.features;
    for (const f of features) {
      if (f.properties.layer !== "land" || f.geometry.type !== "MultiPolygon") continue;
      for (const polygon of f.geometry.coordinates) {
        for (const ring of polygon) {
          trace(ring);
          doc.closePath();
        }
        doc.fillColor("#f4f1ea").fill("even-odd");
      }
    }
    for (const f of features) {
      if (
        (f.properties.layer !== "border" && f.properties.layer !== "coast") ||
        f.geometry.type !== "MultiLineString"
      )
        continue;
      for (const line of f.geometry.coordinates) trace(line);
      if (f.properties.layer === "border")
        doc.dash(4, { space: 2 }).lineWidth(0.8).strokeColor("#9a8aa6").stroke();
      else doc.undash().lineWidth(0.6).strokeColor("#8fb3cf").stroke();
      doc.undash();
    }
    doc.font(layout.FONT.regular).fontSize(6.5).fillColor("#555");
    for (const f of features) {
      if (f.properties.layer !== "settlement" || f.geometry.type !== "Point") continue;
      const [lo, la] = f.geometry.coordinates;
      if ((f.properties.rank ?? 4) > 3 && spanY > 0.6) continue;
      const x = px(lo);
      const y = py(la);
      if (x < x0 || x > x0 + w || y < y0 || y > y0 + height) continue;
      doc.circle(x, y, 1.3).fill("#666");
      doc
        .fillColor("#444")
        .text((lang === "en" ? f.properties.name_en : f.properties.name_ru) ?? "", x + 2.5, y - 3.5, {
          lineBreak: false,
        });
    }
    for (const [i, o] of [...shown.entries()].reverse()) {
      doc
        .moveTo(px(q.lon), py(q.lat))
        .lineTo(px(o.lon), py(o.lat))
        .lineWidth(i === 0 ? 2 : 1.2)
        .strokeColor(STATUS_COLOUR[o.status]);
      if (o.status !== "available") doc.dash(4, { space: 3 });
      doc.stroke().undash();
      doc.circle(px(o.lon), py(o.lat), 5.5).fillAndStroke(STATUS_COLOUR[o.status], "#222");
      doc
        .font(layout.FONT.bold)
        .fontSize(6.5)
        .fillColor("#fff")
        .text(String(i + 1), px(o.lon) - 5.5, py(o.lat) - 3.2, {
          width: 11,
          align: "center",
          lineBreak: false,
        });
    }
    doc.circle(px(q.lon), py(q.lat), 5).lineWidth(2).fillAndStroke("#ffffff", "#000000");
    doc.restore();
    doc.rect(x0, y0, w, height).lineWidth(0.5).strokeColor(layout.COLOR.rule).stroke();
    doc
      .font(layout.FONT.regular)
      .fontSize(7)
      .fillColor(layout.COLOR.muted)
      .text(t.mapNote, x0, y0 + height + 3, { width: w });
    doc.fillColor(layout.COLOR.text);
    doc.x = x0;
    doc.moveDown(0.6);
  }
}
