// The demo's public-key infrastructure, made with `openssl` at the first
// start: a demo CA and, per organisation (the region and each company), an
// ECDSA P-256 key and certificate (key usage digitalSignature and
// nonRepudiation; the organisation's INN in the subject as INNLE, OID
// 1.2.643.100.4, as Russian qualified certificates carry it) in a PKCS#12
// file with a random password beside it. Every file is 0600. An existing
// set is reused, so signatures made before a restart stay verifiable.
// Nothing here is a qualified certificate: docs/documents.md.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { opensslEnv, type Pkcs12SignerConfig } from "../central/documents/signers.ts";

export interface PkiOrganisation {
  id: string;
  name: string;
  inn: string;
}

export interface DemoPki {
  /** The CA certificate (PEM file): the trust anchor. */
  caFile: string;
  signers: Record<string, Pkcs12SignerConfig>;
}

const openssl = (args: string[], env: NodeJS.ProcessEnv = opensslEnv()): Promise<void> =>
  new Promise((resolve, reject) => {
    execFile("openssl", args, { env, timeout: 60_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`openssl ${args[0]}: ${String(stderr).trim() || error.message}`)) : resolve(),
    );
  });

/** Escapes a value for openssl's -subj ("/" and "\" are special). */
const subj = (v: string) => v.replace(/[\\/]/g, (c) => `\\${c}`);

export async function ensureDemoPki(
  dir: string,
  organisations: readonly PkiOrganisation[],
  opts: { keyType?: "ec" | "rsa"; days?: number } = {},
): Promise<DemoPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyArgs =
    opts.keyType === "rsa"
      ? ["-newkey", "rsa:2048"]
      : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  const caKey = join(dir, "ca.key");
  const caFile = join(dir, "ca.pem");
  if (!existsSync(caFile) || !existsSync(caKey)) {
    await openssl([
      "req",
      "-x509",
      ...keyArgs,
      "-nodes",
      "-utf8",
      "-sha256",
      "-keyout",
      caKey,
      "-out",
      caFile,
      "-days",
      "3650",
      "-subj",
      "/C=RU/O=Vetra demo/CN=Vetra demo CA (not qualified)",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-addext",
      "subjectKeyIdentifier=hash",
    ]);
    await chmod(caKey, 0o600);
    await chmod(caFile, 0o600);
  }
  const signers: Record<string, Pkcs12SignerConfig> = {};
  for (const org of organisations) {
    const p12 = join(dir, `${org.id}.p12`);
    const pass = join(dir, `${org.id}.pass`);
    signers[org.id] = { kind: "pkcs12", file: p12, passwordFile: pass };
    if (existsSync(p12) && existsSync(pass)) continue;
    const key = join(dir, `${org.id}.key`);
    const csr = join(dir, `${org.id}.csr`);
    const cert = join(dir, `${org.id}.pem`);
    const ext = join(dir, `${org.id}.ext`);
    await writeFile(pass, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
    await writeFile(
      ext,
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
      { mode: 0o600 },
    );
    try {
      await openssl([
        "req",
        "-new",
        ...keyArgs,
        "-nodes",
        "-utf8",
        "-sha256",
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        `/C=RU/O=${subj(org.name)}/CN=${subj(org.name)}/1.2.643.100.4=${org.inn}`,
      ]);
      await chmod(key, 0o600);
      await openssl([
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        caFile,
        "-CAkey",
        caKey,
        "-CAcreateserial",
        "-sha256",
        "-days",
        String(opts.days ?? 825),
        "-extfile",
        ext,
        "-out",
        cert,
      ]);
      await openssl([
        "pkcs12",
        "-export",
        "-inkey",
        key,
        "-in",
        cert,
        "-certfile",
        caFile,
        "-name",
        org.id,
        "-passout",
        `file:${pass}`,
        "-out",
        p12,
      ]);
      await chmod(p12, 0o600);
    } finally {
      // The key lives on in the PKCS#12 file only.
      for (const f of [key, csr, ext, cert]) await rm(f, { force: true });
    }
  }
  await rm(join(dir, "ca.srl"), { force: true });
  return { caFile, signers };
}
