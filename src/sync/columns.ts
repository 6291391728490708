/**
 * How a staged object's carried properties (jsonb, Graph's names) map onto snapshot columns, as SQL
 * expressions. Pure string builders: the property lists are ours (delta-buffer.ts), never Graph's input.
 */
import { GROUP_FIELDS, USER_FIELDS } from './delta-buffer';

export type ColumnType = 'text' | 'boolean' | 'text[]';

export interface ColumnSpec {
  /** Graph's property name (the key in the staged jsonb). */
  field: string;
  column: string;
  type: ColumnType;
}

export const USER_COLUMNS: readonly ColumnSpec[] = [
  { field: 'displayName', column: 'display_name', type: 'text' },
  { field: 'userPrincipalName', column: 'user_principal_name', type: 'text' },
  { field: 'mail', column: 'mail', type: 'text' },
  { field: 'department', column: 'department', type: 'text' },
  { field: 'jobTitle', column: 'job_title', type: 'text' },
  { field: 'accountEnabled', column: 'account_enabled', type: 'boolean' },
  { field: 'userType', column: 'user_type', type: 'text' },
];

export const GROUP_COLUMNS: readonly ColumnSpec[] = [
  { field: 'displayName', column: 'display_name', type: 'text' },
  { field: 'groupTypes', column: 'group_types', type: 'text[]' },
  { field: 'membershipRule', column: 'membership_rule', type: 'text' },
  { field: 'securityEnabled', column: 'security_enabled', type: 'boolean' },
  { field: 'mailEnabled', column: 'mail_enabled', type: 'boolean' },
  { field: 'mail', column: 'mail', type: 'text' },
];

// The specs must name exactly the properties we $select and fold.
if (USER_COLUMNS.map((c) => c.field).join() !== USER_FIELDS.join() || GROUP_COLUMNS.map((c) => c.field).join() !== GROUP_FIELDS.join()) {
  throw new Error('sync columns: USER_COLUMNS / GROUP_COLUMNS must list USER_FIELDS / GROUP_FIELDS in order');
}

/** The staged value of a property (`st` is the staging row). */
export function stagedValue(c: ColumnSpec, st = 'st'): string {
  switch (c.type) {
    case 'text':
      return `(${st}.fields->>'${c.field}')`;
    case 'boolean':
      return `(${st}.fields->>'${c.field}')::boolean`;
    case 'text[]':
      return `ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(${st}.fields->'${c.field}') = 'array' THEN ${st}.fields->'${c.field}' ELSE '[]'::jsonb END))`;
  }
}

/** The column's value after the round: the staged one when the delta carried the property, else the snapshot's. */
export function mergedValue(c: ColumnSpec, st = 'st', snap = 's'): string {
  const kept = c.type === 'text[]' ? `coalesce(${snap}.${c.column}, '{}')` : `${snap}.${c.column}`;
  return `CASE WHEN ${st}.fields ? '${c.field}' THEN ${stagedValue(c, st)} ELSE ${kept} END`;
}

/** True when the delta carried the property with a value other than the snapshot's (arrays compared as sets, like changedFields). */
export function differs(c: ColumnSpec, st = 'st', snap = 's'): string {
  if (c.type === 'text[]') {
    const sorted = (expr: string) => `ARRAY(SELECT x FROM unnest(${expr}) AS x ORDER BY x)`;
    return `(${st}.fields ? '${c.field}' AND ${sorted(stagedValue(c, st))} IS DISTINCT FROM ${sorted(`coalesce(${snap}.${c.column}, '{}')`)})`;
  }
  return `(${st}.fields ? '${c.field}' AND ${stagedValue(c, st)} IS DISTINCT FROM ${snap}.${c.column})`;
}

export const anyDiffers = (cols: readonly ColumnSpec[], st = 'st', snap = 's'): string => `(${cols.map((c) => differs(c, st, snap)).join(' OR ')})`;
