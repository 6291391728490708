/**
 * Callers' user data checked before Graph is asked, as pure functions. A bad value becomes an InvalidInput
 * result (data, so that one bad row of a bulk run fails only itself); the Graph body is built here too.
 */
import { generatePassword, passwordProblem, type RandomInt } from './password';
import { invalidInput } from './outcomes';
import type { InvalidInput } from './provisioning.types';
import { upnProblem } from './upn';


// C0 and C1 controls, DEL included: no name needs them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Characters Entra refuses in mailNickname (graph-facts §8, the simulator's check). */
const MAIL_NICKNAME_FORBIDDEN = /[@()\\[\]";:<>,\s]/g;

export interface CreateFields {
  displayName: string;
  userPrincipalName: string;
  mailNickname?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  accountEnabled: boolean;
  password?: string | null;
  forceChangePasswordNextSignIn: boolean;
}

export interface UpdateFields {
  displayName?: string | null;
  userPrincipalName?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  accountEnabled?: boolean | null;
}

export interface ValidCreate {
  userPrincipalName: string;
  /** The POST /users body: holds the password, so it is sent and dropped, never logged or stored. */
  body: Record<string, unknown>;
  /** Set when we generated the password: returned once in CreatedUser.initialPassword. */
  generatedPassword: string | null;
}

function text(field: string, value: string | null | undefined, max: number): string | InvalidInput | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) return invalidInput(field, `expected 1 to ${max} characters, got ${trimmed.length}`);
  if (CONTROL.test(trimmed)) return invalidInput(field, 'control characters are not allowed');
  return trimmed;
}

function upn(field: string, value: string): string | InvalidInput {
  const trimmed = value.trim();
  const problem = upnProblem(trimmed);
  if (problem) return invalidInput(field, `expected a sign-in name like nora.finch@contoso.com: ${problem}; got ${JSON.stringify(value.slice(0, 120))}`);
  return trimmed;
}

function country(field: string, value: string | null | undefined): string | InvalidInput | undefined {
  if (value == null) return undefined;
  if (!/^[A-Za-z]{2}$/.test(value)) return invalidInput(field, `expected a two-letter country code like "GB", got ${JSON.stringify(value.slice(0, 20))}`);
  return value.toUpperCase();
}

const failed = (v: unknown): v is InvalidInput => typeof v === 'object' && v !== null && 'errorCode' in v;

/** `prefix` names the input in messages: "input" or "users[3]". */
export function validateCreate(input: CreateFields, prefix = 'input', random?: RandomInt): ValidCreate | InvalidInput {
  const displayName = text(`${prefix}.displayName`, input.displayName ?? '', 256) ?? invalidInput(`${prefix}.displayName`, 'expected a name');
  if (failed(displayName)) return displayName;
  const userPrincipalName = upn(`${prefix}.userPrincipalName`, input.userPrincipalName ?? '');
  if (failed(userPrincipalName)) return userPrincipalName;
  const local = userPrincipalName.split('@')[0];
  const mailNickname = input.mailNickname != null ? input.mailNickname.trim() : local.replace(MAIL_NICKNAME_FORBIDDEN, '').slice(0, 64);
  if (mailNickname.length === 0 || mailNickname.length > 64 || new RegExp(MAIL_NICKNAME_FORBIDDEN.source).test(mailNickname)) {
    return invalidInput(`${prefix}.mailNickname`, 'expected 1 to 64 characters without spaces, @ ( ) \\ [ ] " ; : < > or ,');
  }
  const department = text(`${prefix}.department`, input.department, 64);
  if (failed(department)) return department;
  const jobTitle = text(`${prefix}.jobTitle`, input.jobTitle, 128);
  if (failed(jobTitle)) return jobTitle;
  const usageLocation = country(`${prefix}.usageLocation`, input.usageLocation);
  if (failed(usageLocation)) return usageLocation;
  let password = input.password ?? null;
  let generatedPassword: string | null = null;
  if (password !== null) {
    // The message names the rule broken, never the password.
    const problem = passwordProblem(password, userPrincipalName);
    if (problem) return invalidInput(`${prefix}.password`, problem);
  } else {
    password = generatedPassword = generatePassword(userPrincipalName, random);
  }
  return {
    userPrincipalName,
    generatedPassword,
    body: {
      accountEnabled: input.accountEnabled ?? true,
      displayName,
      mailNickname,
      userPrincipalName,
      ...(department !== undefined && { department }),
      ...(jobTitle !== undefined && { jobTitle }),
      ...(usageLocation !== undefined && { usageLocation }),
      passwordProfile: { password, forceChangePasswordNextSignIn: input.forceChangePasswordNextSignIn ?? true },
    },
  };
}

/** The PATCH body: only fields given (null means "leave as is", as GraphQL cannot tell absent from null here). */
export function validateUpdate(input: UpdateFields): Record<string, unknown> | InvalidInput {
  const patch: Record<string, unknown> = {};
  const displayName = text('input.displayName', input.displayName, 256);
  if (failed(displayName)) return displayName;
  if (displayName !== undefined) patch.displayName = displayName;
  if (input.userPrincipalName != null) {
    const value = upn('input.userPrincipalName', input.userPrincipalName);
    if (failed(value)) return value;
    patch.userPrincipalName = value;
  }
  const department = text('input.department', input.department, 64);
  if (failed(department)) return department;
  if (department !== undefined) patch.department = department;
  const jobTitle = text('input.jobTitle', input.jobTitle, 128);
  if (failed(jobTitle)) return jobTitle;
  if (jobTitle !== undefined) patch.jobTitle = jobTitle;
  const usageLocation = country('input.usageLocation', input.usageLocation);
  if (failed(usageLocation)) return usageLocation;
  if (usageLocation !== undefined) patch.usageLocation = usageLocation;
  if (input.accountEnabled != null) patch.accountEnabled = input.accountEnabled;
  if (Object.keys(patch).length === 0) return invalidInput('input', 'expected at least one field to change');
  return patch;
}

export function isInvalid<T>(value: T | InvalidInput): value is InvalidInput {
  return failed(value);
}
