// node-opcua tests at load time, on Node 20, whether RSA PKCS#1 v1.5
// decryption works (Node disabled it for CVE-2023-46809) and, when it does
// not, prints warning NODE-OPCUA-W27 — on stdout, on every start of anything
// that loads OPC UA. It never concerns a Vetra user: PKCS#1 v1.5 encryption
// is used only by the Basic128Rsa15 security policy (IEC 62541-7, deprecated),
// which Vetra neither offers nor accepts (edge-agent/config-sources.ts,
// OpcuaSecurityPolicies: Basic256Sha256, Aes128_Sha256_RsaOaep and
// Aes256_Sha256_RsaPss all encrypt with RSA-OAEP). So exactly that check's
// output is dropped; every other node-opcua warning still reaches stderr.
// Each module that imports node-opcua calls this (idempotent) right after its imports.
import { format } from "node:util";
import { setWarningLogger } from "node-opcua-client";

/** node-opcua-debug names the caller's file without extension; the check lives alone in this one. */
const RSA_PKCS1_CHECK_FILE = "verify_pcks1";

let installed = false;

export function quietRsaPkcs1Check(): void {
  if (installed) return;
  installed = true;
  setWarningLogger((context: unknown, ...args: unknown[]) => {
    const where = (context ?? {}) as { filename?: string; callerline?: number };
    if (where.filename === RSA_PKCS1_CHECK_FILE) return;
    process.stderr.write(
      `node-opcua ${where.filename ?? "?"}:${where.callerline ?? "?"} ${format(...args)}\n`,
    );
  });
}
