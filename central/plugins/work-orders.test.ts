// Work orders and the service report over HTTP on a real central app (real
// SQLite, real embedded store): an edge diagnosis ingested through the API
// becomes an alarm; an order made from it goes through its whole life with
// photos and parts; the printable PDF read back with pdftotext names the
// asset, the fault in Russian and the parts; invalid transitions are 409;
// photos whose bytes are not what they claim are refused; one company never
// sees another's orders or report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import {
  type CentralFixture,
  FIXTURE_FLEET,
  makeCentralFixture,
} from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";
import {
  cutJpeg,
  damagedPng,
  greyJpeg,
  pdfText,
  skipPdfText,
  solidPng,
} from "../../test/helpers/service-files.ts";
import type { AlarmRecord } from "../maintenance/alarm-book.ts";
import { MAX_PHOTO_BYTES, type WorkOrder, WorkOrders } from "../maintenance/work-orders.ts";

const MIN = 60_000;
const OUTER_RACE = { frequency_hz: 87.4, amplitude: 0.031, snr_db: 14.2, harmonics: 3, confidence: 0.86 };

describe.each(metadataKinds())("work orders over HTTP (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  let now: number;
  let north: AlarmRecord;
  let south: AlarmRecord;

  type Who = keyof CentralFixture["tokens"];
  const call = (who: Who, method: "GET" | "POST" | "PATCH", url: string, payload?: unknown) =>
    f.app.inject({
      method,
      url,
      headers: f.auth(f.tokens[who]),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const upload = (who: Who, id: string, bytes: Buffer, type: string) =>
    f.app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${id}/photos`,
      headers: { ...f.auth(f.tokens[who]), "content-type": type },
      payload: bytes,
    });
  const openOrder = async (alarm: AlarmRecord, who: Who, body: object = {}) => {
    const res = await call(who, "POST", `/api/v1/alarms/${encodeURIComponent(alarm.id)}/work-orders`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().workOrder as WorkOrder;
  };

  beforeAll(async () => {
    now = Date.now();
    f = await makeCentralFixture({
      metadata: await metadata(),
      clock: () => now,
      config: { alarms: { evaluateEveryMs: 0 } },
    });
    // What an edge agent of wf1 reports: an outer-race fault on T01 (sc-north), imbalance on T02 (sc-south).
    const diagnosis = (asset: string, point: string, fault: string, fields: Record<string, number>) => ({
      measurement: "diagnosis",
      tags: { site: "wf1", asset, point, fault },
      fields: { active: 1, raised_at_ms: now - 20 * MIN, ...fields },
      ts: now - MIN,
    });
    const ingest = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf1),
      payload: {
        batchId: "wo-test-batch-1",
        agent: "edge-wf1",
        site: "wf1",
        sentAt: now,
        points: [
          diagnosis("T01", "main_bearing", "bearing_outer_race", { severity: 2, ...OUTER_RACE }),
          diagnosis("T02", "generator_de", "imbalance", { severity: 1, confidence: 0.7, frequency_hz: 0.27 }),
        ],
      },
    });
    expect(ingest.statusCode, ingest.body).toBe(200);
    const evaluated = await f.app.service.evaluator.evaluate();
    expect(evaluated.kind).toBe("success");
    const { alarms } = await f.app.service.book.list({ sort: "asset", order: "asc" });
    expect(alarms.map((a) => [a.asset, a.company])).toEqual([
      ["T01", "sc-north"],
      ["T02", "sc-south"],
    ]);
    [north, south] = alarms as [AlarmRecord, AlarmRecord];
  });
  afterAll(async () => f.close());

  it("goes through the whole life: open, in progress with photos, done with findings and parts", async () => {
    const order = await openOrder(north, "north", {
      assignee: "Ivanov I.",
      description: "Check the main bearing",
    });
    expect(order).toMatchObject({
      alarm: north.id,
      asset: "T01",
      company: "sc-north",
      state: "open",
      assignee: "Ivanov I.",
      createdBy: "north ops",
      createdAt: new Date(now).toISOString(),
    });
    // The default title says what and where in the company's language (Russian).
    expect(order.title).toContain(DiagnosisNames.bearing_outer_race.ru);
    expect(order.title).toContain("Turbine 1");

    // The alarm's own history names the order.
    const alarmView = await call("north", "GET", `/api/v1/alarms/${encodeURIComponent(north.id)}`);
    const comments = (alarmView.json().events as { kind: string; comment: string; actor: string }[]).filter(
      (e) => e.kind === "comment",
    );
    expect(comments).toEqual([
      expect.objectContaining({ actor: "north ops", comment: `work order ${order.id} created` }),
    ]);

    now += 15 * MIN;
    const started = await call("north", "PATCH", `/api/v1/work-orders/${order.id}`, { state: "in_progress" });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json().workOrder).toMatchObject({
      state: "in_progress",
      startedAt: new Date(now).toISOString(),
    });

    const png = solidPng(64, 48, [180, 40, 40]);
    const jpeg = greyJpeg();
    const p1 = await upload("north", order.id, png, "image/png");
    const p2 = await upload("north", order.id, jpeg, "image/jpeg");
    expect([p1.statusCode, p2.statusCode], p1.body + p2.body).toEqual([201, 201]);
    const photo = p1.json().photo as { id: number; url: string; sizeBytes: number; contentType: string };
    expect(photo).toMatchObject({ contentType: "image/png", sizeBytes: png.length });
    const back = await call("north", "GET", photo.url);
    expect(back.statusCode).toBe(200);
    expect(back.headers["content-type"]).toBe("image/png");
    expect(back.rawPayload.equals(png)).toBe(true);

    now += 2 * 60 * MIN;
    const parts = [
      { name: "Подшипник SKF 240/600", partNumber: "240/600 ECA/W33", quantity: 1 },
      { name: "Смазка Mobil SHC 460", quantity: 4 },
    ];
    const done = await call("north", "PATCH", `/api/v1/work-orders/${order.id}`, {
      state: "done",
      findings: "Выкрашивание наружного кольца, подшипник заменён",
      parts,
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().workOrder).toMatchObject({
      state: "done",
      doneAt: new Date(now).toISOString(),
      parts,
    });

    const view = await call("north", "GET", `/api/v1/work-orders/${order.id}`);
    expect(view.statusCode, view.body).toBe(200);
    const body = view.json();
    expect(body.workOrder.id).toBe(order.id);
    expect(body.alarm).toMatchObject({ id: north.id, fault: "bearing_outer_race", severity: "alarm" });
    expect(body.alarm.faultText).toBe(DiagnosisNames.bearing_outer_race.ru);
    expect(body.alarm.evidence).toMatchObject({ source: "diagnosis", fields: OUTER_RACE });
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual([
      "created",
      "assigned",
      "state",
      "photo",
      "photo",
      "state",
      "findings",
      "parts",
    ]);
    expect(body.photos.map((p: { contentType: string }) => p.contentType)).toEqual([
      "image/png",
      "image/jpeg",
    ]);

    const listed = await call("north", "GET", "/api/v1/work-orders?state=done&asset=T01");
    expect(listed.json().workOrders.map((o: WorkOrder) => o.id)).toEqual([order.id]);
  });

  describe.skipIf(skipPdfText)("the printable work order (pdftotext)", () => {
    it("names the asset, the fault in Russian, the parts, the findings and the history; English on request", async () => {
      const order = await openOrder(north, "admin", { title: "Замена подшипника", assignee: "Петров П." });
      await call("admin", "PATCH", `/api/v1/work-orders/${order.id}`, {
        state: "done",
        findings: "Наружное кольцо повреждено",
        parts: [
          { name: "Подшипник SKF 240/600", partNumber: "240/600 ECA/W33", quantity: 1 },
          { name: "Уплотнение вала", partNumber: "CR 600x640", quantity: 2 },
        ],
      });
      const res = await call("north", "GET", `/api/v1/work-orders/${order.id}?format=pdf`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/pdf");
      const text = pdfText(res.rawPayload);
      for (const expected of [
        `Наряд-заказ ${order.id}`,
        "Замена подшипника",
        "Turbine 1",
        "Wind farm 1",
        TurbinePoints.main_bearing.ru,
        DiagnosisNames.bearing_outer_race.ru,
        "тревога",
        "выполнен",
        "Петров П.",
        "Подшипник SKF 240/600",
        "240/600 ECA/W33",
        "Уплотнение вала",
        "CR 600x640",
        "Наружное кольцо повреждено",
        "Подписи",
        "Выполнил",
      ])
        expect(text, expected).toContain(expected);
      // The evidence as the edge measured it, Russian decimal comma.
      expect(text).toContain(String(OUTER_RACE.frequency_hz).replace(".", ","));

      const en = pdfText(
        (await call("ministry", "GET", `/api/v1/work-orders/${order.id}?format=pdf&lang=en`)).rawPayload,
      );
      for (const expected of [
        `Work order ${order.id}`,
        DiagnosisNames.bearing_outer_race.en,
        "Уплотнение вала",
        "Parts and materials",
        "Signatures",
      ])
        expect(en, expected).toContain(expected);
    });

    it("embeds the photos", async () => {
      const order = await openOrder(north, "north");
      await upload("north", order.id, solidPng(320, 240, [20, 90, 200]), "image/png");
      await upload("north", order.id, greyJpeg(), "image/jpeg");
      const pdf = (await call("north", "GET", `/api/v1/work-orders/${order.id}?format=pdf`)).rawPayload;
      // Two image XObjects in the file, one per photo.
      expect(pdf.toString("latin1").match(/\/Subtype \/Image/g)?.length).toBe(2);
      expect(pdfText(pdf)).toContain(`Фото №`);
    });
  });

  it("refuses transitions that do not follow, and any change to a done order, with 409", async () => {
    const order = await openOrder(north, "north");
    const patch = (body: object) => call("north", "PATCH", `/api/v1/work-orders/${order.id}`, body);
    expect((await patch({ state: "in_progress" })).statusCode).toBe(200);
    const back = await patch({ state: "open" });
    expect(back.statusCode).toBe(409);
    expect(back.json().error.code).toBe("CONFLICT");
    expect((await patch({ state: "done" })).statusCode).toBe(200);
    for (const body of [
      { state: "in_progress" },
      { findings: "later" },
      { parts: [{ name: "bolt", quantity: 1 }] },
    ]) {
      const res = await patch(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(409);
      expect(res.json().error.message).toMatch(/done is final/);
    }
    expect((await upload("north", order.id, solidPng(2, 2, [0, 0, 0]), "image/png")).statusCode).toBe(409);
    // Malformed changes are 400, not 409.
    for (const body of [
      {},
      { state: "cancelled" },
      { parts: [{ name: "", quantity: 1 }] },
      { parts: [{ name: "x", quantity: 0 }] },
      { colour: "red" },
    ])
      expect((await patch(body)).statusCode, JSON.stringify(body)).toBe(400);
  });

  it("refuses photos whose bytes are not the image they claim, other types and oversized bodies", async () => {
    const order = await openOrder(north, "north");
    const png = solidPng(8, 8, [1, 2, 3]);
    const jpeg = greyJpeg();
    const fake = Buffer.concat([Buffer.from("GIF89a"), png.subarray(6)]);
    for (const [bytes, type] of [
      [fake, "image/png"],
      [png, "image/jpeg"],
      [jpeg, "image/png"],
      [Buffer.from("<svg/>"), "image/jpeg"],
    ] as const) {
      const res = await upload("north", order.id, bytes, type);
      expect(res.statusCode, `${type}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_FAILED");
    }
    expect((await upload("north", order.id, png, "image/gif")).statusCode).toBe(415);
    const big = Buffer.alloc(MAX_PHOTO_BYTES + 1);
    jpeg.copy(big);
    const tooBig = await upload("north", order.id, big, "image/jpeg");
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe("PAYLOAD_TOO_LARGE");
    const view = await call("north", "GET", `/api/v1/work-orders/${order.id}`);
    expect(view.json().photos).toEqual([]);
    // Exactly at the limit is accepted.
    const atLimit = big.subarray(0, MAX_PHOTO_BYTES);
    expect((await upload("north", order.id, atLimit, "image/jpeg")).statusCode).toBe(201);
  });

  it("refuses a damaged PNG or JPEG at upload with 400 naming the damage", async () => {
    const order = await openOrder(north, "north");
    const png = await upload("north", order.id, damagedPng(), "image/png");
    expect(png.statusCode, png.body).toBe(400);
    expect(png.json().error.message).toMatch(/^body: damaged PNG: IDAT: /);
    const jpeg = await upload("north", order.id, cutJpeg(), "image/jpeg");
    expect(jpeg.statusCode, jpeg.body).toBe(400);
    expect(jpeg.json().error.message).toMatch(/^body: damaged JPEG: cut off/);
    expect((await call("north", "GET", `/api/v1/work-orders/${order.id}`)).json().photos).toEqual([]);
  });

  it.skipIf(skipPdfText)(
    "prints an order whose stored photo is damaged (from before uploads were checked whole): the photo is a note, never a hang",
    async () => {
      const order = await openOrder(north, "north");
      // Stored the way older versions stored it: by its first bytes only.
      const orders = new WorkOrders(f.meta.db, () => now);
      await orders.addPhoto(order.id, damagedPng(), "north ops");
      await orders.addPhoto(order.id, cutJpeg(), "north ops");
      await upload("north", order.id, solidPng(32, 24, [20, 90, 200]), "image/png");
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the PDF did not finish in 30 s")), 30_000);
      });
      const res = await Promise.race([
        call("north", "GET", `/api/v1/work-orders/${order.id}?format=pdf`),
        hang,
      ]);
      clearTimeout(timer);
      expect(res.statusCode).toBe(200);
      // The readable photo is embedded; the two damaged ones are notes.
      expect(res.rawPayload.toString("latin1").match(/\/Subtype \/Image/g)?.length).toBe(1);
      expect(pdfText(res.rawPayload).match(/изображение не удалось прочитать/g)?.length).toBe(2);
    },
    60_000,
  );

  it("keeps companies apart: another company's orders are 404 everywhere; the ministry reads but does not change", async () => {
    const mine = await openOrder(north, "north");
    const theirs = await openOrder(south, "south");
    const photo = (await upload("north", mine.id, solidPng(2, 2, [9, 9, 9]), "image/png")).json().photo;

    expect(
      (await call("south", "POST", `/api/v1/alarms/${encodeURIComponent(north.id)}/work-orders`, {}))
        .statusCode,
    ).toBe(404);
    for (const [method, url, body] of [
      ["GET", `/api/v1/work-orders/${mine.id}`, undefined],
      ["GET", `/api/v1/work-orders/${mine.id}?format=pdf`, undefined],
      ["PATCH", `/api/v1/work-orders/${mine.id}`, { state: "done" }],
      ["GET", photo.url, undefined],
    ] as const) {
      const res = await call("south", method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body).not.toContain("Turbine 1");
    }
    expect((await upload("south", mine.id, solidPng(2, 2, [0, 0, 0]), "image/png")).statusCode).toBe(404);
    expect((await call("north", "GET", `/api/v1/work-orders/${mine.id}`)).json().workOrder.state).toBe(
      "open",
    );

    const ids = async (who: Who, query = "") =>
      ((await call(who, "GET", `/api/v1/work-orders${query}`)).json().workOrders as WorkOrder[]).map(
        (o) => o.id,
      );
    const southSees = await ids("south");
    expect(southSees).toContain(theirs.id);
    expect(southSees).not.toContain(mine.id);
    expect(await ids("south", "?company=sc-north")).toEqual([]);
    expect(await ids("north")).not.toContain(theirs.id);
    expect(await ids("admin", "?company=sc-south")).toEqual(southSees);
    expect(await ids("ministry")).toEqual(expect.arrayContaining([mine.id, theirs.id]));

    expect((await call("ministry", "GET", `/api/v1/work-orders/${mine.id}`)).statusCode).toBe(200);
    expect(
      (await call("ministry", "PATCH", `/api/v1/work-orders/${mine.id}`, { state: "done" })).statusCode,
    ).toBe(403);
    expect(
      (await call("ministry", "POST", `/api/v1/alarms/${encodeURIComponent(north.id)}/work-orders`, {}))
        .statusCode,
    ).toBe(403);
    expect((await call("admin", "GET", "/api/v1/work-orders/WO-999")).statusCode).toBe(404);
  });

  it("serves the monthly service report to its company, the ministry and admin only", async () => {
    const month = new Date(now).toISOString().slice(0, 7);
    const own = await call("north", "GET", `/api/v1/reports/service?month=${month}`);
    expect(own.statusCode, own.body).toBe(200);
    const report = own.json();
    expect(report.company).toEqual({ id: "sc-north", name: FIXTURE_FLEET.tenants[0]!.name });
    // sc-north owns T01 and T03 and no contract moves them: both are in its report, T02 is not.
    expect(report.assets.map((a: { asset: string }) => a.asset)).toEqual(["T01", "T03"]);
    expect(report.links.csv).toBe(`/api/v1/reports/service?company=sc-north&month=${month}&format=csv`);

    expect(
      (await call("south", "GET", `/api/v1/reports/service?company=sc-north&month=${month}`)).statusCode,
    ).toBe(404);
    expect((await call("admin", "GET", `/api/v1/reports/service?month=${month}`)).statusCode).toBe(400);
    expect(
      (await call("admin", "GET", `/api/v1/reports/service?company=nobody&month=${month}`)).statusCode,
    ).toBe(404);
    expect(
      (await call("ministry", "GET", `/api/v1/reports/service?company=sc-north&month=2026-13`)).statusCode,
    ).toBe(400);
    const byMinistry = await call(
      "ministry",
      "GET",
      `/api/v1/reports/service?company=sc-north&month=${month}`,
    );
    expect(byMinistry.json().assets).toEqual(report.assets);
    expect(
      (await call("agentWf1", "GET", `/api/v1/reports/service?company=sc-north&month=${month}`)).statusCode,
    ).toBe(403);

    const csv = await call("north", "GET", `/api/v1/reports/service?month=${month}&format=csv`);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    expect(csv.headers["content-disposition"]).toContain(`service-sc-north-${month}.csv`);
    expect(
      csv.body
        .trim()
        .split("\r\n")
        .map((l) => l.split(",")[0]),
    ).toEqual(["asset", "T01", "T03", "TOTAL"]);

    // Without a month: the previous one in the company's zone (00:30 on 1 March in Moscow is still February in UTC).
    const saved = now;
    now = Date.parse("2026-03-01T00:30:00+03:00");
    const previous = await call("north", "GET", "/api/v1/reports/service");
    now = saved;
    expect(previous.json()).toMatchObject({ month: "2026-02", from: "2026-01-31T21:00:00.000Z" });

    // Exports are audited with who asked.
    const audit = (await call("admin", "GET", "/api/v1/audit")).json().entries as {
      action: string;
      actor: string;
    }[];
    expect(audit.some((e) => e.action === "GET /api/v1/reports/service" && e.actor === "north ops")).toBe(
      true,
    );
  });
});
