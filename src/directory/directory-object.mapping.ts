/**
 * Graph JSON -> the directory's GraphQL objects. Pure; a property Graph did not return (not selected) maps to
 * null. Class instances, so the DirectoryMember union tells its members apart by class.
 */
import { AssignedLicense, DirectoryRole, Group, GroupKind, ServicePrincipal, User } from './directory-object.types';

export type GraphJson = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
const strings = (value: unknown): string[] | null => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null);

function date(value: unknown): Date | null {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
}

/** Graph's id is the one property every object has; without it the answer is not a directory object. */
function id(json: GraphJson): string {
  if (typeof json.id !== 'string') throw new Error(`expected a directory object with a string id, got ${JSON.stringify(json).slice(0, 120)}`);
  return json.id;
}

export function toUser(json: GraphJson, tenantId: string): User {
  const licenses = Array.isArray(json.assignedLicenses) ? (json.assignedLicenses as GraphJson[]) : null;
  return Object.assign(new User(), {
    id: id(json),
    tenantId,
    displayName: str(json.displayName),
    userPrincipalName: str(json.userPrincipalName),
    mail: str(json.mail),
    department: str(json.department),
    jobTitle: str(json.jobTitle),
    accountEnabled: bool(json.accountEnabled),
    userType: str(json.userType),
    createdAt: date(json.createdDateTime),
    assignedLicenses:
      licenses?.map((license) => Object.assign(new AssignedLicense(), { skuId: str(license.skuId) ?? '', disabledPlans: strings(license.disabledPlans) ?? [] })) ?? null,
  });
}

/** graph-facts §7: "Unified" = Microsoft 365; otherwise mail- and security-enabled decide. Null when not read. */
export function groupKind(groupTypes: string[] | null, mailEnabled: boolean | null, securityEnabled: boolean | null): GroupKind | null {
  if (groupTypes === null) return null;
  if (groupTypes.includes('Unified')) return GroupKind.MICROSOFT_365;
  if (mailEnabled === null || securityEnabled === null) return null;
  if (mailEnabled) return securityEnabled ? GroupKind.MAIL_ENABLED_SECURITY : GroupKind.DISTRIBUTION;
  return GroupKind.SECURITY;
}

export function toGroup(json: GraphJson, tenantId: string): Group {
  const groupTypes = strings(json.groupTypes);
  return Object.assign(new Group(), {
    id: id(json),
    tenantId,
    displayName: str(json.displayName),
    description: str(json.description),
    kind: groupKind(groupTypes, bool(json.mailEnabled), bool(json.securityEnabled)),
    dynamic: groupTypes && groupTypes.includes('DynamicMembership'),
    membershipRule: str(json.membershipRule),
  });
}

export function toServicePrincipal(json: GraphJson, tenantId: string): ServicePrincipal {
  return Object.assign(new ServicePrincipal(), { id: id(json), tenantId, appId: str(json.appId), displayName: str(json.displayName) });
}

export function toDirectoryRole(json: GraphJson, tenantId: string): DirectoryRole {
  return Object.assign(new DirectoryRole(), {
    id: id(json),
    tenantId,
    displayName: str(json.displayName),
    description: str(json.description),
    roleTemplateId: str(json.roleTemplateId),
  });
}

const MEMBER_MAPPERS: Readonly<Record<string, (json: GraphJson, tenantId: string) => User | Group | ServicePrincipal>> = {
  '#microsoft.graph.user': toUser,
  '#microsoft.graph.group': toGroup,
  '#microsoft.graph.servicePrincipal': toServicePrincipal,
};

/** A member of a group by its @odata.type; null for kinds the schema does not expose (devices, contacts). */
export function toMember(json: GraphJson, tenantId: string): User | Group | ServicePrincipal | null {
  const map = MEMBER_MAPPERS[String(json['@odata.type'])];
  return map ? map(json, tenantId) : null;
}

export const isDirectoryRole = (json: GraphJson): boolean => json['@odata.type'] === '#microsoft.graph.directoryRole';
export const isGroup = (json: GraphJson): boolean => json['@odata.type'] === '#microsoft.graph.group';
