// Requisites that pass every check (real banks' BIC and correspondent
// accounts; INNs of real organisations; settlement account numbers made
// valid for the BIC by the control key of letter No. 515) and a PKI made
// with openssl for the document tests.
import type { Requisites } from "../../central/documents/requisites.ts";

/** Sberbank's BIC and correspondent account (published); an account keyed for it. */
export const SBER = { bic: "044525225", corr: "30101810400000000225" } as const;

/** The 20-digit account with its control key (position 9) set for `bic` (credit institution). */
export function keyedAccount(bic: string, base = "40702810X00000012345"): string {
  const w = [7, 1, 3];
  for (let k = 0; k <= 9; k++) {
    const account = base.replace("X", String(k));
    const d = [...(bic.slice(-3) + account)].map(Number);
    if (d.reduce((s, x, i) => s + ((x * w[i % 3]!) % 10), 0) % 10 === 0) return account;
  }
  throw new Error("no key");
}

export const requisites = (name: string, inn: string, kpp: string): Requisites => ({
  legalName: name,
  inn,
  kpp,
  address: "367000, Республика Дагестан, г. Махачкала, ул. Примерная, д. 1",
  bank: {
    name: "ПАО Сбербанк",
    bic: SBER.bic,
    correspondentAccount: SBER.corr,
    account: keyedAccount(SBER.bic),
  },
  signatory: { name: "И. И. Иванов", position: "Генеральный директор" },
});
