/**
 * The columns offers and CVs both store for a resolved commune (what referentials/geo.ts's
 * locationColumns gives), in table order.
 */
export const LOCATION_COLUMNS = ['commune_code', 'postal_code', 'city', 'department_code', 'region_code', 'latitude', 'longitude'] as const;
