// Every signer kind through the conformance suite: a PKCS#12 software key
// (ECDSA P-256 and RSA-2048, made by the demo PKI) and an external command
// — openssl with Debian's gost engine signing GOST R 34.10-2012 / 34.11-2012
// as a certified provider's tool would (bytes in, DER CMS out).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { ensureDemoPki } from "../../cli/demo-pki.ts";
import { describeSignerConformance } from "../../test/documents/signer.conformance.ts";
import { pemBlocks } from "./cms.ts";
import { CommandSigner, openSigner } from "./signers.ts";

const opensslOk = spawnSync("openssl", ["version"]).status === 0;
const gostOk = opensslOk && spawnSync("openssl", ["engine", "gost"], { encoding: "utf8" }).status === 0;
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
  const ca = join(dir, "ca.pem");
  const make = () => {
    if (!existsSync(ca)) {
      const run = (args: string[]) => {
        const r = spawnSync("openssl", args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
      };
      run([
        "req",
        "-engine",
        "gost",
        "-x509",
        "-newkey",
        "gost2012_256",
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        join(dir, "ca.key"),
        "-out",
        ca,
        "-days",
        "30",
        "-subj",
        "/CN=GOST test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ]);
      run([
        "req",
        "-engine",
        "gost",
        "-new",
        "-newkey",
        "gost2012_256",
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        join(dir, "org.key"),
        "-out",
        join(dir, "org.csr"),
        "-subj",
        "/CN=ООО Ромашка/O=ООО Ромашка",
        "-utf8",
      ]);
      writeFileSync(
        join(dir, "ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
      );
      run([
        "x509",
        "-engine",
        "gost",
        "-req",
        "-in",
        join(dir, "org.csr"),
        "-CA",
        ca,
        "-CAkey",
        join(dir, "ca.key"),
        "-CAcreateserial",
        "-days",
        "20",
        "-extfile",
        join(dir, "ext"),
        "-out",
        join(dir, "org.pem"),
      ]);
    }
    return new CommandSigner({
      kind: "command",
      command: [
        "openssl",
        "cms",
        "-sign",
        "-engine",
        "gost",
        "-binary",
        "-outform",
        "DER",
        "-cades",
        "-md",
        "md_gost12_256",
        "-signer",
        join(dir, "org.pem"),
        "-inkey",
        join(dir, "org.key"),
      ],
      certificate: join(dir, "org.pem"),
      timeoutMs: 30_000,
    });
  };
  describeSignerConformance("command (openssl -engine gost, GOST R 34.10-2012 256)", async () => ({
    signer: make(),
    caFile: ca,
    anchors: anchorsOf(ca),
    gost: true,
  }));
});
