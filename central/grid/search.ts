// Nearest connection points on the sphere, written for the site check.
//
// A depth-first k-nearest-neighbour search straight over kdbush's flat,
// kd-sorted arrays (`ids`, `coords`), in the great-circle metric, with:
//  - two result lists filled in one traversal: the k nearest points whose
//    highest voltage class reaches the needed one, and the few nearest
//    points of any class (so a "why not" can be given);
//  - a bounding-box prefilter of the spherical cap of the search radius
//    (nodes and points outside it are skipped before any trigonometry);
//  - a node lower bound in the great-circle metric (the box distance of
//    geokdbush, V. Agafonkin, ISC licence: the nearest point of a
//    latitude/longitude box lies on its edge meridian at the vertex latitude
//    of the great circle, or at a corner);
//  - no allocation per search: the result lists, the traversal stack and
//    the per-point data (cos φ, top voltage class, in kd order) are typed
//    arrays made once.
//
// Distances are compared as haversines h = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)
// (monotone in distance), computed with exactly the operations of
// geokdbush's `distance` so that d = 2R·asin(√h) is bit-identical to it
// (R = 6371 km, the mean Earth radius). The bounding coordinates of a cap of
// angular radius δ around (φ, λ) are φ ± δ and λ ± asin(sin δ / cos φ) when
// the cap holds no pole (J. P. Matuschek, "Finding points within a distance
// of a latitude/longitude using bounding coordinates", 2010).
import type KDBush from "kdbush";

export const EARTH_RADIUS_KM = 6371;
const RAD = Math.PI / 180;
/** Degrees of slack on the prefilter box, so rounding never drops a point the haversine keeps (~0.1 mm). */
const BOX_SLACK_DEG = 1e-9;
/** Stack frame: left, right, axis, minLng, minLat, maxLng, maxLat, lower bound. */
const FRAME = 8;
/** Frames: one per tree level plus one; a kd-tree of 2³² points is at most 32 levels deep. */
const MAX_FRAMES = 80;

const haverSin = (theta: number): number => {
  const s = Math.sin(theta / 2);
  return s * s;
};

/** Great-circle distance, km, from a haversine h. */
export const kmFromHaverSin = (h: number): number => 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));

/** Lower bound of the haversine from (lng, lat) to any point of a box (geokdbush's boxDist). */
function boxHaverSin(
  lng: number,
  lat: number,
  cosLat: number,
  minLng: number,
  minLat: number,
  maxLng: number,
  maxLat: number,
): number {
  if (lng >= minLng && lng <= maxLng) {
    if (lat < minLat) return haverSin((lat - minLat) * RAD);
    if (lat > maxLat) return haverSin((lat - maxLat) * RAD);
    return 0;
  }
  const haverSinDLng = Math.min(haverSin((lng - minLng) * RAD), haverSin((lng - maxLng) * RAD));
  // Latitude where the great circle through the query point is closest to the edge meridian.
  const cosDLng = 1 - 2 * haverSinDLng;
  const extremumLat = cosDLng <= 0 ? (lat > 0 ? 90 : -90) : Math.atan(Math.tan(lat * RAD) / cosDLng) / RAD;
  if (extremumLat > minLat && extremumLat < maxLat)
    return cosLat * Math.cos(extremumLat * RAD) * haverSinDLng + haverSin((lat - extremumLat) * RAD);
  return Math.min(
    cosLat * Math.cos(minLat * RAD) * haverSinDLng + haverSin((lat - minLat) * RAD),
    cosLat * Math.cos(maxLat * RAD) * haverSinDLng + haverSin((lat - maxLat) * RAD),
  );
}

/** Writes one traversal frame at `sp`; returns the next free slot. */
function writeFrame(
  stack: Float64Array,
  sp: number,
  left: number,
  right: number,
  axis: number,
  minLng: number,
  minLat: number,
  maxLng: number,
  maxLat: number,
  lower: number,
): number {
  stack[sp] = left;
  stack[sp + 1] = right;
  stack[sp + 2] = axis;
  stack[sp + 3] = minLng;
  stack[sp + 4] = minLat;
  stack[sp + 5] = maxLng;
  stack[sp + 6] = maxLat;
  stack[sp + 7] = lower;
  return sp + FRAME;
}

/**
 * Offers (h, id) to the best `count` of at most `cap` entries kept in
 * `hs`/`ids`, ordered by h, then id (so ties come out the same every time):
 * inserted in place, the worst dropped when full. Returns the new count, or
 * −1 when the entry is not among the best.
 */
function offer(hs: Float64Array, ids: Int32Array, count: number, cap: number, h: number, id: number): number {
  if (!(count < cap || h < hs[cap - 1]! || (h === hs[cap - 1]! && id < ids[cap - 1]!))) return -1;
  let p = count < cap ? count++ : cap - 1;
  while (p > 0 && (hs[p - 1]! > h || (hs[p - 1]! === h && ids[p - 1]! > id))) {
    hs[p] = hs[p - 1]!;
    ids[p] = ids[p - 1]!;
    p--;
  }
  hs[p] = h;
  ids[p] = id;
  return count;
}

/**
 * The search over one kdbush index. Not re-entrant (one search at a time,
 * which is how JavaScript runs it); results stay valid until the next search.
 */
export class NearestSearch {
  private readonly ids: Uint16Array | Uint32Array;
  private readonly coords: Float64Array;
  private readonly nodeSize: number;
  /** cos φ of each point, in kd order. */
  private readonly cosLat: Float64Array;
  /** Highest voltage class of each point (−1: unknown), in kd order. */
  private readonly topClass: Int8Array;
  private readonly stack = new Float64Array(FRAME * MAX_FRAMES);

  /** The k nearest points reaching the needed class: point indices and haversines, nearest first. */
  near = new Int32Array(0);
  nearH = new Float64Array(0);
  nearCount = 0;
  /** The nearest points of any class, nearest first. */
  any = new Int32Array(0);
  anyH = new Float64Array(0);
  anyCount = 0;

  /**
   * @param kd a finished kdbush index with Float64Array coordinates (lon, lat) whose
   *   item ids are indices into `topClassByPoint`
   * @param topClassByPoint highest voltage class per point (by point index), −1 when unknown
   */
  constructor(kd: KDBush, topClassByPoint: Int8Array) {
    if (!(kd.coords instanceof Float64Array)) throw new Error("NearestSearch needs Float64Array coordinates");
    this.ids = kd.ids;
    this.coords = kd.coords;
    this.nodeSize = kd.nodeSize;
    const n = kd.ids.length;
    this.cosLat = new Float64Array(n);
    this.topClass = new Int8Array(n);
    for (let j = 0; j < n; j++) {
      this.cosLat[j] = Math.cos(this.coords[2 * j + 1]! * RAD);
      this.topClass[j] = topClassByPoint[this.ids[j]!]!;
    }
  }

  private ensure(k: number, kAny: number): void {
    if (this.near.length < k) {
      this.near = new Int32Array(k);
      this.nearH = new Float64Array(k);
    }
    if (this.any.length < kAny) {
      this.any = new Int32Array(kAny);
      this.anyH = new Float64Array(kAny);
    }
  }

  /**
   * Fills `near` with the `k` nearest points whose class is ≥ `neededClass`
   * and `any` with the `kAny` nearest points, all within `maxKm` (inclusive)
   * of (lon, lat). Ties in distance go to the lower point index.
   */
  search(lon: number, lat: number, maxKm: number, neededClass: number, k: number, kAny: number): void {
    this.ensure(k, kAny);
    this.nearCount = 0;
    this.anyCount = 0;
    const n = this.ids.length;
    if (n === 0 || (k <= 0 && kAny <= 0)) return;
    const { ids, coords, nodeSize, cosLat: cosLatK, topClass, stack, near, nearH, any, anyH } = this;

    const delta = maxKm / EARTH_RADIUS_KM;
    // Beyond half the circumference everything is in range (h ≤ 1 always).
    const maxH = delta >= Math.PI ? 2 : haverSin(delta);
    const cosLat = Math.cos(lat * RAD);
    let qMinLat = -Infinity;
    let qMaxLat = Infinity;
    let qMinLng = -Infinity;
    let qMaxLng = Infinity;
    if (delta < Math.PI) {
      const dLat = delta / RAD;
      qMinLat = lat - dLat - BOX_SLACK_DEG;
      qMaxLat = lat + dLat + BOX_SLACK_DEG;
      if (qMaxLat < 90 && qMinLat > -90) {
        const s = Math.sin(delta) / cosLat;
        if (s < 1) {
          const dLng = Math.asin(s) / RAD;
          // Across the antimeridian the box would wrap: keep longitudes open there.
          if (lon - dLng > -180 && lon + dLng < 180) {
            qMinLng = lon - dLng - BOX_SLACK_DEG;
            qMaxLng = lon + dLng + BOX_SLACK_DEG;
          }
        }
      }
    }

    let nearCount = 0;
    let anyCount = 0;
    // Pruning bound: the worse of the two lists' last entries once both are full, else the radius.
    let bound = maxH;

    let sp = writeFrame(stack, 0, 0, n - 1, 0, -180, -90, 180, 90, 0);
    while (sp > 0) {
      sp -= FRAME;
      const left = stack[sp]!;
      const right = stack[sp + 1]!;
      const axis = stack[sp + 2]!;
      if (stack[sp + 7]! > bound) continue;
      const leaf = right - left <= nodeSize;
      const m = (left + right) >> 1;
      // A leaf's points, or the middle point of an inner node.
      const to = leaf ? right : m;
      for (let j = leaf ? left : m; j <= to; j++) {
        const x = coords[2 * j]!;
        const y = coords[2 * j + 1]!;
        if (y < qMinLat || y > qMaxLat || x < qMinLng || x > qMaxLng) continue;
        const h = cosLat * cosLatK[j]! * haverSin((lon - x) * RAD) + haverSin((lat - y) * RAD);
        if (h > bound) continue;
        const id = ids[j]!;
        let changed = false;
        const anyAfter = offer(anyH, any, anyCount, kAny, h, id);
        if (anyAfter >= 0) {
          anyCount = anyAfter;
          changed = true;
        }
        const nearAfter = topClass[j]! >= neededClass ? offer(nearH, near, nearCount, k, h, id) : -1;
        if (nearAfter >= 0) {
          nearCount = nearAfter;
          changed = true;
        }
        if (changed) {
          const a = k > 0 && nearCount === k ? nearH[k - 1]! : maxH;
          const b = kAny > 0 && anyCount === kAny ? anyH[kAny - 1]! : maxH;
          bound = k <= 0 ? b : kAny <= 0 ? a : Math.max(a, b);
        }
      }
      if (leaf) continue;

      const minLng = stack[sp + 3]!;
      const minLat = stack[sp + 4]!;
      const maxLng = stack[sp + 5]!;
      const maxLat = stack[sp + 6]!;
      const split = coords[2 * m + axis]!;
      // Children: [left, m−1] at or below the split, [m+1, right] at or above it.
      const lMaxLng = axis === 0 ? split : maxLng;
      const lMaxLat = axis === 1 ? split : maxLat;
      const rMinLng = axis === 0 ? split : minLng;
      const rMinLat = axis === 1 ? split : minLat;
      const next = 1 - axis;
      let lBound = Infinity;
      let rBound = Infinity;
      if (m - 1 >= left && lMaxLng >= qMinLng && lMaxLat >= qMinLat && minLng <= qMaxLng && minLat <= qMaxLat)
        lBound = boxHaverSin(lon, lat, cosLat, minLng, minLat, lMaxLng, lMaxLat);
      if (
        right >= m + 1 &&
        maxLng >= qMinLng &&
        maxLat >= qMinLat &&
        rMinLng <= qMaxLng &&
        rMinLat <= qMaxLat
      )
        rBound = boxHaverSin(lon, lat, cosLat, rMinLng, rMinLat, maxLng, maxLat);
      // The nearer child is pushed last, so it is searched first and tightens the bound sooner.
      if (lBound <= rBound) {
        if (rBound <= bound)
          sp = writeFrame(stack, sp, m + 1, right, next, rMinLng, rMinLat, maxLng, maxLat, rBound);
        if (lBound <= bound)
          sp = writeFrame(stack, sp, left, m - 1, next, minLng, minLat, lMaxLng, lMaxLat, lBound);
      } else {
        if (lBound <= bound)
          sp = writeFrame(stack, sp, left, m - 1, next, minLng, minLat, lMaxLng, lMaxLat, lBound);
        if (rBound <= bound)
          sp = writeFrame(stack, sp, m + 1, right, next, rMinLng, rMinLat, maxLng, maxLat, rBound);
      }
    }
    this.nearCount = nearCount;
    this.anyCount = anyCount;
  }
}
