/**
 * Registration of the publisher's apps (the product's multi-tenant app registrations) in the simulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RegisteredApp } from '../context';

export type AppSpec = Partial<RegisteredApp> & { displayName: string; redirectUris: string[] };

const SECRET_LIFETIME_MS = 2 * 365 * 24 * 60 * 60 * 1000;

/** Least-privilege application permissions for every gateway feature (graph-facts §11). */
export const DEFAULT_APPLICATION_PERMISSIONS = [
  'User.Read.All',
  'User.ReadWrite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'Policy.Read.All',
  'Application.Read.All',
];

/** Fills in what an app spec leaves out: a random client id, one fresh secret, the default permissions. */
export function registerApp(spec: AppSpec, nowMs: number): RegisteredApp {
  return {
    clientId: (spec.clientId ?? randomUUID()).toLowerCase(),
    displayName: spec.displayName,
    redirectUris: [...spec.redirectUris],
    secrets: spec.secrets ?? [{ secretText: randomBytes(30).toString('base64url'), endDateTime: new Date(nowMs + SECRET_LIFETIME_MS).toISOString() }],
    applicationPermissions: spec.applicationPermissions ?? [...DEFAULT_APPLICATION_PERMISSIONS],
  };
}
