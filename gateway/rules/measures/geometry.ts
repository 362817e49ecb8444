/**
 * Distances on the earth for fences of a few hundred metres: exact enough to tell a grid worker
 * "420 m outside", cheap enough to run on every fix of every wristband.
 */

/** Mean earth radius (IUGG), in metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/** A WGS-84 position in degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** Where a point lies against a fence: inside or not, and how far from its edge (always >= 0). */
export interface EdgeDistance {
  inside: boolean;
  distanceM: number;
}

const RAD = Math.PI / 180;

/** Longitude difference b - a in (-180, 180]: a fence across the antimeridian stays one piece. */
function lonDelta(a: number, b: number): number {
  const d = (((b - a) % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

/** Great-circle distance by the haversine formula, in metres. */
export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = lonDelta(a.lon, b.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function circleEdge(p: LatLon, center: LatLon, radiusM: number): EdgeDistance {
  const d = haversineM(center, p);
  return { inside: d <= radiusM, distanceM: Math.abs(d - radiusM) };
}

/**
 * Against a polygon (vertices in order, either direction, closing edge implied), on a local
 * equirectangular projection around its vertices. The projection is linear in (lat, lon), so
 * inside/outside is exact for edges drawn straight on a map; distances are off by well under 1%
 * within tens of kilometres, which is all a fence of a few hundred metres needs.
 */
export function polygonEdge(p: LatLon, points: readonly LatLon[]): EdgeDistance {
  const origin = points[0]!;
  let lat0 = 0;
  for (const v of points) lat0 += v.lat;
  lat0 /= points.length;
  const kx = EARTH_RADIUS_M * RAD * Math.cos(lat0 * RAD);
  const ky = EARTH_RADIUS_M * RAD;
  const x = lonDelta(origin.lon, p.lon) * kx;
  const y = (p.lat - origin.lat) * ky;
  const xs = points.map((v) => lonDelta(origin.lon, v.lon) * kx);
  const ys = points.map((v) => (v.lat - origin.lat) * ky);

  let inside = false;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const xi = xs[i]!;
    const yi = ys[i]!;
    const xj = xs[j]!;
    const yj = ys[j]!;
    // Ray casting: count the edges a ray from p towards +x crosses.
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    best = Math.min(best, segmentDistance(x, y, xi, yi, xj, yj));
  }
  return { inside, distanceM: best };
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
