// One conformance suite for every Signer: what it makes is a detached CMS
// over exactly the given bytes that `openssl cms -verify` (with the gost
// engine for GOST) and central's verifier accept against the CA, naming
// the signer's certificate; a changed byte of the content or of the
// signature fails both.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Signer } from "../../central/documents/signers.ts";
import { verifyDetached } from "../../central/documents/verify.ts";

export function describeSignerConformance(
  name: string,
  make: () => Promise<{ signer: Signer; caFile: string; anchors: Buffer[]; gost?: boolean }>,
): void {
  describe(`Signer conformance: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-signer-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const opensslVerify = (content: Buffer, p7s: Buffer, caFile: string, gost: boolean) => {
      writeFileSync(join(dir, "doc"), content);
      writeFileSync(join(dir, "doc.p7s"), p7s);
      return spawnSync(
        "openssl",
        [
          "cms",
          "-verify",
          ...(gost ? ["-engine", "gost"] : []),
          "-binary",
          "-inform",
          "DER",
          "-content",
          join(dir, "doc"),
          "-in",
          join(dir, "doc.p7s"),
          "-CAfile",
          caFile,
          "-out",
          "/dev/null",
        ],
        { encoding: "utf8" },
      );
    };

    it("signs bytes detached: openssl and our verifier accept, the certificate is the signer's", async () => {
      const { signer, caFile, anchors, gost } = await make();
      const content = Buffer.from("%PDF-1.4\nАкт выполненных работ № WO-1\n%%EOF\n", "utf8");
      const p7s = await signer.sign(content, { signingTime: new Date() });
      const r = opensslVerify(content, p7s, caFile, gost ?? false);
      expect(r.status, r.stderr).toBe(0);
      const ours = await verifyDetached(content, p7s, { trustAnchors: anchors });
      expect(ours.valid, JSON.stringify(ours)).toBe(true);
      const { createHash } = await import("node:crypto");
      expect(ours.signers[0]!.certificateSha256).toBe(
        createHash("sha256").update(signer.certificate()).digest("hex"),
      );
      expect(ours.signers[0]!.signingTime).not.toBeNull();
    }, 60_000);

    it("a changed byte of the content or of the signature fails openssl and our verifier", async () => {
      const { signer, caFile, anchors, gost } = await make();
      const content = Buffer.from("invoice 2026-11 total 3 294 000,00 RUB");
      const p7s = await signer.sign(content, { signingTime: new Date() });
      const changed = Buffer.from(content);
      changed[8]! ^= 0x01;
      expect(opensslVerify(changed, p7s, caFile, gost ?? false).status).not.toBe(0);
      const ours = await verifyDetached(changed, p7s, { trustAnchors: anchors });
      expect(ours.valid ? "valid" : ours.code).toMatch(/CONTENT_CHANGED|BAD_SIGNATURE/);
      const bad = Buffer.from(p7s);
      bad[bad.length - 2]! ^= 0x01;
      expect(opensslVerify(content, bad, caFile, gost ?? false).status).not.toBe(0);
      expect((await verifyDetached(content, bad, { trustAnchors: anchors })).valid).toBe(false);
    }, 60_000);
  });
}
