// Secrets central must be able to read back (a webhook's HMAC key) are kept
// sealed in the metadata database: AES-256-GCM (NIST SP 800-38D) with a
// fresh 96-bit nonce per value and the value's place (table, company, rule)
// as additional data, so a sealed value copied to another row does not
// open. The key lives outside the database — `<dataDir>/secrets.key`
// (0600, made at first start) or the file `secretsKeyFile` names — so a
// copied or backed-up database file alone reveals no secret.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PRIVATE_FILE_MODE, privateDir } from "./private-files.ts";

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;
export const SECRETS_KEY_FILE = "secrets.key";

/** A sealed value that does not open: another key, or changed bytes. */
export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES)
      throw new SecretBoxError(`a key of ${SECRET_KEY_BYTES} bytes is needed`);
    this.#key = Buffer.from(key);
  }

  /** `version | nonce | tag | ciphertext`. `context` must be given again to open it. */
  seal(plaintext: string, context: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]);
  }

  /** The plaintext; SecretBoxError when the value was sealed with another key or context, or was changed. */
  open(sealed: Uint8Array, context: string): string {
    const bytes = Buffer.from(sealed);
    if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== VERSION)
      throw new SecretBoxError("not a sealed value of this version");
    const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
    const tag = bytes.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(1 + NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new SecretBoxError("the value does not open with this key");
    }
  }
}

const decodeKey = (text: string, path: string): Buffer => {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== SECRET_KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()))
    throw new SecretBoxError(
      `${path}: expected ${SECRET_KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
    );
  return key;
};

/** Takes group and other access away from a key file that has it (one mounted read-only stays as it is). */
const narrow = (path: string): void => {
  if ((statSync(path).mode & 0o077) === 0) return;
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EROFS" && code !== "EPERM" && code !== "EACCES") throw error;
  }
};

/**
 * The key in `path` (base64 of 32 bytes), created at first use with 32
 * random bytes, 0600 (an existing file readable by others is narrowed). Creation is atomic (a complete temporary file is
 * hard-linked to the name, which fails if it exists), so replicas starting
 * together agree on one key.
 */
export function loadOrCreateSecretKey(path: string): Buffer {
  try {
    const key = decodeKey(readFileSync(path, "utf8"), path);
    narrow(path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  privateDir(dirname(path));
  const tmp = join(dirname(path), `.${SECRETS_KEY_FILE}.${process.pid}.${randomBytes(6).toString("hex")}`);
  writeFileSync(tmp, `${randomBytes(SECRET_KEY_BYTES).toString("base64")}\n`, {
    mode: PRIVATE_FILE_MODE,
    flag: "wx",
  });
  try {
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
  return decodeKey(readFileSync(path, "utf8"), path);
}

/** Central's box: the key file of the config (`secretsKeyFile`, default `<dataDir>/secrets.key`). */
export const openSecretBox = (config: { dataDir: string; secretsKeyFile?: string | undefined }): SecretBox =>
  new SecretBox(loadOrCreateSecretKey(config.secretsKeyFile ?? join(config.dataDir, SECRETS_KEY_FILE)));
