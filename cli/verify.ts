// `vetra verify FILE [--signature FILE.p7s] [--ca FILE]`: checks a detached
// CMS signature over FILE, or the embedded signatures of a signed PDF, with
// central's verifier (digest, signature, signing certificate, chain to the
// CA file's certificates at the signing time, key usage; GOST through
// openssl's gost engine; a PDF's newest signature must cover the whole
// file). Exit 0 and the signers with their times when valid; 1 with the
// reason when not; 2 on bad input.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pemBlocks } from "../central/documents/cms.ts";
import {
  NotASignature,
  type VerifyResult,
  verifyDetached,
  verifyEmbedded,
} from "../central/documents/verify.ts";
import { command, parseCommand, usageLine } from "../common/cli.ts";

export const VERIFY_COMMAND = command({
  name: "vetra verify",
  synopsis: ["vetra verify FILE [--signature FILE.p7s] [--ca FILE]"],
  arguments: {
    FILE: "the signed document (a PDF with embedded signatures, or any file with --signature)",
  },
  options: {
    signature: { type: "string", arg: "FILE", help: "a detached CMS signature (.p7s) over FILE" },
    ca: { type: "string", arg: "FILE", help: "the trusted CA certificates, PEM or DER" },
  },
  notes: ["exit 0 valid, 1 invalid, 2 bad input"],
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, name: "one FILE" },
});

export async function runVerify(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, VERIFY_COMMAND);
  if (typeof parsed === "number") return parsed;
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    console.error(usageLine("vetra verify", "one FILE is required"));
    return 2;
  }
  const read = async (path: string, what: string): Promise<Buffer | null> => {
    try {
      return await readFile(path);
    } catch (error) {
      console.error(
        `vetra verify: ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
      return null;
    }
  };
  const content = await read(file, "file");
  if (!content) return 2;
  let anchors: Buffer[] = [];
  if (parsed.values.ca) {
    const ca = await read(parsed.values.ca, "CA file");
    if (!ca) return 2;
    const pem = pemBlocks(ca.toString("latin1"), "CERTIFICATE");
    anchors = pem.length > 0 ? pem : [ca]; // one DER certificate
    try {
      for (const a of anchors) new X509Certificate(a);
    } catch {
      console.error(`vetra verify: CA file ${parsed.values.ca}: no certificate in it (PEM or DER)`);
      return 2;
    }
  } else console.error("vetra verify: no --ca given: no certificate is trusted");
  const results: { label: string; result: VerifyResult }[] = [];
  try {
    if (parsed.values.signature) {
      const p7s = await read(parsed.values.signature, "signature");
      if (!p7s) return 2;
      results.push({
        label: parsed.values.signature,
        result: await verifyDetached(content, p7s, { trustAnchors: anchors }),
      });
    } else {
      const embedded = await verifyEmbedded(content, { trustAnchors: anchors });
      if (embedded.length === 0) {
        console.error(
          `vetra verify: ${file} has no embedded signature; give the detached one with --signature`,
        );
        return 2;
      }
      for (const [i, result] of embedded.entries()) results.push({ label: `PDF signature ${i + 1}`, result });
    }
  } catch (error) {
    if (error instanceof NotASignature) {
      console.error(`vetra verify: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let valid = true;
  for (const { label, result } of results) {
    for (const s of result.signers)
      console.log(
        `${label}: ${s.subject} — signed ${s.signingTime ?? "(no signing time)"} (${s.algorithm}; issuer ${s.issuer})`,
      );
    if (result.valid) console.log(`${label}: valid`);
    else {
      valid = false;
      console.log(`${label}: INVALID (${result.code}): ${result.reason}`);
    }
  }
  return valid ? 0 : 1;
}
