/**
 * Builds a runnable operation for any root field from the schema alone: required arguments (and every
 * argument that names a tenant) get generated values, the selection is the smallest valid one.
 */
import {
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import type { RootOperation } from '../../../src/core/auth/access';
import type { GatewayContext } from '../../../src/core/context';

export interface WalkOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** `tenantId`/`tenantIds` anywhere, or `id` of a field or input type whose name says Tenant. */
export function namesTenant(owner: string, name: string): boolean {
  return /^tenantIds?$/i.test(name) || (name === 'id' && /tenant/i.test(owner));
}

const SOME_ID = '00000000-0000-4000-8000-00000000000f';

function scalarValue(typeName: string, name: string): unknown {
  switch (typeName) {
    case 'ID':
      return SOME_ID;
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTimeISO':
    case 'DateTime':
      return '2026-01-01T00:00:00.000Z';
    default:
      if (/url/i.test(name)) return 'http://localhost:4000/done';
      if (/email|principalName|upn/i.test(name)) return 'walker@example.com';
      return 'walk';
  }
}

function valueFor(type: GraphQLInputType, owner: string, name: string, tenantId: string): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, owner, name, tenantId);
  if (isListType(type)) return [valueFor(type.ofType, owner, name, tenantId)];
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || namesTenant(type.name, f.name));
    return Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, type.name, f.name, tenantId)]));
  }
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isScalarType(type)) return namesTenant(owner, name) ? tenantId : scalarValue(type.name, name);
  throw new Error(`${owner}.${name}: no value generator for ${String(type)}`);
}

/** Dotted paths of every argument or input field that names a tenant (filled or not). */
export function tenantPaths(field: GraphQLField<unknown, GatewayContext>): string[] {
  const walk = (owner: string, name: string, type: GraphQLInputType, path: string, seen: Set<string>): string[] => {
    if (namesTenant(owner, name)) return [path];
    const named = getNamedType(type);
    if (!isInputObjectType(named) || seen.has(named.name)) return [];
    const inner = new Set([...seen, named.name]);
    return Object.values(named.getFields()).flatMap((f) => walk(named.name, f.name, f.type, `${path}.${f.name}`, inner));
  };
  return field.args.flatMap((arg) => walk(field.name, arg.name, arg.type, arg.name, new Set()));
}

export function operationFor(operation: RootOperation, field: GraphQLField<unknown, GatewayContext>, tenantId: string): WalkOperation {
  const used: GraphQLArgument[] = field.args.filter((arg) => isNonNullType(arg.type) || tenantPaths({ ...field, args: [arg] }).length > 0);
  const declarations = used.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = used.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return {
    query: `${operation} Walk${declarations ? `(${declarations})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(used.map((arg) => [arg.name, valueFor(arg.type, field.name, arg.name, tenantId)])),
  };
}
