/**
 * Which directory roles count as privileged in a security review: the built-in roles Microsoft labels
 * PRIVILEGED in "Microsoft Entra built-in roles" (entra-docs, identity/role-based-access-control/
 * permissions-reference.md, template ids as published there). A privileged role can change credentials,
 * authentication or authorization policy, or reach restricted data, so its holders can raise their own or
 * others' privileges. Role assignments and policies name roles by TEMPLATE id, so this table does too.
 *
 * Custom roles (isBuiltIn false) are judged by their permissions (privilegedActionsOf below): Graph v1.0 has no
 * isPrivileged on unifiedRoleDefinition or unifiedRbacResourceAction (only beta has), so the gateway cannot ask.
 */

export const PRIVILEGED_ROLE_TEMPLATES: Readonly<Record<string, string>> = Object.freeze({
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': 'Privileged Authentication Administrator',
  '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
  '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f': 'Security Operator',
  '5d6b6bb7-de71-4623-b4af-96380a352509': 'Security Reader',
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': 'Global Reader',
  'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
  '966707d0-3269-4727-9be2-8c3a10f19b9d': 'Password Administrator',
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': 'Authentication Administrator',
  '25a516ed-2fa0-40ea-a2d0-12923a21473a': 'Authentication Extensibility Administrator',
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': 'Conditional Access Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  'cf1c38e5-3621-4004-a7cb-879624dced7c': 'Application Developer',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  '7698a772-787b-4ac8-901f-60d6b08affd2': 'Cloud Device Administrator',
  '3a2c62db-5318-420d-8d74-23affee5d9d5': 'Intune Administrator',
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2': 'Hybrid Identity Administrator',
  '8329153b-31d0-4727-b945-745eb3bc5f31': 'Domain Name Administrator',
  'be2f45a1-457d-42af-a067-6ec1fa63bc45': 'External Identity Provider Administrator',
  '9360feb5-f418-4baa-8175-e2a00bac4301': 'Directory Writers',
  'aaf43236-0c0d-4d5f-883a-6955382ac081': 'B2C IEF Keyset Administrator',
  'ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe': 'Attribute Provisioning Administrator',
  '422218e4-db15-4ef9-bbe0-8afb41546d79': 'Attribute Provisioning Reader',
  '59d46f88-662b-457b-bceb-5c3809e5908f': 'Lifecycle Workflows Administrator',
  'db506228-d27e-4b7d-95e5-295956d6615f': 'Agent ID Administrator',
  '4ba39ca4-527c-499a-b93d-d9b492c50246': 'Partner Tier1 Support',
  'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8': 'Partner Tier2 Support',
});

/** Template ids compare case-insensitively (Graph GUIDs). */
export function isPrivilegedRole(roleTemplateId: string | null | undefined): boolean {
  return typeof roleTemplateId === 'string' && Object.hasOwn(PRIVILEGED_ROLE_TEMPLATES, roleTemplateId.toLowerCase());
}

/**
 * Permissions Microsoft labels PRIVILEGED (the "Privileged label icon" next to an action) in "Microsoft Entra
 * built-in roles", https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 * (source: github.com/MicrosoftDocs/entra-docs, docs/identity/role-based-access-control/includes/<role>.md, the
 * action tables the page includes), checked action by action on 2026-12-04 against these include files:
 * global-administrator.md, application-administrator.md, authentication-administrator.md,
 * helpdesk-administrator.md, cloud-device-administrator.md, conditional-access-administrator.md,
 * privileged-role-administrator.md, external-identity-provider-administrator.md, b2c-ief-keyset-administrator.md;
 * the two applications.myOrganization actions from privileged-roles-permissions.md (its isPrivileged example).
 * The actions a CUSTOM role can hold (custom-available-permissions.md, custom-enterprise-app-permissions.md,
 * custom-user-permissions.md) meet this table only through applications/servicePrincipals credentials and
 * allProperties; the rest is here because a role's permissions are judged whatever they are, and because the
 * `allProperties`/`allTasks` keywords below reach them.
 * Deliberately absent, because Microsoft does NOT label them (the same pages list them without the label):
 * roleAssignments/roleDefinitions allProperties/allTasks, conditionalAccessPolicies/*,
 * servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin, servicePrincipals/synchronizationCredentials/manage.
 * Keyed lower-case, `<namespace>/<entity>/<propertySet>/<action>`.
 */
export const PRIVILEGED_ACTIONS: ReadonlyMap<string, string> = new Map(
  [
    // application-administrator.md; privileged-roles-permissions.md (myOrganization); global-administrator.md (allTasks)
    'microsoft.directory/applications/credentials/update',
    'microsoft.directory/applications.myOrganization/credentials/update',
    'microsoft.directory/applications.myOrganization/allProperties/update',
    'microsoft.directory/applications/allProperties/allTasks',
    'microsoft.directory/servicePrincipals/credentials/update',
    'microsoft.directory/servicePrincipals/allProperties/allTasks',
    'microsoft.directory/oAuth2PermissionGrants/allProperties/allTasks',
    'microsoft.directory/customAuthenticationExtensions/allProperties/allTasks',
    // authentication-administrator.md, helpdesk-administrator.md, global-administrator.md
    'microsoft.directory/users/allProperties/allTasks',
    'microsoft.directory/users/password/update',
    'microsoft.directory/users/userPrincipalName/update',
    'microsoft.directory/users/delete',
    'microsoft.directory/users/disable',
    'microsoft.directory/users/enable',
    'microsoft.directory/users/invalidateAllRefreshTokens',
    'microsoft.directory/users/authenticationMethods/create',
    'microsoft.directory/users/authenticationMethods/delete',
    'microsoft.directory/users/authenticationMethods/basic/update',
    'microsoft.directory/users/authenticationMethods/standard/read',
    'microsoft.directory/groups/allProperties/allTasks',
    // cloud-device-administrator.md, helpdesk-administrator.md, global-administrator.md
    'microsoft.directory/bitlockerKeys/key/read',
    'microsoft.directory/devices/allProperties/allTasks',
    'microsoft.directory/deviceManagementPolicies/basic/update',
    'microsoft.directory/deviceRegistrationPolicy/basic/update',
    // privileged-role-administrator.md, conditional-access-administrator.md, global-administrator.md
    'microsoft.directory/authorizationPolicy/allProperties/allTasks',
    'microsoft.directory/policies/allProperties/allTasks',
    'microsoft.directory/resourceNamespaces/resourceActions/authenticationContext/update',
    'microsoft.directory/identityProtection/allProperties/allTasks',
    'microsoft.directory/hybridAuthenticationPolicy/allProperties/allTasks',
    'microsoft.directory/domains/allProperties/allTasks',
    // external-identity-provider-administrator.md, b2c-ief-keyset-administrator.md
    'microsoft.directory/domains/federation/update',
    'microsoft.directory/identityProviders/allProperties/allTasks',
    'microsoft.directory/b2cTrustFrameworkKeySet/allProperties/allTasks',
  ].map((action) => [action.toLowerCase(), action]),
);

/**
 * Whether `granted` (an allowedResourceAction of a role) grants the privileged `action`: the same action, or a
 * broader one by the documented keywords: `allEntities/allTasks` (every entity of the namespace),
 * `<entity>/allProperties/allTasks` (everything on the entity), `<entity>/allProperties/<verb>` (that verb on
 * every property set of the entity). Lower-case input.
 */
function grants(granted: string, action: string): boolean {
  if (granted === action) return true;
  const [namespace, entity, propertySet, verb] = granted.split('/');
  const target = action.split('/');
  if (namespace !== target[0]) return false;
  if (entity === 'allentities') return propertySet === 'alltasks';
  if (entity !== target[1] || propertySet !== 'allproperties') return false;
  return verb === 'alltasks' || verb === target[target.length - 1];
}

export interface RolePermissionJson {
  allowedResourceActions: readonly string[];
  excludedResourceActions: readonly string[];
}

/**
 * The privileged permissions a role's rolePermissions grant (the table's spelling, sorted): each allowed action
 * checked against PRIVILEGED_ACTIONS, less what the same permission block excludes. Non-empty = privileged.
 */
export function privilegedActionsOf(permissions: readonly RolePermissionJson[]): string[] {
  const found = new Set<string>();
  for (const permission of permissions) {
    const excluded = new Set(permission.excludedResourceActions.map((a) => a.toLowerCase()));
    for (const allowed of permission.allowedResourceActions.map((a) => a.toLowerCase())) {
      for (const [action, spelling] of PRIVILEGED_ACTIONS) if (!excluded.has(action) && grants(allowed, action)) found.add(spelling);
    }
  }
  return [...found].sort();
}
