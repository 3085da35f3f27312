// Types of coords.js for the TypeScript side (tests, central's PDF route).
export interface LatLon {
  lat: number;
  lon: number;
}
export function parseCoordinates(input: unknown): LatLon | null;
