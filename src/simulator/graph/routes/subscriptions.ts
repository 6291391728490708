/**
 * /subscriptions: Graph's change-notification subscriptions for `users` and `groups` (create with validation of
 * the notification URLs, list, get, renew by PATCH, delete, reauthorize). The rules and facts are in
 * ../subscriptions/rules.ts; delivery and validation in ../subscriptions/store.ts.
 */
import { badRequest } from '../../errors';
import { contextUrl, json, noContent, type Call } from '../http';
import type { RouteDef } from '../route';
import { requirePermission } from '../scopes';
import { parseSubscriptionRequest, PERMISSION_FOR, requestedResource } from '../subscriptions/rules';
import { subscriptionsOf, type SimSubscription } from '../subscriptions/store';
import { objectBody } from './body';

/** The subscription as Graph returns it. clientState only in the answers to create and renew [unverified]. */
function view(call: Call, s: SimSubscription, withClientState: boolean): Record<string, unknown> {
  return {
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeTypes.join(','),
    clientState: withClientState ? s.clientState : null,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: new Date(s.expiresAt).toISOString(),
    creatorId: s.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
    notificationContentType: 'application/json',
  };
}

/** Reading or changing a subscription needs the permission its resource needed at creation. */
function own(call: Call): SimSubscription {
  const s = subscriptionsOf(call.ctx).get(call.claims, call.params.id);
  requirePermission(call.claims, PERMISSION_FOR[s.resource]);
  return s;
}

export const subscriptionRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/subscriptions',
    // The resource in the body decides; an unsupported one is refused by the handler with Graph's 400.
    permission: (req) => {
      const resource = requestedResource(req.body);
      return resource ? PERMISSION_FOR[resource] : 'none';
    },
    handler: async (call) => {
      const request = parseSubscriptionRequest(objectBody(call.req), call.ctx.now());
      const s = await subscriptionsOf(call.ctx).create(call.claims, call.tenant.id, request);
      return json(201, { '@odata.context': contextUrl(call, 'subscriptions/$entity'), ...view(call, s, true) });
    },
  },
  {
    method: 'GET',
    template: '/subscriptions',
    permission: 'none',
    handler: (call) => ({
      ...json(200, { '@odata.context': contextUrl(call, 'subscriptions'), value: subscriptionsOf(call.ctx).list(call.claims).map((s) => view(call, s, false)) }),
    }),
  },
  {
    method: 'GET',
    template: '/subscriptions/{id}',
    permission: 'none',
    handler: (call) => json(200, { '@odata.context': contextUrl(call, 'subscriptions/$entity'), ...view(call, own(call), false) }),
  },
  {
    method: 'PATCH',
    template: '/subscriptions/{id}',
    permission: 'none',
    handler: (call) => {
      const body = objectBody(call.req);
      const unsupported = Object.keys(body).filter((k) => k !== 'expirationDateTime' && k !== 'notificationUrl');
      if (unsupported.length) throw badRequest(`Only expirationDateTime can be updated on a subscription here; got ${unsupported.join(', ')}.`);
      if (body.notificationUrl !== undefined) throw badRequest('Changing notificationUrl is not supported by the simulator: delete the subscription and create a new one.');
      own(call);
      const s = subscriptionsOf(call.ctx).renew(call.claims, call.params.id, body.expirationDateTime);
      return json(200, { '@odata.context': contextUrl(call, 'subscriptions/$entity'), ...view(call, s, true) });
    },
  },
  {
    method: 'DELETE',
    template: '/subscriptions/{id}',
    permission: 'none',
    handler: (call) => {
      own(call);
      subscriptionsOf(call.ctx).delete(call.claims, call.params.id);
      return noContent();
    },
  },
  {
    method: 'POST',
    template: '/subscriptions/{id}/reauthorize',
    permission: 'none',
    // Reauthorizing checks the caller's current rights to the resource; the expiry is unchanged.
    handler: (call) => {
      own(call);
      return noContent();
    },
  },
];
