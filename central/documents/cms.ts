// CMS SignedData (RFC 5652), detached, as CAdES-BES (ETSI EN 319 122-1
// baseline B) wants it: signed attributes content-type, message-digest,
// signing-time (left out for PAdES, whose signing time is the signature
// dictionary's /M, ETSI EN 319 142-1 §5.3) and signing-certificate-v2
// (RFC 5035) binding the signer's certificate, which is included with its
// chain. Built on the ASN.1 schemas of @peculiar/asn1-cms and asn1js
// (PeculiarVentures, maintained, typed); the signature itself is
// node:crypto's (RSA PKCS #1 v1.5 or ECDSA over SHA-256).
import { createHash, sign as cryptoSign, type KeyObject } from "node:crypto";
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  id_data,
  id_signedData,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate } from "@peculiar/asn1-x509";
import * as asn1js from "asn1js";

export const OID = {
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  sha1: "1.3.14.3.2.26",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  ecdsaSha512: "1.2.840.10045.4.3.4",
  // GOST R 34.10-2012 / 34.11-2012 (RFC 7091, RFC 6986; TC 26 OIDs).
  streebog256: "1.2.643.7.1.1.2.2",
  streebog512: "1.2.643.7.1.1.2.3",
  gost2012_256: "1.2.643.7.1.1.1.1",
  gost2012_512: "1.2.643.7.1.1.1.2",
  gostSign256: "1.2.643.7.1.1.3.2",
  gostSign512: "1.2.643.7.1.1.3.3",
} as const;

/** Digest algorithms node:crypto computes, by OID. */
export const NODE_DIGESTS: Record<string, string> = {
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
  [OID.sha1]: "sha1",
};

export const GOST_OIDS: ReadonlySet<string> = new Set([
  OID.streebog256,
  OID.streebog512,
  OID.gost2012_256,
  OID.gost2012_512,
  OID.gostSign256,
  OID.gostSign512,
]);

const toBuffer = (ab: ArrayBuffer | Uint8Array): Buffer =>
  ab instanceof Uint8Array ? Buffer.from(ab.buffer, ab.byteOffset, ab.byteLength) : Buffer.from(ab);

/** PEM blocks of a type ("CERTIFICATE") as DER. */
export function pemBlocks(pem: string, type: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`, "g");
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}

export const derToPem = (der: Buffer, type = "CERTIFICATE"): string =>
  `-----BEGIN ${type}-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END ${type}-----\n`;

const attribute = (oid: string, value: ArrayBuffer): Attribute =>
  new Attribute({ attrType: oid, attrValues: [value] });

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds. */
const timeValue = (at: Date): ArrayBuffer => {
  const date = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const year = date.getUTCFullYear();
  return (
    year >= 1950 && year < 2050
      ? new asn1js.UTCTime({ valueDate: date })
      : new asn1js.GeneralizedTime({ valueDate: date })
  ).toBER();
};

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 with SHA-256 (the DEFAULT, so omitted). */
const signingCertificateV2 = (certDer: Buffer): ArrayBuffer =>
  new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [new asn1js.OctetString({ valueHex: createHash("sha256").update(certDer).digest() })],
          }),
        ],
      }),
    ],
  }).toBER();

/** DER length prefix. */
const derLength = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

/** The signed attributes as signed: DER SET OF, elements in DER order (X.690 §11.6). */
function encodeSignedAttributes(attrs: Attribute[]): { sorted: Attribute[]; der: Buffer } {
  const encoded = attrs.map((a) => ({ a, der: toBuffer(AsnConvert.serialize(a)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  const body = Buffer.concat(encoded.map((e) => e.der));
  return {
    sorted: encoded.map((e) => e.a),
    der: Buffer.concat([Buffer.from([0x31]), derLength(body.length), body]),
  };
}

export interface CmsSigningKey {
  privateKey: KeyObject;
  /** The signer's certificate, DER. */
  certificate: Buffer;
  /** Intermediate and root certificates to include, DER (the signer's own is always included). */
  chain: readonly Buffer[];
}

/**
 * A detached CMS SignedData over `content`, DER. `signingTime` null leaves
 * the signing-time attribute out (PAdES).
 */
export function signDetached(content: Buffer, key: CmsSigningKey, signingTime: Date | null): Buffer {
  const cert = AsnConvert.parse(key.certificate, Certificate);
  const keyType = key.privateKey.asymmetricKeyType;
  if (keyType !== "rsa" && keyType !== "ec")
    throw new Error(`software signing supports RSA and ECDSA keys, not ${keyType ?? "this key"}`);
  const digest = createHash("sha256").update(content).digest();
  const attrs = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: id_data }).toBER()),
    ...(signingTime ? [attribute(OID.signingTime, timeValue(signingTime))] : []),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: digest }).toBER()),
    attribute(OID.signingCertificateV2, signingCertificateV2(key.certificate)),
  ];
  const { sorted, der } = encodeSignedAttributes(attrs);
  const signature = cryptoSign("sha256", der, key.privateKey);
  const signatureAlgorithm =
    keyType === "rsa"
      ? new AlgorithmIdentifier({ algorithm: OID.sha256WithRSA, parameters: new asn1js.Null().toBER() })
      : new AlgorithmIdentifier({ algorithm: OID.ecdsaSha256 });
  const sha256 = new AlgorithmIdentifier({ algorithm: OID.sha256 });
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: cert.tbsCertificate.issuer,
        serialNumber: cert.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: sha256,
    signedAttrs: sorted,
    signatureAlgorithm,
    signature: new OctetString(signature),
  });
  const certificates = [key.certificate, ...key.chain.filter((c) => !c.equals(key.certificate))];
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha256]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(
      certificates.map((c) => new CertificateChoices({ certificate: AsnConvert.parse(c, Certificate) })),
    ),
    signerInfos: new SignerInfos([signerInfo]),
  });
  return toBuffer(
    AsnConvert.serialize(
      new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) }),
    ),
  );
}

/** One signer of a parsed CMS, with what verification needs. */
export interface ParsedSigner {
  digestOid: string;
  signatureOid: string;
  /** DER of the signed attributes as a SET OF (what was signed). */
  signedAttrsDer: Buffer | null;
  signature: Buffer;
  messageDigest: Buffer | null;
  contentType: string | null;
  signingTime: Date | null;
  /** SHA-256 (v2 with default algorithm) or the named hash of the signing-certificate attribute. */
  signingCertificateHash: { oid: string; hash: Buffer } | null;
  /** The signer's certificate (DER) found in the CMS by issuer and serial or key id, or null. */
  certificate: Buffer | null;
}

export interface ParsedCms {
  certificates: Buffer[];
  /** The encapsulated content when not detached. */
  content: Buffer | null;
  signers: ParsedSigner[];
}

/** A CMS that is not one (bad DER, not SignedData): the caller's bad input. */
export class NotASignature extends Error {
  override readonly name = "NotASignature";
}

const readTime = (value: ArrayBuffer): Date | null => {
  const { result } = asn1js.fromBER(value);
  if (result instanceof asn1js.UTCTime || result instanceof asn1js.GeneralizedTime) return result.toDate();
  return null;
};

/** ESSCertIDv2 / ESSCertID: the first certificate's hash. */
const readSigningCertificate = (value: ArrayBuffer, v2: boolean): { oid: string; hash: Buffer } | null => {
  const { result } = asn1js.fromBER(value);
  const certs = (result as asn1js.Sequence).valueBlock?.value?.[0] as asn1js.Sequence | undefined;
  const first = certs?.valueBlock?.value?.[0] as asn1js.Sequence | undefined;
  const parts = first?.valueBlock?.value ?? [];
  let oid: string = v2 ? OID.sha256 : OID.sha1;
  let i = 0;
  if (v2 && parts[0] instanceof asn1js.Sequence) {
    const alg = parts[0].valueBlock.value[0];
    if (alg instanceof asn1js.ObjectIdentifier) oid = alg.valueBlock.toString();
    i = 1;
  }
  const hash = parts[i];
  return hash instanceof asn1js.OctetString ? { oid, hash: Buffer.from(hash.valueBlock.valueHexView) } : null;
};

/**
 * The signed attributes of each SignerInfo exactly as encoded (what was
 * signed), by asn1js: re-encoding parsed attributes could differ from a
 * signer's bytes, and asn1-schema keeps no raw bytes of a repeated field.
 */
function rawSignedAttributes(der: Buffer): (Buffer | null)[] {
  const { result } = asn1js.fromBER(der);
  const explicit = (result as asn1js.Sequence).valueBlock?.value?.[1] as asn1js.Constructed | undefined;
  const signedData = explicit?.valueBlock?.value?.[0] as asn1js.Sequence | undefined;
  const infos = signedData?.valueBlock?.value?.at(-1) as asn1js.Set | undefined;
  return (infos?.valueBlock?.value ?? []).map((info) => {
    const parts = (info as asn1js.Sequence).valueBlock?.value ?? [];
    const attrs = parts.find((p) => p.idBlock.tagClass === 3 && p.idBlock.tagNumber === 0);
    if (!attrs) return null;
    const raw = Buffer.from(attrs.valueBeforeDecodeView);
    raw[0] = 0x31; // [0] IMPLICIT → SET OF (RFC 5652 §5.4)
    return raw;
  });
}

export function parseCms(der: Buffer): ParsedCms {
  let signed: SignedData;
  try {
    const info = AsnConvert.parse(der, ContentInfo);
    if (info.contentType !== id_signedData) throw new NotASignature("not a CMS SignedData");
    signed = AsnConvert.parse(info.content, SignedData);
  } catch (error) {
    if (error instanceof NotASignature) throw error;
    throw new NotASignature(`not a CMS signature (DER): ${(error as Error).message}`);
  }
  const certs = (signed.certificates ?? [])
    .filter((c) => c.certificate)
    .map((c) => ({ parsed: c.certificate!, der: toBuffer(AsnConvert.serialize(c.certificate!)) }));
  const eContent = signed.encapContentInfo.eContent;
  const content = eContent?.single
    ? toBuffer(eContent.single.buffer)
    : eContent?.any
      ? toBuffer(eContent.any)
      : null;
  const raws = rawSignedAttributes(der);
  const signers = signed.signerInfos.map((si, index): ParsedSigner => {
    const attrs = si.signedAttrs ?? [];
    const find = (oid: string) => attrs.find((a) => a.attrType === oid)?.attrValues[0];
    const md = find(OID.messageDigest);
    const ct = find(OID.contentType);
    const st = find(OID.signingTime);
    const sc2 = find(OID.signingCertificateV2);
    const sc1 = find(OID.signingCertificate);
    const signedAttrsDer = si.signedAttrs ? (raws[index] ?? null) : null;
    const sid = si.sid;
    const match = certs.find((c) => {
      if (sid.issuerAndSerialNumber) {
        const tbs = c.parsed.tbsCertificate;
        return (
          Buffer.from(tbs.serialNumber).equals(Buffer.from(sid.issuerAndSerialNumber.serialNumber)) &&
          toBuffer(AsnConvert.serialize(tbs.issuer)).equals(
            toBuffer(AsnConvert.serialize(sid.issuerAndSerialNumber.issuer)),
          )
        );
      }
      if (sid.subjectKeyIdentifier) {
        const ski = c.parsed.tbsCertificate.extensions?.find((e) => e.extnID === "2.5.29.14");
        if (!ski) return false;
        const inner = asn1js.fromBER(ski.extnValue.buffer).result as asn1js.OctetString;
        return Buffer.from(inner.valueBlock.valueHexView).equals(
          Buffer.from(sid.subjectKeyIdentifier.buffer),
        );
      }
      return false;
    });
    const mdValue = md ? (asn1js.fromBER(md).result as asn1js.OctetString) : null;
    const ctValue = ct ? (asn1js.fromBER(ct).result as asn1js.ObjectIdentifier) : null;
    return {
      digestOid: si.digestAlgorithm.algorithm,
      signatureOid: si.signatureAlgorithm.algorithm,
      signedAttrsDer,
      signature: toBuffer(si.signature.buffer),
      messageDigest: mdValue?.valueBlock ? Buffer.from(mdValue.valueBlock.valueHexView) : null,
      contentType: ctValue?.valueBlock ? ctValue.valueBlock.toString() : null,
      signingTime: st ? readTime(st) : null,
      signingCertificateHash: sc2
        ? readSigningCertificate(sc2, true)
        : sc1
          ? readSigningCertificate(sc1, false)
          : null,
      certificate: match?.der ?? null,
    };
  });
  if (signers.length === 0) throw new NotASignature("a CMS SignedData without signers");
  return { certificates: certs.map((c) => c.der), content, signers };
}
