// The page number in the footer of every PDF of central (document.ts,
// pageFooters), Russian and English, for the reports' catalogues.
import { both } from "../catalogue.ts";

/** "Стр. 2 из 5" / "Page 2 of 5". */
export const PAGE_OF = both(
  (n: number, of: number) => `Стр. ${n} из ${of}`,
  (n, of) => `Page ${n} of ${of}`,
);
