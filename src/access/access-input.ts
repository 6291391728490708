/**
 * Checks on callers' arguments, as pure functions: anything malformed is BAD_USER_INPUT here, before the
 * database or Graph is asked anything.
 */
import { ErrorCode, GatewayError } from '../core/errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// C0 and C1 controls, DEL included: no name, description or sign-in name needs them.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export const TIER_NAME_MAX = 100;
export const TIER_DESCRIPTION_MAX = 500;
/** More would be a mistake, and each group costs a Graph read in a preview. */
export const MAX_PREVIEW_MAPPINGS = 100;

const invalid = (argument: string, message: string) => new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: ${message}`, { argument });

/** An Entra object id or one of our ids (both GUIDs), lower-cased. */
export function guidArg(argument: string, value: string): string {
  if (typeof value !== 'string' || !GUID.test(value)) throw invalid(argument, `expected a GUID like 00000000-0000-0000-0000-000000000000, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

export function tierNameArg(argument: string, value: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > TIER_NAME_MAX) throw invalid(argument, `expected 1 to ${TIER_NAME_MAX} characters, got ${name.length}`);
  if (CONTROL_CHARACTERS.test(name)) throw invalid(argument, 'control characters are not allowed');
  return name;
}

export function tierDescriptionArg(argument: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  const description = value.trim();
  if (description.length > TIER_DESCRIPTION_MAX) throw invalid(argument, `expected at most ${TIER_DESCRIPTION_MAX} characters, got ${description.length}`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(description)) throw invalid(argument, 'control characters other than line breaks and tabs are not allowed');
  return description === '' ? null : description;
}

export function rankArg(argument: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw invalid(argument, `expected an integer, got ${value}`);
  return value;
}

export type UserRef = { kind: 'id'; value: string } | { kind: 'userPrincipalName'; value: string };

/** Exactly one of the user's object id and sign-in name. */
export function userRefArg(userId: string | null | undefined, userPrincipalName: string | null | undefined): UserRef {
  if ((userId == null) === (userPrincipalName == null)) throw invalid('userId', 'expected exactly one of userId and userPrincipalName');
  if (userId != null) return { kind: 'id', value: guidArg('userId', userId) };
  const upn = userPrincipalName!.trim();
  // local@domain, where the local part of a guest is its #EXT# form; Entra caps a UPN at 113 characters.
  if (!/^[^@\s/\\]+@[^@\s/\\]+$/.test(upn) || upn.length > 113 || CONTROL_CHARACTERS.test(upn)) {
    throw invalid('userPrincipalName', `expected a sign-in name like nora.finch@contoso.com, got ${JSON.stringify(userPrincipalName)}`);
  }
  return { kind: 'userPrincipalName', value: upn };
}

/** A proposed mapping set: valid ids, one tier per group, not too many groups. */
export function proposedMappingsArg(mappings: ReadonlyArray<{ groupId: string; tierId: string }>): Array<{ groupId: string; tierId: string }> {
  if (mappings.length > MAX_PREVIEW_MAPPINGS) throw invalid('mappings', `expected at most ${MAX_PREVIEW_MAPPINGS} mappings, got ${mappings.length}`);
  const seen = new Set<string>();
  return mappings.map((mapping, i) => {
    const groupId = guidArg(`mappings[${i}].groupId`, mapping.groupId);
    const tierId = guidArg(`mappings[${i}].tierId`, mapping.tierId);
    if (seen.has(groupId)) throw invalid(`mappings[${i}].groupId`, `group ${groupId} appears more than once; a group maps to one tier`);
    seen.add(groupId);
    return { groupId, tierId };
  });
}
