// Who signs for an organisation: a Signer makes a detached CMS over bytes
// (the document, or a PDF's byte range) with that organisation's key. One
// interface, a registry of kinds, and the configuration that picks one per
// organisation. Every kind passes test/documents/signer.conformance.ts.
//
// - `pkcs12`: a software key in a PKCS#12 file (password from a file or an
//   environment variable). The file is opened with `openssl pkcs12` (it
//   reads every PKCS#12 variant, legacy ciphers included with -legacy), the
//   key is kept in memory, and the CMS is built here (cms.ts), so PAdES
//   signatures can leave the signing-time attribute out.
// - `command`: an external signer — a certified crypto provider's command
//   line tool, a token's, or `openssl` with an engine: the bytes to sign on
//   its standard input, the DER CMS (detached) on its standard output, exit 0.
//   The key never enters this process. GOST R 34.10-2012 is proved this way
//   (docs/documents.md shows the command).
import { execFile, spawn } from "node:child_process";
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { type CmsSigningKey, pemBlocks, signDetached } from "./cms.ts";

export interface SignOptions {
  /** The signing-time attribute's value; null leaves it out (PAdES: the PDF's /M carries the time). */
  signingTime: Date | null;
}

export interface Signer {
  readonly kind: string;
  /** The signing certificate, DER (the organisation's; shown and matched when signatures are checked). */
  certificate(): Buffer;
  /** A detached CMS SignedData (DER) over `content`. */
  sign(content: Buffer, opts: SignOptions): Promise<Buffer>;
}

export const Pkcs12SignerSchema = Type.Object(
  {
    kind: Type.Literal("pkcs12"),
    file: Type.String({ minLength: 1 }),
    /** A file holding the password (first line), or… */
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
    /** …the name of an environment variable holding it. */
    passwordEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$" })),
  },
  { additionalProperties: false },
);

export const CommandSignerSchema = Type.Object(
  {
    kind: Type.Literal("command"),
    /** argv of the tool: the bytes on stdin, the DER CMS on stdout. */
    command: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** The signing certificate (PEM or DER) the tool signs with. */
    certificate: Type.String({ minLength: 1 }),
    timeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
  },
  { additionalProperties: false },
);

export const SignerConfigSchema = Type.Union([Pkcs12SignerSchema, CommandSignerSchema]);
export type SignerConfig = Static<typeof SignerConfigSchema>;
export type Pkcs12SignerConfig = Static<typeof Pkcs12SignerSchema>;
export type CommandSignerConfig = Static<typeof CommandSignerSchema>;

/**
 * The environment for `openssl`: the process's, without an OPENSSL_CONF
 * that names no file (a library loaded in the same process may set it to
 * "undefined", and openssl then refuses to start).
 */
export function opensslEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const conf = env.OPENSSL_CONF;
  if (conf !== undefined && (conf === "undefined" || !existsSync(conf))) delete env.OPENSSL_CONF;
  return env;
}

/** A signer that cannot be opened (file, password, key/certificate mismatch); the message names the cause. */
export class SignerError extends Error {
  override readonly name = "SignerError";
}

const readCertificate = (path: string): Buffer => {
  const bytes = readFileSync(path);
  const text = bytes.toString("latin1");
  return text.includes("-----BEGIN CERTIFICATE-----") ? pemBlocks(text, "CERTIFICATE")[0]! : bytes;
};

const spki = (key: KeyObject): Buffer => key.export({ type: "spki", format: "der" });

/** The key and certificates of a PKCS#12 file, through `openssl pkcs12` (password passed by environment). */
export async function readPkcs12(
  file: string,
  password: string,
  openssl = "openssl",
): Promise<CmsSigningKey> {
  const pem = await new Promise<string>((resolve, reject) => {
    execFile(
      openssl,
      ["pkcs12", "-in", file, "-nodes", "-passin", "env:VETRA_PKCS12_PASSWORD"],
      { env: opensslEnv({ VETRA_PKCS12_PASSWORD: password }), timeout: 30_000, maxBuffer: 1 << 22 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new SignerError(
              `${file}: cannot open the PKCS#12 file (${
                String(stderr)
                  .split("\n")
                  .find((l) => l.trim()) ?? error.message
              })`,
            ),
          );
        else resolve(String(stdout));
      },
    );
  });
  const keyPem =
    /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem);
  if (!keyPem) throw new SignerError(`${file}: no private key in the PKCS#12 file`);
  const privateKey = createPrivateKey(keyPem[0]);
  const certs = pemBlocks(pem, "CERTIFICATE");
  const own = spki(createPublicKey(privateKey));
  const certificate = certs.find((c) => spki(new X509Certificate(c).publicKey).equals(own));
  if (!certificate) throw new SignerError(`${file}: no certificate of the private key in the PKCS#12 file`);
  return { privateKey, certificate, chain: certs.filter((c) => !c.equals(certificate)) };
}

export class Pkcs12Signer implements Signer {
  readonly kind = "pkcs12";
  private constructor(private readonly key: CmsSigningKey) {}

  static async open(config: Pkcs12SignerConfig, env: Record<string, string | undefined> = process.env) {
    let password: string;
    if (config.passwordFile) password = readFileSync(config.passwordFile, "utf8").split(/\r?\n/)[0] ?? "";
    else if (config.passwordEnv) {
      const value = env[config.passwordEnv];
      if (value === undefined) throw new SignerError(`environment variable ${config.passwordEnv} is not set`);
      password = value;
    } else password = "";
    return new Pkcs12Signer(await readPkcs12(config.file, password));
  }

  /** A signer over a key already in memory (tests, and keys loaded by other means). */
  static fromKey(key: CmsSigningKey): Pkcs12Signer {
    return new Pkcs12Signer(key);
  }

  certificate(): Buffer {
    return this.key.certificate;
  }

  async sign(content: Buffer, opts: SignOptions): Promise<Buffer> {
    return signDetached(content, this.key, opts.signingTime);
  }
}

/** Largest CMS a command may print (a signature with a long chain is a few kilobytes). */
const MAX_CMS_BYTES = 1 << 20;

export class CommandSigner implements Signer {
  readonly kind = "command";
  private readonly cert: Buffer;

  constructor(private readonly config: CommandSignerConfig) {
    try {
      this.cert = readCertificate(config.certificate);
      new X509Certificate(this.cert);
    } catch (error) {
      throw new SignerError(`${config.certificate}: not a certificate (${(error as Error).message})`);
    }
  }

  certificate(): Buffer {
    return this.cert;
  }

  /** Runs the command; the time of signing is the tool's own (it decides on signing-time). */
  sign(content: Buffer, _opts: SignOptions): Promise<Buffer> {
    const [cmd, ...args] = this.config.command;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, args, {
        stdio: ["pipe", "pipe", "pipe"],
        timeout: this.config.timeoutMs,
        env: opensslEnv(),
      });
      const out: Buffer[] = [];
      let size = 0;
      let err = "";
      child.stdout.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_CMS_BYTES) child.kill();
        else out.push(c);
      });
      child.stderr.on("data", (c: Buffer) => {
        if (err.length < 4096) err += c.toString();
      });
      child.on("error", (e) => reject(new SignerError(`${cmd}: ${e.message}`)));
      child.on("close", (code, signal) => {
        if (code === 0 && size > 0 && size <= MAX_CMS_BYTES) resolve(Buffer.concat(out));
        else
          reject(
            new SignerError(
              `${cmd}: ${signal ? `stopped by ${signal}` : `exit ${code}`}${err.trim() ? `: ${err.trim().split("\n").slice(-1)[0]}` : ""}`,
            ),
          );
      });
      child.stdin.on("error", () => undefined); // a tool that exits early; its exit code tells
      child.stdin.end(content);
    });
  }
}

/** The registry: one opener per kind. */
export const SIGNER_KINDS: {
  [K in SignerConfig["kind"]]: (config: Extract<SignerConfig, { kind: K }>) => Promise<Signer>;
} = {
  pkcs12: (config) => Pkcs12Signer.open(config),
  command: async (config) => new CommandSigner(config),
};

export function openSigner(config: SignerConfig): Promise<Signer> {
  return (SIGNER_KINDS[config.kind] as (c: SignerConfig) => Promise<Signer>)(config);
}
