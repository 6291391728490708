/**
 * Microsoft Graph's own permission ids, as published on Graph's service principal in every tenant
 * (appId 00000003-0000-0000-c000-000000000000). The identity platform and the Graph endpoints map scope and
 * role names to ids through this one table, so a token's `roles`/`scp` and an appRoleAssignment's appRoleId
 * agree with what a real tenant would show. Every id below is Microsoft's real one (permissions reference).
 */
import type { AppRole, PermissionScope } from '../model';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_DISPLAY_NAME = 'Microsoft Graph';

interface PermissionIds {
  /** Application permission (appRole) id, when the permission exists as an application permission. */
  role?: string;
  /** Delegated permission (oauth2PermissionScope) id. */
  scope: string;
  description: string;
}

export const GRAPH_PERMISSIONS: Readonly<Record<string, PermissionIds>> = Object.freeze({
  'User.Read': { scope: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', description: 'Sign in and read user profile' },
  'User.Read.All': {
    role: 'df021288-bdef-4463-88db-98f22de89214',
    scope: 'a154be20-db9c-4678-8ab7-66f6cc099a59',
    description: 'Read all users\' full profiles',
  },
  'User.ReadWrite.All': {
    role: '741f803b-c850-494e-b5df-cde7c675a1ca',
    scope: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4',
    description: 'Read and write all users\' full profiles',
  },
  'GroupMember.Read.All': {
    role: '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    scope: 'bc024368-1153-4739-b217-4326f2e966d0',
    description: 'Read group memberships',
  },
  'GroupMember.ReadWrite.All': {
    role: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
    scope: 'f81125ac-d3b7-4573-a3b2-7099cc39df9e',
    description: 'Read and write group memberships',
  },
  'Group.Read.All': {
    role: '5b567255-7703-4780-807c-7be8301ae99b',
    scope: '5f8c59db-677d-491f-a6b8-5f174b11ec1d',
    description: 'Read all groups',
  },
  'Group.ReadWrite.All': {
    role: '62a82d76-70ea-41e2-9197-370581804d09',
    scope: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0',
    description: 'Read and write all groups',
  },
  'Directory.Read.All': {
    role: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
    scope: '06da0dbc-49e2-44d2-8312-53f166ab848a',
    description: 'Read directory data',
  },
  'RoleManagement.Read.Directory': {
    role: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
    scope: '741c54c3-0c1e-44a1-818b-3f97ab4e8c83',
    description: 'Read all directory RBAC settings',
  },
  'Policy.Read.All': {
    role: '246dd0d5-5bd0-4def-940b-0421030a5b68',
    scope: '572fea84-0151-49b2-9301-11cb16974376',
    description: 'Read your organization\'s policies',
  },
  'Application.Read.All': {
    role: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
    scope: 'c79f8feb-a9db-4090-85f9-90d820caa0eb',
    description: 'Read all applications',
  },
  openid: { scope: '37f7f235-527c-4136-accd-4a02d197296e', description: 'Sign users in' },
  profile: { scope: '14dad69e-099b-42c9-810b-d002981feec1', description: 'View users\' basic profile' },
  email: { scope: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', description: 'View users\' email address' },
  offline_access: { scope: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', description: 'Maintain access to data you have given it access to' },
});

/** Delegated scopes a user may consent to alone; the rest need an administrator (Graph's `type` on each scope). */
const USER_CONSENTABLE = new Set(['User.Read', 'openid', 'profile', 'email', 'offline_access']);

export function graphAppRoles(): AppRole[] {
  return Object.entries(GRAPH_PERMISSIONS).flatMap(([value, p]) =>
    p.role
      ? [{ id: p.role, value, displayName: p.description, description: `Allows the app to: ${p.description.toLowerCase()}.`, allowedMemberTypes: ['Application'], isEnabled: true }]
      : [],
  );
}

export function graphPermissionScopes(): PermissionScope[] {
  return Object.entries(GRAPH_PERMISSIONS).map(([value, p]) => ({
    id: p.scope,
    value,
    adminConsentDisplayName: p.description,
    adminConsentDescription: `Allows the app to: ${p.description.toLowerCase()}.`,
    type: USER_CONSENTABLE.has(value) ? 'User' : 'Admin',
    isEnabled: true,
  }));
}

/** Application permission name -> appRole id; undefined for names that are delegated-only or unknown. */
export function appRoleIdOf(permission: string): string | undefined {
  return Object.hasOwn(GRAPH_PERMISSIONS, permission) ? GRAPH_PERMISSIONS[permission].role : undefined;
}

/** appRole id -> application permission name. */
export function appRoleNameOf(appRoleId: string): string | undefined {
  return Object.entries(GRAPH_PERMISSIONS).find(([, p]) => p.role === appRoleId)?.[0];
}

/** Delegated scope name -> oauth2PermissionScope id. */
export function scopeIdOf(scope: string): string | undefined {
  return Object.hasOwn(GRAPH_PERMISSIONS, scope) ? GRAPH_PERMISSIONS[scope].scope : undefined;
}
