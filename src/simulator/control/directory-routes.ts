/**
 * Control routes that change a tenant: tenants, users, groups, memberships, policies, credentials, consent and
 * delta state. Every directory change goes through the store, so it is validated as Graph would and shows up
 * in the next delta round.
 */
import { Router, type Request } from 'express';
import { consentKey, type SimulatorContext } from '../context';
import { notFound } from '../errors';
import { generateTenant } from '../generator';
import type { KeyCredential, PasswordCredential, SimGroup, SimTenant, SimUser } from '../model';
import { ControlError, parseBody } from './http';
import {
  createTenantBody,
  credentialBody,
  directoryPatch,
  memberBody,
  moveBody,
  revokeBody,
} from './schemas';
import { tenantDetail, tenantSummary, userView } from './views';

type TenantRequest = Request<{ tid: string; id: string; memberId: string; keyId: string }>;

export function directoryRoutes(ctx: SimulatorContext): Router {
  const { store } = ctx;
  const router = Router();
  const tenantOf = (req: TenantRequest): SimTenant => store.requireTenant(req.params.tid);
  const permanent = (req: Request): boolean => req.query.permanent === 'true';

  router.post('/tenants', (req, res) => {
    const body = parseBody(createTenantBody, req.body);
    const tenant = generateTenant(body.preset, { ...body, now: ctx.now() });
    store.addTenant(tenant);
    res.status(201).json(tenantSummary(tenant));
  });
  router.get('/tenants', (_req, res) => {
    res.json([...store.tenants.values()].map(tenantSummary));
  });
  router.get('/tenants/:tid', (req: TenantRequest, res) => {
    res.json(tenantDetail(tenantOf(req)));
  });

  router.post('/tenants/:tid/users', (req: TenantRequest, res) => {
    res.status(201).json(userView(store.createUser(tenantOf(req).id, parseBody(directoryPatch, req.body))));
  });
  router.patch('/tenants/:tid/users/:id', (req: TenantRequest, res) => {
    const patch = parseBody(directoryPatch, req.body) as Partial<SimUser>;
    res.json(userView(store.updateUser(tenantOf(req).id, req.params.id, patch)));
  });
  router.delete('/tenants/:tid/users/:id', (req: TenantRequest, res) => {
    store.deleteUser(tenantOf(req).id, req.params.id, { permanent: permanent(req) });
    res.status(204).end();
  });
  router.post('/tenants/:tid/users/:id/move', (req: TenantRequest, res) => {
    const { fromGroupId, toGroupId } = parseBody(moveBody, req.body);
    moveMember(ctx, tenantOf(req), req.params.id, fromGroupId, toGroupId);
    res.status(204).end();
  });

  router.post('/tenants/:tid/groups', (req: TenantRequest, res) => {
    res.status(201).json(store.createGroup(tenantOf(req).id, parseBody(directoryPatch, req.body)));
  });
  router.patch('/tenants/:tid/groups/:id', (req: TenantRequest, res) => {
    const patch = parseBody(directoryPatch, req.body) as Partial<SimGroup>;
    res.json(store.updateGroup(tenantOf(req).id, req.params.id, patch));
  });
  router.delete('/tenants/:tid/groups/:id', (req: TenantRequest, res) => {
    store.deleteGroup(tenantOf(req).id, req.params.id, { permanent: permanent(req) });
    res.status(204).end();
  });
  router.post('/tenants/:tid/groups/:id/members', (req: TenantRequest, res) => {
    store.addMember(tenantOf(req).id, req.params.id, parseBody(memberBody, req.body).memberId);
    res.status(204).end();
  });
  router.delete('/tenants/:tid/groups/:id/members/:memberId', (req: TenantRequest, res) => {
    store.removeMember(tenantOf(req).id, req.params.id, req.params.memberId);
    res.status(204).end();
  });

  router.patch('/tenants/:tid/policies/:id', (req: TenantRequest, res) => {
    res.json(store.updatePolicy(tenantOf(req).id, req.params.id, parseBody(directoryPatch, req.body)));
  });

  router.patch('/tenants/:tid/applications/:id/credentials/:keyId', (req: TenantRequest, res) => {
    const { endDateTime } = parseBody(credentialBody, req.body);
    const credential = findCredential(tenantOf(req), req.params.id, req.params.keyId);
    credential.endDateTime = new Date(endDateTime).toISOString();
    res.json(credential);
  });

  router.post('/tenants/:tid/consents/revoke', (req: TenantRequest, res) => {
    const tenant = tenantOf(req);
    const { clientId } = parseBody(revokeBody, req.body);
    const consent = ctx.consents.get(consentKey(tenant.id, clientId));
    if (consent) {
      consent.revoked = true;
      consent.generation += 1;
    }
    const hadServicePrincipal = [...tenant.servicePrincipals.values()].some((sp) => sp.appId.toLowerCase() === clientId.toLowerCase());
    if (!consent && !hadServicePrincipal) {
      throw new ControlError(404, 'NotFound', `Tenant ${tenant.id} has neither a consent nor a service principal for client ${clientId}.`);
    }
    store.removeServicePrincipal(tenant.id, clientId);
    res.json({ consentRevoked: Boolean(consent), servicePrincipalRemoved: hadServicePrincipal });
  });

  router.post('/tenants/:tid/delta/reset', (req: TenantRequest, res) => {
    store.resetDeltaTokens(tenantOf(req).id);
    res.status(204).end();
  });
  return router;
}

/**
 * Moves a member between groups as one change: both ends are checked first, so a refused move changes
 * nothing (no half-done move in the delta log).
 */
function moveMember(ctx: SimulatorContext, tenant: SimTenant, memberId: string, fromGroupId: string, toGroupId: string): void {
  const from = tenant.members.get(fromGroupId);
  const to = tenant.members.get(toGroupId);
  if (!from || !tenant.groups.has(fromGroupId)) throw notFound(fromGroupId);
  if (!to || !tenant.groups.has(toGroupId)) throw notFound(toGroupId);
  if (!from.has(memberId)) throw new ControlError(400, 'InvalidRequest', `${memberId} is not a direct member of group ${fromGroupId}.`);
  if (to.has(memberId)) throw new ControlError(400, 'InvalidRequest', `${memberId} is already a member of group ${toGroupId}.`);
  ctx.store.addMember(tenant.id, toGroupId, memberId);
  ctx.store.removeMember(tenant.id, fromGroupId, memberId);
}

/** `id` may be the object id or the appId of an application or a service principal. */
function findCredential(tenant: SimTenant, id: string, keyId: string): PasswordCredential | KeyCredential {
  const wanted = id.toLowerCase();
  const owners = [...tenant.applications.values(), ...tenant.servicePrincipals.values()].filter(
    (o) => o.id === wanted || o.appId.toLowerCase() === wanted,
  );
  if (!owners.length) throw notFound(id);
  for (const owner of owners) {
    const found = [...owner.passwordCredentials, ...owner.keyCredentials].find((c) => c.keyId === keyId);
    if (found) return found;
  }
  throw new ControlError(404, 'NotFound', `No password or key credential with keyId ${keyId} on application or service principal ${id}.`);
}
