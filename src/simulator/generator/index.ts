/**
 * Deterministic tenant generator: the same preset and options give the same tenant, ids and data included
 * (dates are relative to `now`, which defaults to the wall clock: pass it to compare whole tenants).
 */
import type { SimTenant } from '../model';
import { idFactory } from './random';
import { generateScale, SCALE_DEFAULTS } from './scale';
import { DEFAULT_PRODUCT_APP_ID, DEFAULT_SEED, generateVerafield, VERAFIELD_TENANT_ID } from './verafield';

export const PRESETS = ['verafield', 'scale'] as const;
export type Preset = (typeof PRESETS)[number];

export interface GenerateOptions {
  seed?: number;
  tenantId?: string;
  productAppId?: string;
  /** scale only */
  users?: number;
  /** scale only */
  groups?: number;
  /** Clock ms that creation dates and credential expiries are relative to. */
  now?: number;
}

export function generateTenant(preset: Preset, options: GenerateOptions = {}): SimTenant {
  const seed = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? Date.now();
  switch (preset) {
    case 'verafield':
      return generateVerafield({
        tenantId: (options.tenantId ?? VERAFIELD_TENANT_ID).toLowerCase(),
        seed,
        productAppId: (options.productAppId ?? DEFAULT_PRODUCT_APP_ID).toLowerCase(),
        now,
      });
    case 'scale':
      return generateScale({
        tenantId: (options.tenantId ?? scaleTenantId(seed)).toLowerCase(),
        seed,
        users: options.users ?? SCALE_DEFAULTS.users,
        groups: options.groups ?? SCALE_DEFAULTS.groups,
        now,
      });
    default:
      throw new RangeError(`unknown tenant preset '${String(preset)}': expected one of ${PRESETS.join(', ')}`);
  }
}

/** The scale preset's tenant id when none is given: one per seed. */
export function scaleTenantId(seed: number): string {
  return idFactory('scale-preset')(`tenant:${seed}`);
}

export { GRAPH_APP_ID, GRAPH_PERMISSIONS, appRoleIdOf, appRoleNameOf, scopeIdOf } from './graph-permissions';
export { SCALE_DEFAULTS, scaleDomain } from './scale';
export {
  DEFAULT_PRODUCT_APP_ID,
  DEFAULT_SEED,
  VERAFIELD,
  VERAFIELD_COUNTS,
  VERAFIELD_DOMAIN,
  VERAFIELD_INITIAL_DOMAIN,
  VERAFIELD_TENANT_ID,
  verafieldFixture,
  type VerafieldFixture,
} from './verafield';
