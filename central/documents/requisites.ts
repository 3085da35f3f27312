// Requisites of the region and the companies (legal name, INN/KPP, OGRN,
// address, bank) and their checks. Each check returns null or a short
// reason; the config loader prefixes the key path.
//
// - INN: 10 digits (a legal entity) or 12 (an individual or sole
//   proprietor) with check digits: weighted sums mod 11 mod 10, weights as in
//   the Federal Tax Service's procedure for assigning INNs (order of the FTS
//   of Russia of 29.06.2012 No. ММВ-7-6/435@).
// - KPP: 9 characters NNNNPPXXX — the tax office code (4 digits), the
//   reason of registration (2 digits or capital Latin letters A–Z), a serial
//   number (3 digits); same order.
// - OGRN / OGRNIP: 13 / 15 digits, the last being (the number before it mod
//   11, resp. 13) mod 10.
// - BIC: 9 digits beginning with 0 (04… credit institutions and the Bank of
//   Russia's divisions, 01…/00… the Federal Treasury's bodies since 2021).
// - Account numbers (20 digits): the control key of the letter of the Bank
//   of Russia of 8 September 1997 No. 515 "On the procedure of calculating
//   the control key in an account number": the 3 digits that stand for the
//   bank, then the 20 account digits, are multiplied by the weights 7 1 3
//   7 1 3 …; the sum of the products' last digits must end in 0. The bank's
//   3 digits are the last three of the BIC for an account held at a credit
//   institution, and "0" plus the BIC's 5th and 6th digits for an account held
//   at a division of the Bank of Russia — a bank's correspondent account, and
//   any account of a BIC ending in 000, 001 or 002 (the Bank of Russia's own).
// - Since 1 January 2021 budget money is kept on treasury accounts (03…)
//   opened by a territorial body of the Federal Treasury (its BIC: 01… for
//   most, 004525988 for Moscow), paid through that body's account in the
//   single treasury account (ЕКС, 40102…), which a payment order names where
//   a bank's correspondent account stands. The ЕКС is held at a division of
//   the Bank of Russia and carries the letter No. 515 key computed like a
//   correspondent account's ("0" and the BIC's 5th and 6th digits): the
//   published ЕКС of the Treasury bodies pass it (requisites.test.ts). The
//   treasury account number is the Treasury's own numbering (balance
//   account, currency 643, the Treasury body's code) and carries no
//   letter No. 515 key (its 9th digit is 0 in the published ones, which fail
//   the key under either reading of the bank's 3 digits): checked for its
//   form, and that it is paired with an ЕКС.
import { type Static, Type } from "@sinclair/typebox";

const digits = (text: string): number[] => [...text].map(Number);

const weighted = (d: readonly number[], weights: readonly number[]): number =>
  weights.reduce((sum, w, i) => sum + w * d[i]!, 0);

const INN10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

export function checkInn(inn: string): string | null {
  if (!/^(\d{10}|\d{12})$/.test(inn)) return "an INN has 10 (organisation) or 12 (individual) digits";
  const d = digits(inn);
  if (inn.length === 10) {
    return (weighted(d, INN10) % 11) % 10 === d[9] ? null : "check digit does not match (not a valid INN)";
  }
  const n11 = (weighted(d, INN11) % 11) % 10;
  const n12 = (weighted(d, INN12) % 11) % 10;
  return n11 === d[10] && n12 === d[11] ? null : "check digits do not match (not a valid INN)";
}

export function checkKpp(kpp: string): string | null {
  return /^\d{4}[0-9A-Z]{2}\d{3}$/.test(kpp)
    ? null
    : "a KPP is 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits";
}

export function checkOgrn(ogrn: string): string | null {
  if (!/^(\d{13}|\d{15})$/.test(ogrn)) return "an OGRN has 13 digits (OGRNIP: 15)";
  const body = BigInt(ogrn.slice(0, -1));
  const modulus = ogrn.length === 13 ? 11n : 13n;
  return Number((body % modulus) % 10n) === Number(ogrn.at(-1)) ? null : "check digit does not match";
}

export function checkBic(bic: string): string | null {
  return /^0\d{8}$/.test(bic) ? null : "a BIC is 9 digits beginning with 0";
}

const KEY_WEIGHTS = [7, 1, 3];

/** The control-key sum of letter No. 515 over the bank's 3 digits and the 20-digit account. */
const keyOk = (bankDigits: string, account: string): boolean => {
  const d = digits(bankDigits + account);
  return d.reduce((sum, x, i) => sum + ((x * KEY_WEIGHTS[i % 3]!) % 10), 0) % 10 === 0;
};

/** True when the BIC is of a division of the Bank of Russia (its accounts are keyed like correspondent accounts). */
const isBankOfRussiaDivision = (bic: string): boolean => /(000|001|002)$/.test(bic);

/** The single treasury account (ЕКС) of a Treasury body: where a correspondent account stands. */
const isSingleTreasuryAccount = (account: string): boolean => account.startsWith("40102");
/** A treasury account (казначейский счёт) of a Treasury body's client. */
const isTreasuryAccount = (account: string): boolean => account.startsWith("03");

export function checkCorrespondentAccount(account: string, bic: string): string | null {
  if (!/^\d{20}$/.test(account)) return "an account number has 20 digits";
  // The ЕКС is held at a division of the Bank of Russia and keyed like a correspondent account.
  if (isSingleTreasuryAccount(account))
    return keyOk(`0${bic.slice(4, 6)}`, account)
      ? null
      : "control key does not match the BIC (letter of the Bank of Russia No. 515)";
  if (!account.startsWith("301"))
    return "a correspondent account begins with 301 (40102 for the single treasury account)";
  if (account.slice(-3) !== bic.slice(-3)) return "its last three digits must be the BIC's last three";
  return keyOk(`0${bic.slice(4, 6)}`, account)
    ? null
    : "control key does not match the BIC (letter of the Bank of Russia No. 515)";
}

export function checkAccount(account: string, bic: string): string | null {
  if (!/^\d{20}$/.test(account)) return "an account number has 20 digits";
  // Treasury accounts are the Treasury's numbering, without a letter No. 515 key: their form only.
  if (isTreasuryAccount(account)) return null;
  const bank = isBankOfRussiaDivision(bic) ? `0${bic.slice(4, 6)}` : bic.slice(-3);
  return keyOk(bank, account)
    ? null
    : "control key does not match the BIC (letter of the Bank of Russia No. 515)";
}

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const RequisitesSchema = Type.Object(
  {
    /** Full legal name as registered, e.g. «Общество с ограниченной ответственностью "…"». */
    legalName: Text(500),
    shortName: Type.Optional(Text(200)),
    inn: Type.String(),
    /** Organisations have one; sole proprietors (12-digit INN) do not. */
    kpp: Type.Optional(Type.String()),
    ogrn: Type.Optional(Type.String()),
    address: Text(500),
    bank: Type.Object(
      {
        name: Text(300),
        bic: Type.String(),
        /**
         * The bank's correspondent account (301…), or for a treasury account
         * (03…) its Treasury body's single treasury account (40102…); absent
         * for an account held at the Bank of Russia itself.
         */
        correspondentAccount: Type.Optional(Type.String()),
        account: Type.String(),
      },
      { additionalProperties: false },
    ),
    /** Who signs for the organisation: printed under the signature line. */
    signatory: Type.Object({ name: Text(200), position: Text(200) }, { additionalProperties: false }),
    email: Type.Optional(Text(254)),
  },
  { additionalProperties: false },
);

export type Requisites = Static<typeof RequisitesSchema>;

/** The first problem of a requisites block as `key: reason`, or null. */
export function checkRequisites(r: Requisites): string | null {
  const checks: [string, string | null][] = [
    ["inn", checkInn(r.inn)],
    [
      "kpp",
      r.kpp === undefined
        ? r.inn.length === 10
          ? "required for an organisation (10-digit INN)"
          : null
        : checkKpp(r.kpp),
    ],
    ["ogrn", r.ogrn === undefined ? null : checkOgrn(r.ogrn)],
    ["bank.bic", checkBic(r.bank.bic)],
  ];
  for (const [key, problem] of checks) if (problem) return `${key}: ${problem}`;
  const corr = r.bank.correspondentAccount;
  const treasury = isTreasuryAccount(r.bank.account);
  if (treasury && (corr === undefined || !isSingleTreasuryAccount(corr)))
    return "bank.correspondentAccount: a treasury account (03…) is paid through its Treasury body's single treasury account (40102…)";
  if (!treasury && corr !== undefined && isSingleTreasuryAccount(corr))
    return "bank.account: the single treasury account (40102…) serves treasury accounts (03…) only";
  if (corr !== undefined) {
    const problem = checkCorrespondentAccount(corr, r.bank.bic);
    if (problem) return `bank.correspondentAccount: ${problem}`;
  }
  const account = checkAccount(r.bank.account, r.bank.bic);
  return account ? `bank.account: ${account}` : null;
}
