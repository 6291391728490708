/**
 * The security-review side of the directory schema: directory roles, role assignments, privileged users,
 * conditional-access policies with the MFA analysis, service principals and applications with their
 * credentials and permissions, recently deleted users. All fields hang on Tenant (or extend the shared directory types) and read
 * through ctx.directory(tenantId), which authorizes directory:read on the tenant first.
 */
import { AppListsResolver } from './app-lists.resolver';
import { ApplicationResolver } from './application.resolver';
import { DeletedUsersResolver } from './deleted-users.resolver';
import { PolicyResolver } from './policy.resolver';
import { DirectoryRoleSecurityResolver, TenantRolesResolver } from './role.resolver';
import { ServicePrincipalSecurityResolver } from './service-principal.resolver';

export const securityResolvers = [
  TenantRolesResolver,
  DirectoryRoleSecurityResolver,
  PolicyResolver,
  AppListsResolver,
  ApplicationResolver,
  ServicePrincipalSecurityResolver,
  DeletedUsersResolver,
] as const;
