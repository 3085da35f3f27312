// The `documents` section of central's config: who the region is, the
// requisites of every party (validated: INN/KPP/OGRN check digits, BIC,
// account control keys — requisites.ts), who signs for each organisation
// (signers.ts) and the trust anchors signatures are verified against.
// Contract terms (fee, credit, VAT) are on each contract (../config.ts).
import { type Static, Type } from "@sinclair/typebox";
import { PERCENT_PATTERN } from "./money.ts";
import { checkRequisites, type Requisites, RequisitesSchema } from "./requisites.ts";
import { SignerConfigSchema } from "./signers.ts";

export const DocumentsConfigSchema = Type.Object(
  {
    /** The tenant id of the region (the customer of the service companies, issuer of the register). */
    region: Type.String({ minLength: 1, default: "region" }),
    /**
     * VAT rate, per cent, where a contract names none: 22 is the standard
     * rate of the Tax Code art. 164 p. 3 from 1 January 2026 (20 before);
     * "0" for an executor not paying VAT.
     */
    vatRatePercent: Type.String({ pattern: PERCENT_PATTERN, default: "22" }),
    /** Requisites per organisation id (the region and each company). */
    requisites: Type.Record(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,128}$" }), RequisitesSchema, {
      default: {},
    }),
    /** Who signs for each organisation. */
    signers: Type.Record(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,128}$" }), SignerConfigSchema, {
      default: {},
    }),
    /** Trust anchors (PEM files with one or more CA certificates) for verifying signatures. */
    trustAnchors: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

export type DocumentsConfig = Static<typeof DocumentsConfigSchema>;

/** Cross-checks the section (key paths from the config's root), or null. */
export function checkDocumentsConfig(docs: DocumentsConfig, tenants: ReadonlySet<string>): string | null {
  if (
    !tenants.has(docs.region) &&
    (Object.keys(docs.requisites).length > 0 || Object.keys(docs.signers).length > 0)
  )
    return `documents.region: unknown tenant "${docs.region}"`;
  for (const [id, r] of Object.entries(docs.requisites)) {
    if (!tenants.has(id)) return `documents.requisites.${id}: unknown tenant "${id}"`;
    const problem = checkRequisites(r as Requisites);
    if (problem) return `documents.requisites.${id}.${problem}`;
  }
  for (const [id, s] of Object.entries(docs.signers)) {
    if (!tenants.has(id)) return `documents.signers.${id}: unknown tenant "${id}"`;
    if (s.kind === "pkcs12" && s.passwordFile && s.passwordEnv)
      return `documents.signers.${id}: passwordFile or passwordEnv, not both`;
  }
  return null;
}
