// Requisites that pass every check (real banks' BIC and correspondent
// accounts; INNs of real organisations; settlement account numbers made
// valid for the BIC by the control key of letter No. 515) and a PKI made
// with openssl for the document tests (GOST R 34.10-2012 through the gost
// engine).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NewDocument } from "../../central/documents/register.ts";
import type { Requisites } from "../../central/documents/requisites.ts";
import { CommandSigner, opensslEnv } from "../../central/documents/signers.ts";

/** Sberbank's BIC and correspondent account (published); an account keyed for it. */
export const SBER = { bic: "044525225", corr: "30101810400000000225" } as const;

/** The 20-digit account with its control key (position 9) set for `bic` (credit institution). */
export function keyedAccount(bic: string, base = "40702810X00000012345"): string {
  const w = [7, 1, 3];
  for (let k = 0; k <= 9; k++) {
    const account = base.replace("X", String(k));
    const d = [...(bic.slice(-3) + account)].map(Number);
    if (d.reduce((s, x, i) => s + ((x * w[i % 3]!) % 10), 0) % 10 === 0) return account;
  }
  throw new Error("no key");
}

export const requisites = (name: string, inn: string, kpp: string): Requisites => ({
  legalName: name,
  inn,
  kpp,
  address: "367000, Республика Дагестан, г. Махачкала, ул. Примерная, д. 1",
  bank: {
    name: "ПАО Сбербанк",
    bic: SBER.bic,
    correspondentAccount: SBER.corr,
    account: keyedAccount(SBER.bic),
  },
  signatory: { name: "И. И. Иванов", position: "Генеральный директор" },
});

/** Whether openssl runs, and with Debian's gost engine (libengine-gost-openssl). */
export const opensslOk = spawnSync("openssl", ["version"]).status === 0;
export const gostOk =
  opensslOk && spawnSync("openssl", ["engine", "gost"], { encoding: "utf8" }).status === 0;

export interface GostPki {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The external signer a certified provider's tool stands for: openssl with the gost engine. */
  signer: CommandSigner;
}

/**
 * A GOST R 34.10-2012 (256-bit, paramset A) CA and an organisation's key
 * and certificate made with openssl's gost engine in `dir`, and a command
 * signer over them (bytes in, DER CMS with a GOST R 34.11-2012 digest out).
 */
export function makeGostPki(dir: string, subject = "/CN=ООО Ромашка/O=ООО Ромашка"): GostPki {
  const caFile = join(dir, "gost-ca.pem");
  const certFile = join(dir, "gost-org.pem");
  const keyFile = join(dir, "gost-org.key");
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8", env: opensslEnv() });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  if (!existsSync(certFile)) {
    const gostKey = ["-newkey", "gost2012_256", "-pkeyopt", "paramset:A", "-nodes"];
    run([
      "req",
      "-engine",
      "gost",
      "-x509",
      ...gostKey,
      "-keyout",
      join(dir, "gost-ca.key"),
      "-out",
      caFile,
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
      ...gostKey,
      "-keyout",
      keyFile,
      "-out",
      join(dir, "gost-org.csr"),
      "-subj",
      subject,
      "-utf8",
    ]);
    writeFileSync(
      join(dir, "gost-org.ext"),
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    );
    run([
      "x509",
      "-engine",
      "gost",
      "-req",
      "-in",
      join(dir, "gost-org.csr"),
      "-CA",
      caFile,
      "-CAkey",
      join(dir, "gost-ca.key"),
      "-CAcreateserial",
      "-days",
      "20",
      "-extfile",
      join(dir, "gost-org.ext"),
      "-out",
      certFile,
    ]);
  }
  const signer = new CommandSigner({
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
      certFile,
      "-inkey",
      keyFile,
    ],
    certificate: certFile,
    timeoutMs: 30_000,
  });
  return { caFile, certFile, keyFile, signer };
}

/** A document to register: an act of `tag`'s company for November 2026. */
export const sampleDocument = (tag: string, over: Partial<NewDocument> = {}): NewDocument => ({
  type: "act_of_services",
  period: "2026-11",
  parties: [
    { role: "executor", org: `sc-${tag}`, name: `Company ${tag}` },
    { role: "customer", org: "region", name: "Region" },
  ],
  mediaType: "application/pdf",
  fileName: `act-${tag}.pdf`,
  issuedBy: "test",
  firstSigner: `sc-${tag}`,
  countersigner: "region",
  subject: `act_of_services:sc-${tag}:2026-11`,
  ...over,
});

/** True when NSS's certutil (Debian's libnss3-tools) is installed: pdfsig reads its trust from an NSS database. */
export const hasCertutil = (): boolean =>
  spawnSync("certutil", ["-H"], { stdio: "ignore" }).error === undefined;

/**
 * An NSS database in `dir` trusting `caFile` as an issuer ("CT,C,C": for
 * TLS, e-mail/document signing — the usage poppler checks a PDF signer's
 * certificate for — and object signing), for `pdfsig -nssdir` to report the
 * chain trusted as a relying party would.
 */
export function nssDatabaseTrusting(dir: string, caFile: string | null): string {
  const db = `sql:${dir}`;
  const run = (args: string[]) => {
    const r = spawnSync("certutil", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`certutil ${args.join(" ")}: ${r.stderr || r.stdout}`);
  };
  run(["-N", "-d", db, "--empty-password"]);
  if (caFile) run(["-A", "-d", db, "-n", "vetra-demo-ca", "-t", "CT,C,C", "-a", "-i", caFile]);
  return db;
}

/** `openssl cms -verify` of a detached DER signature file over a content file, against a CA file: its status and stderr. */
export const opensslCmsVerify = (contentFile: string, p7sFile: string, caFile: string) =>
  spawnSync(
    "openssl",
    [
      "cms",
      "-verify",
      "-binary",
      "-inform",
      "DER",
      "-content",
      contentFile,
      "-in",
      p7sFile,
      "-CAfile",
      caFile,
      "-out",
      "/dev/null",
    ],
    { encoding: "utf8" },
  );
