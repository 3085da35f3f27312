// Issue 13, finding 8: secrets. Against a real central over real sockets:
// credentials never reach the log (Authorization, cookies, `token=` and its
// kin in URLs, however encoded) nor the audit log; every file and folder
// central writes in its data dir is its owner's only (0600/0700), files an
// older version left readable are narrowed at start; webhook secrets are
// sealed with a key kept outside the database, so a copy of the .sqlite
// files does not contain them, and secrets stored in plain text by an older
// version are sealed (and their plain text wiped) at start. The pages sign
// in without a token in the URL: see csp.test.ts and the page tests.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadOrCreateSecretKey,
  SECRETS_KEY_FILE,
  SecretBox,
  SecretBoxError,
} from "../../central/lib/secret-box.ts";
import { NotificationRules } from "../../central/maintenance/notify/rules.ts";
import { META_FILE, MetaStore } from "../../central/meta/meta.ts";
import { ingestOnePowerReading, startTestCentral, type TestCentral } from "../helpers/central.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-secrets-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every file and folder below `dir` (the folder itself included) with its permission bits. */
const modes = (dir: string): { path: string; dir: boolean; mode: number }[] => [
  { path: dir, dir: true, mode: statSync(dir).mode & 0o777 },
  ...readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? modes(path) : [{ path, dir: false, mode: statSync(path).mode & 0o777 }];
  }),
];

/** The metadata file and its write-ahead log, as bytes (what a copied backup holds). */
const databaseBytes = (dataDir: string): Buffer =>
  Buffer.concat(
    [META_FILE, `${META_FILE}-wal`]
      .filter((f) => existsSync(join(dataDir, f)))
      .map((f) => readFileSync(join(dataDir, f))),
  );

const putRules = (c: TestCentral, secret: string) =>
  fetch(`${c.url}/api/v1/companies/sc-north/notification-rules`, {
    method: "PUT",
    headers: { ...c.auth(c.tokens.admin), "content-type": "application/json" },
    body: JSON.stringify({
      rules: [
        { id: "hook", channel: "webhook", target: "https://hooks.example/vetra", secret, events: ["raised"] },
      ],
    }),
  });

describe("finding 8: secrets", () => {
  it("logs no credential: Authorization, cookies and token-like query values are redacted", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const c = await startTestCentral({ logger: { level: "trace", stream } });
    const secrets = [
      "s3cr3t-in-query",
      "s3cr3t-encoded-name",
      "s3cr3t-cookie",
      "s3cr3t-proxy",
      "s3cr3t-audit",
    ];
    try {
      await rawRequest(c.url, {
        method: "GET",
        url: `/api/v1/assets?token=${secrets[0]}&site=wf1`,
        headers: c.auth(c.tokens.admin),
      });
      await rawRequest(c.url, { method: "GET", url: `/%61pi/v1/alarms?%74oken=${secrets[1]}` });
      await rawRequest(c.url, {
        method: "GET",
        url: "/api/v1/fleet",
        headers: {
          ...c.auth(c.tokens.north),
          cookie: `session=${secrets[2]}`,
          "proxy-authorization": `Basic ${secrets[3]}`,
        },
      });
      await rawRequest(c.url, { method: "GET", url: "/api/v1/assets", headers: c.auth("wrong-token-guess") });
      const audited = await rawRequest(c.url, {
        method: "POST",
        url: `/api/v1/companies?access_token=${secrets[4]}`,
        headers: c.auth(c.tokens.admin),
        body: { id: "sc-logged", name: "Logged" },
      });
      expect(audited.status).toBe(201);
      expect((await c.meta.audit.list(1))[0]!.target).toBe("/api/v1/companies?access_token=[REDACTED]");
    } finally {
      await c.close();
    }
    const log = lines.join("");
    expect(log).toContain('"url":"/api/v1/assets?token=[REDACTED]&site=wf1"');
    expect(log).toContain("%74oken=[REDACTED]");
    for (const secret of [...secrets, c.tokens.admin, c.tokens.north, "wrong-token-guess"])
      expect(log).not.toContain(secret);
  });

  it("creates every file 0600 and every folder 0700, and narrows files an older version left readable", async () => {
    const parent = tempDir();
    const dataDir = join(parent, "data"); // absent: central creates it
    const c = await startTestCentral({ dataDir });
    try {
      const grid = await fetch(`${c.url}/api/v1/grid/connection-points`, {
        method: "PUT",
        headers: { ...c.auth(c.tokens.admin), "content-type": "application/json" },
        body: JSON.stringify({
          type: "FeatureCollection",
          features: [
            {
              type: "Feature",
              geometry: { type: "Point", coordinates: [47.5, 42.9] },
              properties: {
                id: "ps-1",
                name: "PS 1",
                voltages_kv: [110, 10],
                transformer_mva: [25, 25],
                peak_load_mw: 10,
              },
            },
          ],
        }),
      });
      expect(grid.status).toBe(200);
      expect((await putRules(c, "whsec-file-modes-0123456789")).status).toBe(200);
      await ingestOnePowerReading(c, "modes-1");
      const live = modes(dataDir);
      const names = live.map((m) => m.path.slice(dataDir.length));
      for (const expected of [
        `/${META_FILE}`,
        `/${META_FILE}-wal`,
        `/${META_FILE}-shm`,
        "/timeseries.sqlite",
        `/${SECRETS_KEY_FILE}`,
        "/grid",
      ])
        expect(names).toContain(expected);
      expect(names.some((n) => n.startsWith("/grid/"))).toBe(true);
      for (const m of live) expect(m.mode.toString(8), m.path).toBe(m.dir ? "700" : "600");
    } finally {
      await c.close();
    }

    // An older version's files, readable by everyone: narrowed at the next start.
    for (const f of readdirSync(dataDir))
      if (!statSync(join(dataDir, f)).isDirectory()) chmodSync(join(dataDir, f), 0o644);
    const again = await startTestCentral({ dataDir });
    try {
      for (const m of modes(dataDir))
        if (!m.dir && !m.path.includes("/grid/")) expect(m.mode.toString(8), m.path).toBe("600");
    } finally {
      await again.close();
    }
  });

  it("seals webhook secrets: a copy of the database files without the key does not contain them", async () => {
    const dataDir = join(tempDir(), "data");
    const secret = `whsec-${randomBytes(12).toString("hex")}`;
    const c = await startTestCentral({ dataDir });
    try {
      const res = await putRules(c, secret);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).not.toContain(secret);
      // While central runs (WAL not yet checkpointed) and after it stopped: the bytes are nowhere.
      expect(databaseBytes(dataDir).includes(Buffer.from(secret))).toBe(false);
    } finally {
      await c.close();
    }
    expect(databaseBytes(dataDir).includes(Buffer.from(secret))).toBe(false);

    // The copy with another key: the secrets do not open, and central says so instead of signing with garbage.
    const copy = tempDir();
    copyFileSync(join(dataDir, META_FILE), join(copy, META_FILE));
    const stolen = await MetaStore.openFile(join(copy, META_FILE));
    try {
      await expect(new NotificationRules(stolen.db, new SecretBox(randomBytes(32))).open()).rejects.toThrow(
        SecretBoxError,
      );
      await expect(new NotificationRules(stolen.db, new SecretBox(randomBytes(32))).open()).rejects.toThrow(
        /secrets key does not open/,
      );
      // With the key file beside the original data: the secret is there to sign with.
      const rules = await new NotificationRules(
        stolen.db,
        new SecretBox(loadOrCreateSecretKey(join(dataDir, SECRETS_KEY_FILE))),
      ).open();
      expect(await rules.lookup("sc-north", "hook")).toEqual({ secret });
    } finally {
      await stolen.close();
    }
  });

  it("seals the plain-text secrets an older version stored, and wipes their bytes from the file", async () => {
    const dataDir = join(tempDir(), "data");
    mkdirSync(dataDir);
    const secret = `whsec-legacy-${randomBytes(12).toString("hex")}`;
    // A file of the previous version (no schema version yet), its table as that version made it, with the
    // secret in plain text.
    const old = new Database(join(dataDir, META_FILE));
    old.pragma("journal_mode = WAL");
    old.exec(`CREATE TABLE notification_rule (
      company TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL,
      secret TEXT, min_severity TEXT NOT NULL, events TEXT NOT NULL, quiet_from TEXT, quiet_to TEXT,
      digest_minutes INTEGER NOT NULL, enabled INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (company, id))`);
    old
      .prepare(
        `INSERT INTO notification_rule VALUES ('sc-north', 'legacy', 0, 'webhook', 'https://hooks.example/old', ?, 'warning', '["raised"]', NULL, NULL, 0, 1, 0)`,
      )
      .run(secret);
    old.pragma("wal_checkpoint(TRUNCATE)");
    old.close();
    expect(databaseBytes(dataDir).includes(Buffer.from(secret))).toBe(true); // the test's premise

    const c = await startTestCentral({ dataDir });
    try {
      const rules = await fetch(`${c.url}/api/v1/companies/sc-north/notification-rules`, {
        headers: c.auth(c.tokens.admin),
      });
      expect(((await rules.json()) as { rules: { id: string; hasSecret: boolean }[] }).rules).toEqual([
        expect.objectContaining({ id: "legacy", hasSecret: true }),
      ]);
      expect(databaseBytes(dataDir).includes(Buffer.from(secret))).toBe(false);
    } finally {
      await c.close();
    }
    expect(databaseBytes(dataDir).includes(Buffer.from(secret))).toBe(false);
    const meta = await MetaStore.openFile(join(dataDir, META_FILE));
    try {
      const rules = await new NotificationRules(
        meta.db,
        new SecretBox(loadOrCreateSecretKey(join(dataDir, SECRETS_KEY_FILE))),
      ).open();
      expect(await rules.lookup("sc-north", "legacy")).toEqual({ secret });
    } finally {
      await meta.close();
    }
  });
});
