/** Service principals (with their app-role assignments and delegated grants), applications, grants. */
import { notFound } from '../../errors';
import { getObject, listCollection } from '../collection';
import { APP_ROLE_ASSIGNMENT, APPLICATION, OAUTH2_PERMISSION_GRANT, SERVICE_PRINCIPAL, type EntityType } from '../entities';
import type { Call } from '../http';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';

const LIST_OPTIONS = ['$select', '$filter', '$top', '$count', '$search', '$orderby', '$skiptoken'] as const;
const listRules = (entity: EntityType): QueryRules => ({ entity, allowed: LIST_OPTIONS, maxTop: 999 });
const itemRules = (entity: EntityType): QueryRules => ({ entity, allowed: ['$select'] });

function servicePrincipal(call: Call) {
  const sp = call.tenant.servicePrincipals.get(call.params.id);
  if (!sp) throw notFound(call.params.id);
  return sp;
}

export const appRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/servicePrincipals',
    permission: 'readApps',
    handler: (call) =>
      listCollection(call, { rules: listRules(SERVICE_PRINCIPAL), items: [...call.tenant.servicePrincipals.values()], contextFragment: 'servicePrincipals' }),
  },
  {
    method: 'GET',
    template: '/servicePrincipals/{id}',
    permission: 'readApps',
    handler: (call) => getObject(call, itemRules(SERVICE_PRINCIPAL), servicePrincipal(call), 'servicePrincipals'),
  },
  {
    method: 'GET',
    template: '/servicePrincipals/{id}/appRoleAssignments',
    permission: 'readApps',
    handler: (call) => {
      const sp = servicePrincipal(call);
      const items = [...call.tenant.appRoleAssignments.values()].filter((a) => a.principalId === sp.id);
      return listCollection(call, { rules: listRules(APP_ROLE_ASSIGNMENT), items, contextFragment: `servicePrincipals('${sp.id}')/appRoleAssignments` });
    },
  },
  {
    method: 'GET',
    template: '/servicePrincipals/{id}/oauth2PermissionGrants',
    permission: 'readApps',
    handler: (call) => {
      const sp = servicePrincipal(call);
      const items = [...call.tenant.oauth2PermissionGrants.values()].filter((g) => g.clientId === sp.id);
      return listCollection(call, { rules: listRules(OAUTH2_PERMISSION_GRANT), items, contextFragment: 'oauth2PermissionGrants' });
    },
  },
  {
    method: 'GET',
    template: '/applications',
    permission: 'readApps',
    handler: (call) =>
      listCollection(call, { rules: listRules(APPLICATION), items: [...call.tenant.applications.values()], contextFragment: 'applications' }),
  },
  {
    method: 'GET',
    template: '/applications/{id}',
    permission: 'readApps',
    handler: (call) => {
      const app = call.tenant.applications.get(call.params.id);
      if (!app) throw notFound(call.params.id);
      return getObject(call, itemRules(APPLICATION), app, 'applications');
    },
  },
  {
    method: 'GET',
    template: '/oauth2PermissionGrants',
    permission: 'readApps',
    handler: (call) =>
      listCollection(call, {
        rules: listRules(OAUTH2_PERMISSION_GRANT),
        items: [...call.tenant.oauth2PermissionGrants.values()],
        contextFragment: 'oauth2PermissionGrants',
      }),
  },
];
