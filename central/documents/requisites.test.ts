// Requisites checks on real-world numbers that organisations publish
// (the Federal Tax Service's own INN and OGRN, major banks' INN, OGRN, BIC
// and correspondent accounts, the Treasury's published payment requisites)
// and on the same numbers with one digit changed. Where no public number
// fits (a 12-digit INN belongs to a person; an OGRNIP to a sole
// proprietor; a settlement account to a client), a number is made here and
// its check digits worked out by hand in the comments.
import { describe, expect, it } from "vitest";
import {
  checkAccount,
  checkBic,
  checkCorrespondentAccount,
  checkInn,
  checkKpp,
  checkOgrn,
  checkRequisites,
  type Requisites,
} from "./requisites.ts";

/** Published requisites (registers and the organisations' own sites). */
const PUBLIC = {
  fns: { inn: "7707329152", ogrn: "1047707030513" }, // ФНС России
  sber: {
    inn: "7707083893",
    kpp: "773601001",
    ogrn: "1027700132195",
    bic: "044525225",
    corr: "30101810400000000225",
  },
  vtb: { inn: "7702070139", ogrn: "1027739609391", bic: "044525187", corr: "30101810700000000187" },
  alfa: { inn: "7728168971", ogrn: "1027700067328", bic: "044525593", corr: "30101810200000000593" },
  gazprombank: { inn: "7744001497", bic: "044525823", corr: "30101810200000000823" },
  tbank: { inn: "7710140679", ogrn: "1027739642281", bic: "044525974", corr: "30101810145250000974" },
  yandex: { inn: "7736207543", ogrn: "1027700229193" },
  // The single tax payment's recipient since 2023: Казначейство России (ФНС России), its Treasury
  // body's BIC (Tula), the ЕКС in the correspondent account's place and the treasury account.
  enp: {
    inn: "7727406020",
    kpp: "770801001",
    bic: "017003983",
    ekc: "40102810445370000059",
    account: "03100643000000018500",
  },
  // Two more Treasury bodies' ЕКС with their BIC: Dagestan, and Moscow (BIC 00…).
  dagestan: { bic: "018209001", ekc: "40102810945370000069", account: "03100643000000010300" },
  moscow: { bic: "004525988", ekc: "40102810545370000003", account: "03100643000000017300" },
} as const;

describe("INN", () => {
  it("accepts organisations' 10-digit INNs", () => {
    for (const inn of [PUBLIC.fns.inn, PUBLIC.sber.inn, PUBLIC.vtb.inn, PUBLIC.alfa.inn, PUBLIC.yandex.inn])
      expect(checkInn(inn), inn).toBeNull();
    expect(checkInn(PUBLIC.enp.inn)).toBeNull();
  });

  it("refuses the same INNs with one digit changed", () => {
    // The check digit itself, and a digit inside.
    for (const inn of ["7707329153", "7707329052", "7707083892", "7707083993", "7736217543", "7727406021"])
      expect(checkInn(inn), inn).toMatch(/check digit/);
  });

  it("checks both check digits of a 12-digit INN (worked by hand)", () => {
    // Digits 7 7 0 7 0 1 2 3 4 5, then:
    // n11 = (7·7 + 2·7 + 4·0 + 10·7 + 3·0 + 5·1 + 9·2 + 4·3 + 6·4 + 8·5) mod 11 mod 10
    //     = (49 + 14 + 0 + 70 + 0 + 5 + 18 + 12 + 24 + 40) = 232; 232 mod 11 = 1 → 1.
    // n12 = (3·7 + 7·7 + 2·0 + 4·7 + 10·0 + 3·1 + 5·2 + 9·3 + 4·4 + 6·5 + 8·1) mod 11 mod 10
    //     = (21 + 49 + 0 + 28 + 0 + 3 + 10 + 27 + 16 + 30 + 8) = 192; 192 mod 11 = 5 → 5.
    expect(checkInn("770701234515")).toBeNull();
    expect(checkInn("770701234516")).toMatch(/check digits/); // n12 changed
    expect(checkInn("770701234505")).toMatch(/check digits/); // n11 changed
    expect(checkInn("770701234415")).toMatch(/check digits/); // a digit inside
  });

  it("refuses other lengths and non-digits", () => {
    for (const inn of [
      "",
      "770708389",
      "77070838931",
      "7707083893 ",
      "77070838૯3",
      "770708389a",
      "-707083893",
    ])
      expect(checkInn(inn), inn).toMatch(/10 .* or 12/);
  });
});

describe("KPP", () => {
  it("accepts 4 digits, 2 digits or capital Latin letters, 3 digits", () => {
    for (const kpp of [PUBLIC.sber.kpp, PUBLIC.enp.kpp, "7736AZ001", "05720A001"])
      expect(checkKpp(kpp), kpp).toBeNull();
  });
  it("refuses wrong lengths, lower case, letters elsewhere", () => {
    for (const kpp of [
      "77360100",
      "7736010011",
      "7736az001",
      "77360100A",
      "A73601001",
      "7736-1001",
      "7736ЁЁ001",
    ])
      expect(checkKpp(kpp), kpp).not.toBeNull();
  });
});

describe("OGRN and OGRNIP", () => {
  it("accepts published OGRNs and refuses them with one digit changed", () => {
    for (const o of [PUBLIC.fns.ogrn, PUBLIC.sber.ogrn, PUBLIC.vtb.ogrn, PUBLIC.alfa.ogrn, PUBLIC.tbank.ogrn])
      expect(checkOgrn(o), o).toBeNull();
    for (const o of ["1047707030514", "1027700132196", "1027700232195"])
      expect(checkOgrn(o), o).toMatch(/check digit/);
  });

  it("checks a 15-digit OGRNIP modulo 13 (worked by hand)", () => {
    // Body 30477000000000 = 30477·10⁹. 10³ = 1000 = 13·76 + 12 ≡ −1 (mod 13), so 10⁹ ≡ (−1)³ = −1.
    // 30477 = 13·2344 + 5, so the body ≡ 5·(−1) = −5 ≡ 8 (mod 13); 8 mod 10 = 8.
    expect(checkOgrn("304770000000008")).toBeNull();
    expect(checkOgrn("304770000000009")).toMatch(/check digit/);
    expect(checkOgrn("304770000001008")).toMatch(/check digit/);
    for (const o of ["102770013219", "10277001321955", "1027700132l95"])
      expect(checkOgrn(o), o).toMatch(/13 digits/);
  });
});

describe("BIC", () => {
  it("accepts banks' and Treasury bodies' BICs; refuses other forms", () => {
    for (const bic of [PUBLIC.sber.bic, PUBLIC.tbank.bic, PUBLIC.enp.bic, PUBLIC.moscow.bic])
      expect(checkBic(bic), bic).toBeNull();
    for (const bic of ["44525225", "144525225", "0445252250", "04452522a", "SABRRUMM"])
      expect(checkBic(bic), bic).not.toBeNull();
  });
});

describe("correspondent accounts (control key of letter No. 515 with the BIC's last three digits)", () => {
  const banks = [PUBLIC.sber, PUBLIC.vtb, PUBLIC.alfa, PUBLIC.gazprombank, PUBLIC.tbank];

  it("accepts major banks' published correspondent accounts with their BIC", () => {
    for (const b of banks) expect(checkCorrespondentAccount(b.corr, b.bic), b.bic).toBeNull();
  });

  it("refuses one changed digit, another bank's BIC, and what is no correspondent account", () => {
    // The key digit (9th) and a digit inside: the key no longer matches.
    expect(checkCorrespondentAccount("30101810500000000225", PUBLIC.sber.bic)).toMatch(/control key/);
    expect(checkCorrespondentAccount("30101810400000100225", PUBLIC.sber.bic)).toMatch(/control key/);
    // The last three digits are the BIC's.
    expect(checkCorrespondentAccount("30101810400000000226", PUBLIC.sber.bic)).toMatch(/last three/);
    expect(checkCorrespondentAccount(PUBLIC.sber.corr, PUBLIC.vtb.bic)).toMatch(/last three/);
    expect(checkCorrespondentAccount("40702810200000000001", PUBLIC.sber.bic)).toMatch(/begins with 301/);
    expect(checkCorrespondentAccount("3010181040000000022", PUBLIC.sber.bic)).toMatch(/20 digits/);
  });
});

describe("settlement accounts at a bank (key with the BIC's last three digits)", () => {
  it("accepts an account whose key was worked by hand, refuses it with one digit changed", () => {
    // Bank digits 2 2 5 (BIC 044525225), account 4 0 7 0 2 8 1 0 K 0 0 0 0 0 0 0 0 0 0 1,
    // weights 7 1 3 repeated over all 23 digits; last digits of the products:
    //   bank 14→4, 2, 15→5 = 11; account 28→8, 0, 21→1, 0, 2, 24→4, 7, 0 = 22;
    //   K has weight 3; the 20th digit weight 1 → 1; zeros 0. Sum 34 + (3K mod 10) ≡ 0 (mod 10)
    //   → 3K mod 10 = 6 → K = 2.
    expect(checkAccount("40702810200000000001", PUBLIC.sber.bic)).toBeNull();
    expect(checkAccount("40702810300000000001", PUBLIC.sber.bic)).toMatch(/control key/);
    expect(checkAccount("40702810200000000002", PUBLIC.sber.bic)).toMatch(/control key/);
    // The same account at another bank (VTB: 1 8 7) does not key.
    expect(checkAccount("40702810200000000001", PUBLIC.vtb.bic)).toMatch(/control key/);
  });
});

describe("treasury accounts since 2021", () => {
  const treasury = [PUBLIC.enp, PUBLIC.dagestan, PUBLIC.moscow];

  it("keys the single treasury account (40102…) like a correspondent account: 0 and the BIC's 5th–6th digits", () => {
    for (const t of treasury) expect(checkCorrespondentAccount(t.ekc, t.bic), t.bic).toBeNull();
    // One digit changed: the key no longer matches.
    expect(checkCorrespondentAccount("40102810445370000058", PUBLIC.enp.bic)).toMatch(/control key/);
    expect(checkCorrespondentAccount("40102810445370000159", PUBLIC.enp.bic)).toMatch(/control key/);
    // Another Treasury body's BIC.
    expect(checkCorrespondentAccount(PUBLIC.enp.ekc, PUBLIC.dagestan.bic)).toMatch(/control key/);
  });

  it("checks a treasury account (03…) for its form only: the Treasury's numbering has no letter No. 515 key", () => {
    for (const t of treasury) expect(checkAccount(t.account, t.bic), t.account).toBeNull();
    // What a key would have looked like: none of the published treasury accounts passes it
    // with either reading of the bank's three digits, so a changed digit cannot be caught here.
    expect(checkAccount("03100643000000018501", PUBLIC.enp.bic)).toBeNull();
    expect(checkAccount("0310064300000001850", PUBLIC.enp.bic)).toMatch(/20 digits/);
  });

  it("requires a treasury account to come with its ЕКС, and an ЕКС only with a treasury account", () => {
    const base: Requisites = {
      legalName: "Казначейство России (ФНС России)",
      inn: PUBLIC.enp.inn,
      kpp: PUBLIC.enp.kpp,
      address: "Москва",
      bank: {
        name: "ОТДЕЛЕНИЕ ТУЛА БАНКА РОССИИ//УФК по Тульской области, г Тула",
        bic: PUBLIC.enp.bic,
        correspondentAccount: PUBLIC.enp.ekc,
        account: PUBLIC.enp.account,
      },
      signatory: { name: "—", position: "—" },
    };
    expect(checkRequisites(base)).toBeNull();
    const { correspondentAccount: _, ...withoutEkc } = base.bank;
    expect(checkRequisites({ ...base, bank: withoutEkc })).toMatch(
      /^bank\.correspondentAccount: a treasury account/,
    );
    expect(checkRequisites({ ...base, bank: { ...base.bank, account: "40702810200000000001" } })).toMatch(
      /^bank\.account: the single treasury account/,
    );
  });
});

describe("a requisites block names the key of its first problem", () => {
  const good: Requisites = {
    legalName: "ПАО Сбербанк",
    inn: PUBLIC.sber.inn,
    kpp: PUBLIC.sber.kpp,
    ogrn: PUBLIC.sber.ogrn,
    address: "117312, г. Москва, ул. Вавилова, д. 19",
    bank: {
      name: "ПАО Сбербанк",
      bic: PUBLIC.sber.bic,
      correspondentAccount: PUBLIC.sber.corr,
      account: "40702810200000000001",
    },
    signatory: { name: "—", position: "—" },
  };
  it("passes a good one and points at each broken field", () => {
    expect(checkRequisites(good)).toBeNull();
    expect(checkRequisites({ ...good, inn: "7707083894" })).toMatch(/^inn: /);
    expect(checkRequisites({ ...good, kpp: "77360100" })).toMatch(/^kpp: /);
    const { kpp: _, ...noKpp } = good;
    expect(checkRequisites(noKpp)).toMatch(/^kpp: required for an organisation/);
    // A sole proprietor (12-digit INN) has no KPP.
    const { kpp: _k, ...person } = { ...good, inn: "770701234515" };
    expect(checkRequisites(person)).toBeNull();
    expect(checkRequisites({ ...good, ogrn: "1027700132196" })).toMatch(/^ogrn: /);
    expect(checkRequisites({ ...good, bank: { ...good.bank, bic: "44525225" } })).toMatch(/^bank\.bic: /);
    expect(
      checkRequisites({ ...good, bank: { ...good.bank, correspondentAccount: "30101810500000000225" } }),
    ).toMatch(/^bank\.correspondentAccount: control key/);
    expect(checkRequisites({ ...good, bank: { ...good.bank, account: "40702810300000000001" } })).toMatch(
      /^bank\.account: control key/,
    );
  });
});
