/**
 * Consent: who may grant what, and recording a grant in both places that must agree: ctx.consents (what the
 * token endpoint checks) and the tenant's directory (the service principal, oauth2PermissionGrants and
 * appRoleAssignments that Graph shows).
 *
 * Simplification (noted): ctx.consents keeps one record per tenant and app, so a user's own consent widens
 * that record as an admin's would; the directory still records it as a per-user ('Principal') grant.
 */
import { consentKey, type ConsentRecord, type RegisteredApp, type SimulatorContext } from '../context';
import type { SimServicePrincipal, SimTenant, SimUser } from '../model';

export const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

/** Through an activated directory role or a role assignment (the two views of the same fact in Graph). */
export function isGlobalAdministrator(tenant: SimTenant, userId: string): boolean {
  for (const role of tenant.directoryRoles.values()) {
    if (role.roleTemplateId === GLOBAL_ADMINISTRATOR_TEMPLATE_ID && role.memberIds.includes(userId)) return true;
  }
  for (const a of tenant.roleAssignments.values()) {
    if (a.roleDefinitionId === GLOBAL_ADMINISTRATOR_TEMPLATE_ID && a.principalId === userId) return true;
  }
  return false;
}

/** The live consent of an app in a tenant, or undefined when there is none or it was revoked. */
export function activeConsent(ctx: SimulatorContext, tenantId: string, clientId: string): ConsentRecord | undefined {
  const record = ctx.consents.get(consentKey(tenantId, clientId));
  return record && !record.revoked ? record : undefined;
}

export function servicePrincipalOf(tenant: SimTenant, appId: string): SimServicePrincipal | undefined {
  const wanted = appId.toLowerCase();
  for (const sp of tenant.servicePrincipals.values()) if (sp.appId.toLowerCase() === wanted) return sp;
  return undefined;
}

/** Re-consent after a revocation reuses the record: its generation stays bumped, so older refresh tokens stay dead. */
function liveRecord(ctx: SimulatorContext, tenantId: string, clientId: string): ConsentRecord {
  const key = consentKey(tenantId, clientId);
  let record = ctx.consents.get(key);
  if (!record) {
    record = { tenantId, clientId, delegatedScopes: new Set(), applicationPermissions: new Set(), revoked: false, generation: 0 };
    ctx.consents.set(key, record);
  }
  if (record.revoked) {
    record.revoked = false;
    record.delegatedScopes.clear();
    record.applicationPermissions.clear();
  }
  return record;
}

export function recordDelegatedConsent(
  ctx: SimulatorContext,
  tenant: SimTenant,
  app: RegisteredApp,
  user: SimUser,
  scopes: string[],
  tenantWide: boolean,
): void {
  const record = liveRecord(ctx, tenant.id, app.clientId);
  for (const s of scopes) record.delegatedScopes.add(s);
  const sp = ctx.store.ensureServicePrincipal(tenant.id, { appId: app.clientId, displayName: app.displayName });
  // Entra's oauth2PermissionGrant.scope lists the OpenID scopes (offline_access included) beside Graph's.
  ctx.store.grantDelegated(tenant.id, sp.id, scopes, tenantWide ? 'AllPrincipals' : 'Principal', tenantWide ? undefined : user.id);
}

export function recordApplicationConsent(ctx: SimulatorContext, tenant: SimTenant, app: RegisteredApp): void {
  const record = liveRecord(ctx, tenant.id, app.clientId);
  for (const p of app.applicationPermissions) record.applicationPermissions.add(p);
  const sp = ctx.store.ensureServicePrincipal(tenant.id, { appId: app.clientId, displayName: app.displayName });
  if (app.applicationPermissions.length) ctx.store.grantApplicationPermissions(tenant.id, sp.id, app.applicationPermissions);
}
