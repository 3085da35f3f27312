// Our verifier of detached CMS signatures (CAdES-BES and the CMS inside a
// PAdES signature): the message digest against the content, the signature
// with the signer's certificate, the signing-certificate attribute against
// that certificate, the chain to a configured trust anchor with every
// certificate valid at the signing time, and the signer's key usage
// (digitalSignature or nonRepudiation, RFC 5280 §4.2.1.3). RSA and ECDSA are
// checked here with node:crypto; GOST R 34.10-2012 signatures go to
// `openssl cms -verify` with the gost engine (node:crypto has no GOST), and
// the certificate checks stay here.
//
// The signing time is the signer's claim (the signing-time attribute, or
// the PDF signature's /M): without a trusted timestamp (CAdES-T) nothing
// proves it. docs/documents.md says what that means.
import { execFile } from "node:child_process";
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, id_ce_keyUsage, KeyUsage, KeyUsageFlags } from "@peculiar/asn1-x509";
import { derToPem, GOST_OIDS, NODE_DIGESTS, NotASignature, OID, type ParsedSigner, parseCms } from "./cms.ts";
import { embeddedSignatures } from "./pades.ts";
import { opensslEnv } from "./signers.ts";

export const VerifyFailures = [
  "CONTENT_CHANGED",
  "BAD_SIGNATURE",
  "WRONG_CERTIFICATE",
  "EXPIRED",
  "UNTRUSTED",
  "KEY_USAGE",
  "UNSUPPORTED",
  /** A PDF with bytes after its newest signature: what they add is signed by nobody. */
  "NOT_COVERED",
] as const;
export type VerifyFailure = (typeof VerifyFailures)[number];

export interface SignerInfo {
  /** The certificate's subject, one line (RFC 4514 order as Node prints it, commas). */
  subject: string;
  issuer: string;
  serial: string;
  /** The claimed signing time, ISO UTC; null when the signature has none (PAdES: see the PDF's /M). */
  signingTime: string | null;
  algorithm: "RSA" | "ECDSA" | "GOST R 34.10-2012";
  certificateSha256: string;
}

export type VerifyResult =
  | { valid: true; signers: SignerInfo[] }
  | { valid: false; code: VerifyFailure; reason: string; signers: SignerInfo[] };

export interface VerifyOptions {
  /** Trust anchors (root or intermediate CA certificates), DER. */
  trustAnchors: readonly Buffer[];
  /** The time to check certificates at when the signature has no signing-time (PAdES: the /M of the PDF). */
  atTime?: Date;
  /** How `openssl` is run for GOST (default "openssl"). */
  openssl?: string;
}

export { NotASignature };

const oneLine = (dn: string): string => dn.split("\n").filter(Boolean).join(", ");

const ECDSA_OIDS: ReadonlySet<string> = new Set([
  OID.ecdsaSha256,
  OID.ecdsaSha384,
  OID.ecdsaSha512,
  OID.ecPublicKey,
]);

function describe(p: ParsedSigner, cert: X509Certificate | null): SignerInfo {
  const algorithm =
    GOST_OIDS.has(p.signatureOid) || GOST_OIDS.has(p.digestOid)
      ? "GOST R 34.10-2012"
      : ECDSA_OIDS.has(p.signatureOid)
        ? "ECDSA"
        : "RSA";
  return {
    subject: cert ? oneLine(cert.subject) : "(certificate not included)",
    issuer: cert ? oneLine(cert.issuer) : "",
    serial: cert?.serialNumber ?? "",
    signingTime: p.signingTime?.toISOString() ?? null,
    algorithm,
    certificateSha256: cert ? createHash("sha256").update(cert.raw).digest("hex") : "",
  };
}

const fail = (code: VerifyFailure, reason: string, signers: SignerInfo[]): VerifyResult => ({
  valid: false,
  code,
  reason,
  signers,
});

const validAt = (cert: X509Certificate, at: Date): boolean =>
  Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);

/** The key usage bits (RFC 5280 §4.2.1.3), or null without the extension. */
const keyUsage = (der: Buffer): number | null => {
  const ext = AsnConvert.parse(der, Certificate).tbsCertificate.extensions?.find(
    (e) => e.extnID === id_ce_keyUsage,
  );
  return ext ? AsnConvert.parse(ext.extnValue, KeyUsage).toNumber() : null;
};

/** The chain from `leaf` to an anchor (leaf first), checking issuers' signatures; null when none is found. */
function chainTo(
  leaf: X509Certificate,
  pool: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): X509Certificate[] | null {
  const chain = [leaf];
  if (anchors.some((a) => a.fingerprint256 === leaf.fingerprint256)) return chain;
  let current = leaf;
  for (let depth = 0; depth < 8; depth++) {
    const issuedBy = (c: X509Certificate) => {
      try {
        return current.checkIssued(c) && c.ca && current.verify(c.publicKey);
      } catch {
        return false;
      }
    };
    const anchor = anchors.find(issuedBy);
    if (anchor) return [...chain, anchor];
    const next = pool.find((c) => c.fingerprint256 !== current.fingerprint256 && issuedBy(c));
    if (!next) return null;
    chain.push(next);
    current = next;
  }
  return null;
}

/** Verifies a detached CMS over `content`. Throws NotASignature for bytes that are no CMS SignedData. */
export async function verifyDetached(
  content: Buffer,
  p7s: Buffer,
  opts: VerifyOptions,
): Promise<VerifyResult> {
  const cms = parseCms(p7s);
  const anchors = opts.trustAnchors.map((d) => new X509Certificate(d));
  const pool = cms.certificates.map((d) => new X509Certificate(d));
  const signers: SignerInfo[] = [];
  for (const p of cms.signers) {
    const cert = p.certificate ? new X509Certificate(p.certificate) : null;
    const info = describe(p, cert);
    signers.push(info);
    if (!cert) return fail("WRONG_CERTIFICATE", "the signer's certificate is not in the signature", signers);
    if (!p.signedAttrsDer || !p.messageDigest)
      return fail("UNSUPPORTED", "a signature without signed attributes is not CAdES", signers);
    if (p.contentType !== null && p.contentType !== "1.2.840.113549.1.7.1")
      return fail("UNSUPPORTED", `content type ${p.contentType} is not id-data`, signers);
    const scHash = p.signingCertificateHash;
    if (!scHash)
      return fail("WRONG_CERTIFICATE", "no signing-certificate attribute (CAdES-BES needs one)", signers);
    const at = p.signingTime ?? opts.atTime ?? new Date();
    if (GOST_OIDS.has(p.signatureOid) || GOST_OIDS.has(p.digestOid)) {
      const r = await verifyWithOpenssl(content, p7s, anchors, at, opts.openssl ?? "openssl");
      if (r) return fail(r.code, r.reason, signers);
    } else {
      const algorithm = NODE_DIGESTS[p.digestOid];
      if (!algorithm) return fail("UNSUPPORTED", `digest algorithm ${p.digestOid} is not supported`, signers);
      const digest = createHash(algorithm).update(content).digest();
      if (!digest.equals(p.messageDigest))
        return fail(
          "CONTENT_CHANGED",
          "the document's digest differs from the signed one: the document was changed",
          signers,
        );
      const certHashAlg = NODE_DIGESTS[scHash.oid];
      if (!certHashAlg || !createHash(certHashAlg).update(cert.raw).digest().equals(scHash.hash))
        return fail(
          "WRONG_CERTIFICATE",
          "the signing-certificate attribute names another certificate",
          signers,
        );
      let ok = false;
      try {
        ok = cryptoVerify(algorithm, p.signedAttrsDer, cert.publicKey, p.signature);
      } catch {
        ok = false;
      }
      if (!ok)
        return fail("BAD_SIGNATURE", "the signature does not verify with the signer's certificate", signers);
      const chain = chainTo(cert, pool, anchors);
      if (!chain)
        return fail("UNTRUSTED", `no chain from "${info.subject}" to a configured trust anchor`, signers);
      for (const c of chain)
        if (!validAt(c, at))
          return fail(
            "EXPIRED",
            `certificate "${oneLine(c.subject)}" is not valid at the signing time ${at.toISOString()} (valid ${new Date(c.validFrom).toISOString()} – ${new Date(c.validTo).toISOString()})`,
            signers,
          );
    }
    // Key usage and validity of the signer's certificate: checked here for GOST too.
    if (!validAt(cert, at))
      return fail(
        "EXPIRED",
        `the signer's certificate is not valid at the signing time ${at.toISOString()}`,
        signers,
      );
    let usage: number | null = null;
    try {
      usage = keyUsage(cert.raw);
    } catch {
      usage = null;
    }
    if (usage !== null && (usage & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) === 0)
      return fail("KEY_USAGE", "the signer's certificate is not for signatures (key usage)", signers);
  }
  return { valid: true, signers };
}

/**
 * The embedded signatures of a PDF, oldest first, each verified over the
 * revision it signs (certificates checked at its /M when the CMS carries no
 * signing time), each signer's time being that /M when the CMS has none.
 * The newest must cover the whole file: bytes appended after it (another
 * incremental update) are signed by nobody and could change what a reader
 * shows, so it is NOT_COVERED. Throws NotASignature for a /Contents that is
 * no CMS; an empty list for a PDF without signatures.
 */
export async function verifyEmbedded(
  pdf: Buffer,
  opts: VerifyOptions,
): Promise<(VerifyResult & { coversUpTo: number })[]> {
  const found = embeddedSignatures(pdf);
  const out: (VerifyResult & { coversUpTo: number })[] = [];
  for (const [i, e] of found.entries()) {
    const r = await verifyDetached(e.content, e.cms, {
      ...opts,
      ...(e.signingTime ? { atTime: e.signingTime } : {}),
    });
    const signers = r.signers.map((s) => ({
      ...s,
      signingTime: s.signingTime ?? e.signingTime?.toISOString() ?? null,
    }));
    const newest = i === found.length - 1;
    if (r.valid && newest && e.coversUpTo !== pdf.length)
      out.push({
        valid: false,
        code: "NOT_COVERED",
        reason: `${pdf.length - e.coversUpTo} bytes were added after the last signature (it covers bytes 0–${e.coversUpTo} of ${pdf.length})`,
        signers,
        coversUpTo: e.coversUpTo,
      });
    else out.push({ ...r, signers, coversUpTo: e.coversUpTo });
  }
  return out;
}

interface OpensslFailure {
  code: VerifyFailure;
  reason: string;
}

const run = (cmd: string, args: string[]): Promise<{ code: number; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: 30_000, maxBuffer: 1 << 20, env: opensslEnv() },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stderr: String(stderr) });
      },
    );
  });

/** `openssl cms -verify` with the gost engine at the signing time; null when valid. */
async function verifyWithOpenssl(
  content: Buffer,
  p7s: Buffer,
  anchors: readonly X509Certificate[],
  at: Date,
  openssl: string,
): Promise<OpensslFailure | null> {
  const dir = await mkdtemp(join(tmpdir(), "vetra-verify-"));
  try {
    await writeFile(join(dir, "content"), content);
    await writeFile(join(dir, "sig.p7s"), p7s);
    await writeFile(join(dir, "anchors.pem"), anchors.map((a) => derToPem(a.raw)).join(""));
    const r = await run(openssl, [
      "cms",
      "-verify",
      "-engine",
      "gost",
      // The ESS signing-certificate(-v2) attribute must name the signer's certificate (CAdES-BES).
      "-cades",
      "-binary",
      "-inform",
      "DER",
      "-content",
      join(dir, "content"),
      "-in",
      join(dir, "sig.p7s"),
      ...(anchors.length > 0 ? ["-CAfile", join(dir, "anchors.pem")] : []),
      "-no-CApath",
      "-no-CAstore",
      "-attime",
      String(Math.floor(at.getTime() / 1000)),
      "-out",
      join(dir, "out"),
    ]);
    if (r.code === 0) return null;
    const e = r.stderr;
    if (/digest failure|verify_content/i.test(e))
      return { code: "CONTENT_CHANGED", reason: "the document was changed (digest failure)" };
    if (/expired|not yet valid/i.test(e))
      return { code: "EXPIRED", reason: "a certificate is not valid at the signing time" };
    if (/unable to get (local )?issuer|self[- ]signed|untrusted|unable to verify/i.test(e))
      return { code: "UNTRUSTED", reason: "no chain to a configured trust anchor" };
    if (/\bess\b/i.test(e))
      return {
        code: "WRONG_CERTIFICATE",
        reason: "the signing-certificate attribute names another certificate",
      };
    if (/unsupported certificate purpose|key usage/i.test(e))
      return { code: "KEY_USAGE", reason: "the signer's certificate is not for signatures" };
    if (/signature failure/i.test(e))
      return { code: "BAD_SIGNATURE", reason: "the signature does not verify with the signer's certificate" };
    return {
      code: "BAD_SIGNATURE",
      reason: `openssl: ${e.split("\n").find((l) => l.includes(":error:")) ?? e.trim()}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
