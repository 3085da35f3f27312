// Issue 13, finding 6: a revoked token kept its live alarm stream for
// minutes. Over real sockets against a real central: revoking a token ends
// its open streams within a second — revoked through the API of this
// replica, or in the shared metadata by another process (another replica) —
// while other tokens' streams stay open, and the reconnect is refused.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { META_FILE, MetaStore } from "../../central/meta/meta.ts";
import { startTestCentral, type TestCentral } from "../helpers/central.ts";

interface OpenStream {
  /** Resolves with the time the stream ended (ms since the epoch). */
  ended: Promise<number>;
  abort(): void;
}

describe("finding 6: revocation closes live streams at once", () => {
  let c: TestCentral;
  beforeAll(async () => {
    c = await startTestCentral();
  });
  afterAll(async () => c?.close());

  const open = async (token: string): Promise<OpenStream> => {
    const controller = new AbortController();
    const res = await fetch(`${c.url}/api/v1/alarms/stream`, {
      headers: { ...c.auth(token), accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read(); // "retry: 3000": the stream is live
    expect(new TextDecoder().decode(first.value)).toContain("retry:");
    const ended = (async () => {
      try {
        while (!(await reader.read()).done) {}
      } catch {
        // Aborted by the test, or the connection reset: ended either way.
      }
      return Date.now();
    })();
    return { ended, abort: () => controller.abort() };
  };
  const newToken = (label: string) =>
    c.meta.createToken({ role: "service_company", tenant: "sc-north", label });
  const stillOpen = async (s: OpenStream, ms: number) =>
    (await Promise.race([
      s.ended.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), ms)),
    ])) === true;

  it("ends the token's streams within a second of DELETE /api/v1/tokens/:id; the others stay open", async () => {
    const token = newToken("revoked through the API");
    const other = newToken("stays");
    const [a, b] = [await open(token), await open(token)];
    const unrelated = await open(other);
    try {
      const revokedAt = Date.now();
      const res = await fetch(`${c.url}/api/v1/tokens/${c.meta.tokenIdOf(token)}`, {
        method: "DELETE",
        headers: c.auth(c.tokens.admin),
      });
      expect(res.status).toBe(200);
      for (const s of [a, b]) expect((await s.ended) - revokedAt).toBeLessThan(1000);
      expect(await stillOpen(unrelated, 1500)).toBe(true);
      const again = await fetch(`${c.url}/api/v1/alarms/stream`, { headers: c.auth(token) });
      expect(again.status).toBe(401);
    } finally {
      for (const s of [a, b, unrelated]) s.abort();
    }
  });

  it("ends them within a second when another replica revokes the token in the shared metadata", async () => {
    const token = newToken("revoked elsewhere");
    const stream = await open(token);
    const replica = new MetaStore(join(c.dataDir, META_FILE));
    try {
      const revokedAt = Date.now();
      expect(replica.revokeToken(token)).toBe(true);
      expect((await stream.ended) - revokedAt).toBeLessThan(1000);
    } finally {
      stream.abort();
      replica.close();
    }
  });
});
