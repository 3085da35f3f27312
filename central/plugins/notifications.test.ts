// Notification routes on a real central app (temp SQLite, app.inject): rule
// replacement with validation errors naming the key, write-only secrets,
// company isolation, the deliveries with their outcome and a manual retry —
// sent to a real webhook receiver on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/helpers/notify-receivers.ts";

const SECRET = "a-long-webhook-secret-42";

let f: CentralFixture;
let receiver: WebhookReceiver;
beforeAll(async () => {
  // The receiver is on loopback: admitted explicitly, as an admin admits an on-premises one.
  f = await makeCentralFixture({ config: { notifications: { webhookAllowList: ["127.0.0.1"] } } });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await f.close();
  await receiver.close();
});

type Who = "admin" | "ministry" | "north" | "south";
const call = (who: Who, method: "GET" | "PUT" | "POST", url: string, payload?: object) =>
  f.app.inject({ method, url, headers: f.auth(f.tokens[who]), payload });
const rulesUrl = (company: string) => `/api/v1/companies/${company}/notification-rules`;

const northRules = () => [
  {
    id: "ops-hook",
    channel: "webhook",
    target: receiver.url("/north"),
    secret: SECRET,
    minSeverity: "alarm",
    events: ["raised", "escalated"],
  },
  {
    channel: "email",
    target: "duty@north.example",
    events: ["raised", "cleared"],
    quietFrom: "22:00",
    quietTo: "07:00",
    digestMinutes: 60,
  },
];

describe("notification rules", () => {
  it("a company replaces its rules; the secret is never returned", async () => {
    const put = await call("north", "PUT", rulesUrl("sc-north"), { rules: northRules() });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.body).not.toContain(SECRET);
    expect(put.body).not.toContain('"secret"');
    const { rules } = put.json() as { rules: Record<string, unknown>[] };
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({
      id: "ops-hook",
      channel: "webhook",
      hasSecret: true,
      minSeverity: "alarm",
    });
    expect(rules[1]).toMatchObject({
      channel: "email",
      hasSecret: false,
      minSeverity: "warning",
      quietFrom: "22:00",
      quietTo: "07:00",
      digestMinutes: 60,
      enabled: true,
    });
    expect(typeof rules[1]!.id).toBe("string");

    const get = await call("north", "GET", rulesUrl("sc-north"));
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual(put.json());
    expect(get.body).not.toContain(SECRET);
    const admin = await call("admin", "GET", rulesUrl("sc-north"));
    expect(admin.body).not.toContain(SECRET);
    expect(admin.json()).toEqual(put.json());
  });

  it("a rule sent back by id without a secret keeps it", async () => {
    const current = (await call("north", "GET", rulesUrl("sc-north"))).json() as {
      rules: Record<string, unknown>[];
    };
    const back = current.rules.map(({ hasSecret: _, ...r }) => r);
    const put = await call("north", "PUT", rulesUrl("sc-north"), { rules: back });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().rules[0]).toMatchObject({ id: "ops-hook", hasSecret: true });
    expect(await f.app.notifier.rules.lookup("sc-north", "ops-hook")).toEqual({ secret: SECRET });
  });

  it("refuses invalid rules with a message naming the key, and changes nothing", async () => {
    const before = (await call("north", "GET", rulesUrl("sc-north"))).json();
    const cases: [unknown, string][] = [
      [
        { ...northRules()[0], target: "ftp://example.org/hook" },
        "body.rules[0].target: must be an http:// or https:// URL",
      ],
      [{ ...northRules()[0], id: "new", secret: undefined }, "body.rules[0].secret: required for a webhook"],
      [{ ...northRules()[0], secret: "short" }, "body.rules[0].secret"],
      [{ ...northRules()[1], target: "duty at north" }, "body.rules[0].target: not an e-mail address"],
      [{ ...northRules()[1], quietTo: undefined }, "body.rules[0].quietTo: required"],
      [{ ...northRules()[1], quietFrom: "25:00" }, "body.rules[0].quietFrom"],
      [{ ...northRules()[1], events: ["raised", "exploded"] }, "body.rules[0].events[1]"],
      [{ ...northRules()[1], cc: "boss@north.example" }, "body.rules[0].cc: unknown key"],
      [{ ...northRules()[1], digestMinutes: 5000 }, "body.rules[0].digestMinutes"],
    ];
    for (const [rule, message] of cases) {
      const res = await call("north", "PUT", rulesUrl("sc-north"), { rules: [rule] });
      expect(res.statusCode, `${message}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_FAILED");
      expect(res.json().error.message).toContain(message);
    }
    const dup = await call("north", "PUT", rulesUrl("sc-north"), {
      rules: [northRules()[0], northRules()[0]],
    });
    expect(dup.json().error.message).toBe('body.rules[1].id: duplicate id "ops-hook"');
    expect((await call("north", "GET", rulesUrl("sc-north"))).json()).toEqual(before);
  });

  it("isolates companies: sc-north cannot read or change sc-south's rules (404)", async () => {
    const southRules = [{ channel: "email", target: "duty@south.example", events: ["raised"] }];
    expect((await call("south", "PUT", rulesUrl("sc-south"), { rules: southRules })).statusCode).toBe(200);
    const read = await call("north", "GET", rulesUrl("sc-south"));
    expect(read.statusCode).toBe(404);
    expect(read.body).not.toContain("duty@south.example");
    expect((await call("north", "PUT", rulesUrl("sc-south"), { rules: [] })).statusCode).toBe(404);
    expect((await call("south", "GET", rulesUrl("sc-north"))).statusCode).toBe(404);
    expect((await call("admin", "GET", rulesUrl("no-such-company"))).statusCode).toBe(404);
    // The ministry reads, and may not change.
    expect((await call("ministry", "GET", rulesUrl("sc-south"))).statusCode).toBe(200);
    expect((await call("ministry", "PUT", rulesUrl("sc-south"), { rules: [] })).statusCode).toBe(403);
    const south = (await call("admin", "GET", rulesUrl("sc-south"))).json();
    expect(south.rules.map((r: { target: string }) => r.target)).toEqual(["duty@south.example"]);
  });
});

describe("deliveries", () => {
  it("lists a company's deliveries with their outcome, and retries a failed one", async () => {
    receiver.script("/north", [{ status: 400, body: "schema mismatch" }]);
    const now = Date.now();
    const { service } = f.app;
    await service.book.reconcile(
      [
        {
          asset: "T01",
          point: "main_bearing",
          fault: "bearing_outer_race",
          severity: "alarm",
          sinceMs: now,
          isoZone: null,
        },
      ],
      now,
      { clearAfterMs: 3_600_000, routeOf: await service.evaluator.routes() },
    );
    const alarm = (await service.book.resolve("T01:main_bearing:bearing_outer_race"))!;
    expect(alarm.company).toBe("sc-north");
    await f.app.notifier.pump();

    const mine = await call("north", "GET", "/api/v1/notifications");
    expect(mine.statusCode, mine.body).toBe(200);
    const list = mine.json().notifications as {
      id: string;
      status: string;
      lastError: string;
      alarms: string[];
    }[];
    const hook = list.find((d) => d.status === "failed")!;
    expect(hook).toMatchObject({ status: "failed", alarms: [alarm.id] });
    expect(hook.lastError).toBe("HTTP 400 Bad Request"); // the status line, never the receiver's body
    // The e-mail rule's digest is held for its window (and would need an SMTP server).
    expect(list.map((d) => d.status).sort()).toEqual(["failed", "held"]);

    expect((await call("south", "GET", "/api/v1/notifications")).json().notifications).toEqual([]);
    expect(
      (await call("south", "GET", "/api/v1/notifications?company=sc-north")).json().notifications,
    ).toEqual([]);
    const filtered = await call(
      "admin",
      "GET",
      `/api/v1/notifications?company=sc-north&status=failed&alarm=${encodeURIComponent(alarm.id)}`,
    );
    expect(filtered.json().notifications.map((d: { id: string }) => d.id)).toEqual([hook.id]);
    expect(
      (await call("admin", "GET", "/api/v1/notifications?alarm=T02:x:y:1")).json().notifications,
    ).toEqual([]);
    expect((await call("admin", "GET", "/api/v1/notifications?status=lost")).statusCode).toBe(400);

    expect((await call("south", "POST", `/api/v1/notifications/${hook.id}/retry`)).statusCode).toBe(404);
    const retry = await call("north", "POST", `/api/v1/notifications/${hook.id}/retry`);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().notification).toMatchObject({ id: hook.id, status: "pending", attempts: 0 });
    const again = await call("north", "POST", `/api/v1/notifications/${hook.id}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("CONFLICT");

    await f.app.notifier.pump();
    const after = (await call("north", "GET", `/api/v1/notifications?status=sent`)).json().notifications;
    expect(after.map((d: { id: string }) => d.id)).toEqual([hook.id]);
    expect(receiver.at("/north")).toHaveLength(2);
  });
});

describe("OpenAPI", () => {
  it("lists the notification routes with their tags and schemas", async () => {
    const res = await f.app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
    };
    for (const [path, method] of [
      ["/api/v1/companies/{id}/notification-rules", "get"],
      ["/api/v1/companies/{id}/notification-rules", "put"],
      ["/api/v1/notifications", "get"],
      ["/api/v1/notifications/{id}/retry", "post"],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op?.tags, `${method} ${path}`).toEqual(["notifications"]);
      expect(op?.summary).toBeTruthy();
    }
  });
});
