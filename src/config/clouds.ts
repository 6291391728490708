/** The Entra clouds a tenant can live in (config reads ENTRA_CLOUD with these; tenants store one). */
export const ENTRA_CLOUDS = ['global', 'usgov-l4', 'usgov-l5', 'china', 'custom'] as const;
export type EntraCloud = (typeof ENTRA_CLOUDS)[number];
