/** /identity/conditionalAccess/policies: rate-limited to 1 request per second per tenant (graph-facts §5). */
import { notFound } from '../../errors';
import { getObject, listCollection } from '../collection';
import { CONDITIONAL_ACCESS_POLICY } from '../entities';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';

const FRAGMENT = 'identity/conditionalAccess/policies';
/** graph-facts §1: policies support $skip as well as $top, $count, $filter, $orderby and $select. */
const LIST_RULES: QueryRules = {
  entity: CONDITIONAL_ACCESS_POLICY,
  allowed: ['$select', '$filter', '$top', '$skip', '$count', '$orderby', '$skiptoken'],
  maxTop: 999,
};

export const policyRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/identity/conditionalAccess/policies',
    permission: 'readPolicies',
    policyRateLimited: true,
    handler: (call) =>
      listCollection(call, { rules: LIST_RULES, items: [...call.tenant.conditionalAccessPolicies.values()], contextFragment: FRAGMENT }),
  },
  {
    method: 'GET',
    template: '/identity/conditionalAccess/policies/{id}',
    permission: 'readPolicies',
    policyRateLimited: true,
    handler: (call) => {
      const policy = call.tenant.conditionalAccessPolicies.get(call.params.id);
      if (!policy) throw notFound(call.params.id);
      return getObject(call, { entity: CONDITIONAL_ACCESS_POLICY, allowed: ['$select'] }, policy, FRAGMENT);
    },
  },
];
