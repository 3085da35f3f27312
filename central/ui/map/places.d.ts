// Types of places.js for the TypeScript side (tests, the basemap build script).
export interface Place {
  kind: "settlement" | "substation";
  id: string;
  name_ru: string;
  name_en: string;
  lat: number;
  lon: number;
  population?: number;
}
export function normaliseName(s: string): string;
export function transliterate(s: string): string;
export function looseLatin(s: string): string;
export function searchPlaces(places: readonly Place[], query: unknown, limit?: number): Place[];
