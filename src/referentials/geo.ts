import { raw, sql, type Sql } from '../db/sql';
import type { Commune } from './referential.types';

/** Mean Earth radius (IUGG), in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Kilometres in a degree of latitude (and of longitude at the equator). */
export const KM_PER_DEGREE_LATITUDE = 111.045;

/**
 * The half-sides, in degrees, of the box around a point at `latitude` that holds every point within
 * `radiusKm`: what an index on (latitude, longitude) narrows a distance search to first.
 */
export function boundingBoxDegrees(latitude: number, radiusKm: number): { dLat: number; dLon: number } {
  return {
    dLat: radiusKm / KM_PER_DEGREE_LATITUDE,
    dLon: radiusKm / (KM_PER_DEGREE_LATITUDE * Math.max(0.01, Math.cos((latitude * Math.PI) / 180))),
  };
}

/**
 * haversineKm in SQL (both engines), from the `latitude` and `longitude` columns of the row aliased
 * `alias` to a point: the exact distance a search filters or sorts on after its bounding box.
 */
export function haversineKmSql(alias: string, latitude: number, longitude: number): Sql {
  const lat = raw(`${alias}.latitude`);
  const lon = raw(`${alias}.longitude`);
  return sql`(${EARTH_RADIUS_KM} * 2 * ASIN(SQRT(POWER(SIN(RADIANS(${lat} - ${latitude}) / 2), 2) + COS(RADIANS(${latitude})) * COS(RADIANS(${lat})) * POWER(SIN(RADIANS(${lon} - ${longitude}) / 2), 2))))`;
}

/** Great-circle distance in kilometres between two WGS84 points (haversine formula). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = toRadians(lat2 - lat1);
  const dLon = toRadians(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(lat1)) * Math.cos(toRadians(lat2)) * Math.sin(dLon / 2) ** 2;
  // min() guards against a rounding error pushing `a` just above 1 for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Canonical form of a French place name for comparisons: case, accents, ligatures,
 * hyphens, apostrophes and punctuation are ignored, "SAINT"/"SAINTE" become "ST"/"STE"
 * (La Poste abbreviates them), and decorations that are not part of the name are dropped:
 * a leading department code ("74 - Annecy", France Travail's style), a trailing
 * "(74)" and "CEDEX 9".
 */
export function normalizePlaceName(name: string): string {
  return name
    .replace(/^\s*(?:\d{2,3}|2[AB])\s*-\s+/i, '')
    .replace(/\s*\(\s*(?:\d{2,3}|2[AB])\s*\)\s*$/i, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/œ/gi, 'oe')
    .replace(/æ/gi, 'ae')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .replace(/\bCEDEX(?: \d+)?\b/g, ' ')
    .replace(/\bSAINTE\b/g, 'STE')
    .replace(/\bSAINT\b/g, 'ST')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The location columns offers and CVs store. */
export interface LocationColumns {
  communeCode: string;
  postalCode: string | null;
  city: string;
  departmentCode: string;
  regionCode: string;
  latitude: number | null;
  longitude: number | null;
}

/** The location columns of a resolved commune (the given postal code if it is the commune's). */
export function locationColumns(commune: Commune, postalCode: string | null): LocationColumns {
  return {
    communeCode: commune.code,
    postalCode: postalCode && commune.postalCodes.includes(postalCode) ? postalCode : (commune.postalCodes[0] ?? null),
    city: commune.name,
    departmentCode: commune.departmentCode,
    regionCode: commune.regionCode,
    latitude: commune.latitude,
    longitude: commune.longitude,
  };
}
