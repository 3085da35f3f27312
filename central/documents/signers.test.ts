// Every signer kind through the conformance suite: a PKCS#12 software key
// (ECDSA P-256 and RSA-2048, made by the demo PKI) and an external command
// — openssl with Debian's gost engine signing GOST R 34.10-2012 / 34.11-2012
// as a certified provider's tool would (bytes in, DER CMS out).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { ensureDemoPki } from "../../cli/demo-pki.ts";
import { gostOk, makeGostPki, opensslOk } from "../../test/documents/fixtures.ts";
import { describeSignerConformance } from "../../test/documents/signer.conformance.ts";
import { pemBlocks } from "./cms.ts";
import { openSigner } from "./signers.ts";

if (process.env.CI && !gostOk) throw new Error("openssl with libengine-gost-openssl is required under CI");

const anchorsOf = (file: string) => pemBlocks(readFileSync(file, "utf8"), "CERTIFICATE");

for (const keyType of ["ec", "rsa"] as const) {
  describe.skipIf(!opensslOk)(`pkcs12 ${keyType}`, () => {
    let made: Promise<{ signerConfig: Parameters<typeof openSigner>[0]; caFile: string }> | null = null;
    const once = () => {
      made ??= (async () => {
        const pki = await ensureDemoPki(
          join(mkdtempSync(join(tmpdir(), "vetra-pki-")), "pki"),
          [{ id: "sc-a", name: "ООО «Ромашка»", inn: "7707083893" }],
          { keyType },
        );
        return { signerConfig: pki.signers["sc-a"]!, caFile: pki.caFile };
      })();
      return made;
    };
    describeSignerConformance(`pkcs12 (${keyType})`, async () => {
      const { signerConfig, caFile } = await once();
      return { signer: await openSigner(signerConfig), caFile, anchors: anchorsOf(caFile) };
    });
  });
}

describe.skipIf(!gostOk)("command signer, GOST R 34.10-2012 through openssl's gost engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-gost-"));
  describeSignerConformance("command (openssl -engine gost, GOST R 34.10-2012 256)", async () => {
    const pki = makeGostPki(dir);
    return { signer: pki.signer, caFile: pki.caFile, anchors: anchorsOf(pki.caFile), gost: true };
  });
});
