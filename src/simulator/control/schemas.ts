/**
 * Request bodies of the control API. Directory payloads (users, groups, policies) are passed to the store,
 * which validates them as Graph does; these schemas only check what the store does not see.
 */
import { z } from 'zod';
import { GRAPH_PERMISSIONS } from '../generator/graph-permissions';
import { PRESETS } from '../generator';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a GUID');
const count = z.number().int().min(1);
const probability = z.number().min(0).max(1);
const applicationPermission = z.string().refine((p) => Boolean(Object.hasOwn(GRAPH_PERMISSIONS, p) && GRAPH_PERMISSIONS[p].role), {
  message: 'expected a Microsoft Graph application permission such as User.Read.All',
});

export const createTenantBody = z.strictObject({
  preset: z.enum(PRESETS),
  seed: z.number().int().optional(),
  tenantId: guid.optional(),
  productAppId: guid.optional(),
  users: count.optional(),
  groups: count.optional(),
});

export const registerAppBody = z.strictObject({
  clientId: guid.optional(),
  displayName: z.string().min(1),
  redirectUris: z.array(z.url()),
  applicationPermissions: z.array(applicationPermission).optional(),
});

/** A JSON object; its properties are checked by the store. */
export const directoryPatch = z.record(z.string(), z.unknown());

export const moveBody = z.strictObject({ fromGroupId: z.string().min(1), toGroupId: z.string().min(1) });
export const memberBody = z.strictObject({ memberId: z.string().min(1) });
export const credentialBody = z.strictObject({ endDateTime: z.iso.datetime({ offset: true }) });
export const revokeBody = z.strictObject({ clientId: guid });

export const faultsBody = z.strictObject({
  serverErrorRate: probability.optional(),
  throttleNextRequests: z.number().int().min(0).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  latencyMs: z.number().int().min(0).optional(),
  replicationLagMs: z.number().int().min(0).optional(),
  tokenServerErrorRate: probability.optional(),
});

export const advanceClockBody = z.strictObject({ ms: z.number().int().min(0) });

export const settingsBody = z.strictObject({
  accessTokenLifetimeSeconds: z.number().int().min(1).optional(),
  throttlingEnabled: z.boolean().optional(),
});
