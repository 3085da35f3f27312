// Plane geometry in degrees for the basemap's build (and its tests):
// Douglas–Peucker simplification, and clipping of rings (Sutherland–Hodgman)
// and polylines to a box. Good enough at a region's scale, where a degree of
// longitude and of latitude differ by a constant factor and no ring crosses
// the antimeridian.

export type Point = [number, number];
export type Ring = Point[];
/** West, south, east, north. */
export type Box = [number, number, number, number];

/** Distance of p from the segment a–b. */
function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Douglas–Peucker: the fewest points within `tolerance` of the line (ends kept). */
export function simplify(points: readonly Point[], tolerance: number): Ring {
  if (points.length <= 2) return [...points];
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    let worst = -1;
    let at = -1;
    for (let i = from + 1; i < to; i++) {
      const d = segmentDistance(points[i]!, points[from]!, points[to]!);
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    if (at > 0 && worst > tolerance) {
      keep[at] = 1;
      stack.push([from, at], [at, to]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

type Edge = { inside: (p: Point) => boolean; cross: (a: Point, b: Point) => Point };

const edgesOf = ([w, s, e, n]: Box): Edge[] => {
  const atX =
    (x: number) =>
    (a: Point, b: Point): Point => [x, a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0])];
  const atY =
    (y: number) =>
    (a: Point, b: Point): Point => [a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]), y];
  return [
    { inside: (p) => p[0] >= w, cross: atX(w) },
    { inside: (p) => p[0] <= e, cross: atX(e) },
    { inside: (p) => p[1] >= s, cross: atY(s) },
    { inside: (p) => p[1] <= n, cross: atY(n) },
  ];
};

/** A closed ring clipped to the box (Sutherland–Hodgman); closed again, empty when outside. */
export function clipPolygon(ring: readonly Point[], box: Box): Ring {
  let out: Point[] =
    ring.length > 1 && samePoint(ring[0]!, ring[ring.length - 1]!) ? ring.slice(0, -1) : [...ring];
  for (const edge of edgesOf(box)) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      if (edge.inside(cur)) {
        if (!edge.inside(prev)) out.push(edge.cross(prev, cur));
        out.push(cur);
      } else if (edge.inside(prev)) out.push(edge.cross(prev, cur));
    }
    if (out.length === 0) return [];
  }
  return out.length >= 3 ? [...out, out[0]!] : [];
}

const samePoint = (a: Point, b: Point) => a[0] === b[0] && a[1] === b[1];

/** Liang–Barsky: the part of segment a–b inside the box, or null. */
function clipSegment(a: Point, b: Point, [w, s, e, n]: Box): [Point, Point] | null {
  let t0 = 0;
  let t1 = 1;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const checks: [number, number][] = [
    [-dx, a[0] - w],
    [dx, e - a[0]],
    [-dy, a[1] - s],
    [dy, n - a[1]],
  ];
  for (const [p, q] of checks) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return null;
  }
  return [
    [a[0] + t0 * dx, a[1] + t0 * dy],
    [a[0] + t1 * dx, a[1] + t1 * dy],
  ];
}

/** A polyline clipped to the box: the runs inside, each a polyline of two points or more. */
export function clipPolyline(line: readonly Point[], box: Box): Ring[] {
  const out: Ring[] = [];
  let run: Ring = [];
  for (let i = 1; i < line.length; i++) {
    const seg = clipSegment(line[i - 1]!, line[i]!, box);
    if (!seg) {
      if (run.length >= 2) out.push(run);
      run = [];
      continue;
    }
    if (run.length === 0 || !samePoint(run[run.length - 1]!, seg[0])) {
      if (run.length >= 2) out.push(run);
      run = [seg[0]];
    }
    run.push(seg[1]);
  }
  if (run.length >= 2) out.push(run);
  return out;
}
