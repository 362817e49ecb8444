import { describe, expect, test } from 'vitest';
import { EARTH_RADIUS_M, circleEdge, haversineM, polygonEdge, type LatLon } from '../../../../gateway/rules/measures/geometry.js';

const RAD = Math.PI / 180;

/** The point `east` and `north` metres from `origin`, on the sphere (exact enough below a kilometre). */
function offset(origin: LatLon, east: number, north: number): LatLon {
  return {
    lat: origin.lat + north / (EARTH_RADIUS_M * RAD),
    lon: origin.lon + east / (EARTH_RADIUS_M * RAD * Math.cos(origin.lat * RAD)),
  };
}

const PEOPLES_SQUARE: LatLon = { lat: 31.23, lon: 121.47 };

describe('haversineM', () => {
  test.each([
    { name: '0.001 deg of latitude is about 111.2 m', a: { lat: 31.23, lon: 121.47 }, b: { lat: 31.231, lon: 121.47 }, m: 111.195 },
    { name: '1 deg of longitude on the equator is about 111.2 km', a: { lat: 0, lon: 10 }, b: { lat: 0, lon: 11 }, m: 111_194.9 },
    { name: 'equator to pole is a quarter of the circumference', a: { lat: 0, lon: 0 }, b: { lat: 90, lon: 0 }, m: (Math.PI / 2) * EARTH_RADIUS_M },
    { name: 'antipodes are half the circumference apart', a: { lat: 30, lon: 120 }, b: { lat: -30, lon: -60 }, m: Math.PI * EARTH_RADIUS_M },
    { name: 'across the antimeridian is the short way round', a: { lat: 0, lon: 179.9995 }, b: { lat: 0, lon: -179.9995 }, m: 111.195 },
    { name: 'a point is 0 m from itself', a: PEOPLES_SQUARE, b: PEOPLES_SQUARE, m: 0 },
  ])('$name', ({ a, b, m }) => {
    expect(haversineM(a, b)).toBeCloseTo(m, 0);
    expect(haversineM(b, a)).toBeCloseTo(haversineM(a, b), 9);
  });

  test('a point 100 m east of a centre at 31.23 N is about 100 m away', () => {
    expect(haversineM(PEOPLES_SQUARE, offset(PEOPLES_SQUARE, 100, 0))).toBeCloseTo(100, 2);
  });
});

describe('circleEdge', () => {
  test.each([
    { name: 'the centre is inside by the radius', east: 0, north: 0, inside: true, distanceM: 200 },
    { name: '150 m east is 50 m inside', east: 150, north: 0, inside: true, distanceM: 50 },
    { name: '250 m north is 50 m outside', east: 0, north: 250, inside: false, distanceM: 50 },
    { name: '620 m south-west is 420 m outside', east: -620 / Math.SQRT2, north: -620 / Math.SQRT2, inside: false, distanceM: 420 },
  ])('$name', ({ east, north, inside, distanceM }) => {
    const edge = circleEdge(offset(PEOPLES_SQUARE, east, north), PEOPLES_SQUARE, 200);
    expect(edge.inside).toBe(inside);
    expect(edge.distanceM).toBeCloseTo(distanceM, 1);
  });
});

describe('polygonEdge', () => {
  /** A 200 m x 200 m square with its south-west corner at the origin. */
  const square = [
    [0, 0],
    [200, 0],
    [200, 200],
    [0, 200],
  ].map(([e, n]) => offset(PEOPLES_SQUARE, e!, n!));
  /** An L: the square without its north-east quarter (the notch). */
  const ell = [
    [0, 0],
    [200, 0],
    [200, 100],
    [100, 100],
    [100, 200],
    [0, 200],
  ].map(([e, n]) => offset(PEOPLES_SQUARE, e!, n!));

  test.each([
    { name: 'the middle of the square is 100 m inside', shape: square, east: 100, north: 100, inside: true, distanceM: 100 },
    { name: '30 m west of the square is 30 m outside', shape: square, east: -30, north: 100, inside: false, distanceM: 30 },
    { name: 'beyond a corner the distance is to the corner', shape: square, east: 230, north: 240, inside: false, distanceM: 50 },
    { name: 'the foot of the L is inside', shape: ell, east: 150, north: 50, inside: true, distanceM: 50 },
    { name: 'the arm of the L is inside', shape: ell, east: 50, north: 150, inside: true, distanceM: 50 },
    { name: 'the notch of the L is outside, 50 m from the inner corner edges', shape: ell, east: 150, north: 150, inside: false, distanceM: 50 },
    { name: 'deep in the notch it is outside, nearest the closer edge', shape: ell, east: 190, north: 120, inside: false, distanceM: 20 },
    { name: 'far away is outside', shape: ell, east: 5000, north: -3000, inside: false, distanceM: Math.hypot(4800, 3000) },
  ])('$name', ({ shape, east, north, inside, distanceM }) => {
    const p = offset(PEOPLES_SQUARE, east, north);
    for (const points of [shape, shape.slice().reverse()]) {
      const edge = polygonEdge(p, points);
      expect(edge.inside).toBe(inside);
      expect(Math.abs(edge.distanceM - distanceM)).toBeLessThan(distanceM * 0.005 + 0.1);
    }
  });

  test('a fence across the antimeridian stays one piece', () => {
    const fiji = [
      { lat: -16.001, lon: 179.999 },
      { lat: -16.001, lon: -179.999 },
      { lat: -15.999, lon: -179.999 },
      { lat: -15.999, lon: 179.999 },
    ];
    expect(polygonEdge({ lat: -16, lon: 180 }, fiji).inside).toBe(true);
    expect(polygonEdge({ lat: -16, lon: -180 }, fiji).inside).toBe(true);
    expect(polygonEdge({ lat: -16, lon: 179.99 }, fiji).inside).toBe(false);
  });
});
