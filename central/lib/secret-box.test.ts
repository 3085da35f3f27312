import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadOrCreateSecretKey, SecretBox, SecretBoxError } from "./secret-box.ts";

const dir = mkdtempSync(join(tmpdir(), "vetra-box-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SecretBox (AES-256-GCM)", () => {
  const box = new SecretBox(randomBytes(32));

  it("opens what it sealed, in the same context only, and never twice the same bytes", () => {
    const a = box.seal("whsec-0123456789abcdef", "rule/a");
    const b = box.seal("whsec-0123456789abcdef", "rule/a");
    expect(a.equals(b)).toBe(false); // a fresh nonce per value
    expect(a.includes(Buffer.from("whsec"))).toBe(false);
    expect(box.open(a, "rule/a")).toBe("whsec-0123456789abcdef");
    expect(() => box.open(a, "rule/b")).toThrow(SecretBoxError);
  });

  it("refuses a changed byte, another key, a short or foreign value, and a key of the wrong size", () => {
    const sealed = box.seal("secret", "ctx");
    for (const i of [0, 5, 20, sealed.length - 1]) {
      const changed = Buffer.from(sealed);
      changed[i] = changed[i]! ^ 1;
      expect(() => box.open(changed, "ctx")).toThrow(SecretBoxError);
    }
    expect(() => new SecretBox(randomBytes(32)).open(sealed, "ctx")).toThrow(SecretBoxError);
    expect(() => box.open(Buffer.from("secret"), "ctx")).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });
});

describe("the key file", () => {
  it("is made once, 0600, and read the same afterwards", () => {
    const path = join(dir, "a", "secrets.key");
    const first = loadOrCreateSecretKey(path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "a")).mode & 0o777).toBe(0o700);
    expect(loadOrCreateSecretKey(path).equals(first)).toBe(true);
  });

  it("names the file when it is not 32 bytes of base64", () => {
    for (const content of ["", "short", `${randomBytes(16).toString("base64")}\n`, "!!!!"]) {
      const path = join(dir, `bad-${Math.random()}.key`);
      writeFileSync(path, content, { mode: 0o600 });
      expect(() => loadOrCreateSecretKey(path)).toThrow(`${path}: expected 32 random bytes in base64`);
    }
  });
});
