/**
 * Every root field declares who may call it, where the schema itself carries it: `@Access(scope, { tenantArg })`
 * puts an `access` extension on the field. `enforceAccess` wraps every root field's `resolve` (and a
 * subscription's `subscribe`, so nothing starts for a caller who may not subscribe) with the check; a field
 * without a declaration is closed to everyone. The walk test (test/auth/root-fields.test.ts) reads the same
 * extension, so such a field also fails it.
 */
import { defaultFieldResolver, GraphQLField, GraphQLInputType, GraphQLSchema, getNamedType, isInputObjectType } from 'graphql';
import { Extensions } from 'type-graphql';
import type { GatewayContext } from '../context';
import { ErrorCode, GatewayError } from '../errors';
import { authorizeAccess } from './guard';
import type { ApiScope, PortalStep, Principal } from './principal';

export const ACCESS_EXTENSION = 'access';
/** The field needs an authenticated caller, and no particular scope. */
export const ANY_CALLER = 'any-caller';

export interface AccessRule {
  /** The scope the field needs, any one of a list of scopes, or ANY_CALLER (authenticated, whatever its scopes). */
  scope: ApiScope | readonly ApiScope[] | typeof ANY_CALLER;
  /**
   * Dotted path into the arguments to the tenant id(s) the field touches ("id", "input.tenantIds"): each
   * must be one of the caller's tenants. Every argument that names a tenant must be declared here.
   */
  tenantArg?: string;
  /**
   * The field changes something no one tenant owns (the product's access tiers, a new tenant): only a caller
   * allowed on every tenant may use it, since the change reaches tenants a limited caller may not touch (a tier
   * renamed or deleted changes what another customer's users resolve to). The value names the action for the
   * refusal: "connecting a tenant".
   */
  productWide?: string;
  /**
   * The hosted portal's steps whose sessions may use the field (src/portal). A portal session is refused every
   * root field that does not list one of its link's steps, whatever its scopes.
   */
  portal?: readonly PortalStep[];
}

/** What enforceAccess applies: the declared rule, or for a field that declares none, why every caller is refused. */
type EnforcedRule = AccessRule & { refused?: string };

export function Access(scope: AccessRule['scope'], options: Omit<AccessRule, 'scope'> = {}): MethodDecorator {
  const rule: AccessRule = { scope, ...options };
  return Extensions({ [ACCESS_EXTENSION]: rule });
}

export function accessRuleOf(field: GraphQLField<unknown, GatewayContext>): AccessRule | undefined {
  return field.extensions?.[ACCESS_EXTENSION] as AccessRule | undefined;
}

/** The tenant ids found at `path` in `args`: a single id or a list, none when the argument is absent. */
export function tenantIdsAt(args: Record<string, unknown>, path: string): string[] {
  const value = path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), args);
  const ids = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return ids.map((id) => String(id).toLowerCase());
}

/**
 * The arguments with the tenant id(s) at `path` in lower case: tenant ids are GUIDs, which compare without regard
 * to case, and everything behind the edge (the caller's rights, cache keys, event feeds) holds them in lower
 * case. Copies along the path; the arguments graphql-js built are left as they are.
 */
export function lowerCaseTenantArgs(args: Record<string, unknown>, path: string): Record<string, unknown> {
  const lower = (value: unknown): unknown =>
    typeof value === 'string' ? value.toLowerCase() : Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item.toLowerCase() : item)) : value;
  const [key, ...rest] = path.split('.');
  if (!(key in args)) return args;
  const value = args[key];
  if (rest.length === 0) return { ...args, [key]: lower(value) };
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...args, [key]: lowerCaseTenantArgs(value as Record<string, unknown>, rest.join('.')) } : args;
}

/** The scopes any one of which opens the field; null for ANY_CALLER. */
export function scopesOf(rule: AccessRule): readonly ApiScope[] | null {
  return rule.scope === ANY_CALLER ? null : typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
}

/** Why `principal` may not do a product-wide `action` (null when it may): it must reach every tenant. */
export function productWideRefusal(principal: Principal, action: string): string | null {
  return principal.tenants === 'ALL' ? null : `${action} needs a caller allowed on every tenant`;
}

/**
 * Why a portal session may not use a root field (null when it may, or when the caller is no portal session):
 * the field must list one of the steps the session's link allowed.
 */
export function portalRefusal(principal: Principal, rule: Pick<AccessRule, 'portal'>, fieldName: string): string | null {
  if (principal.kind !== 'portal') return null;
  const steps = principal.portalSteps ?? new Set<PortalStep>();
  if ((rule.portal ?? []).some((step) => steps.has(step))) return null;
  return rule.portal?.length
    ? `this portal session may not use ${fieldName}: it needs the ${rule.portal.join(' or ')} step, and the link allowed ${[...steps].join(', ') || 'none'}`
    : `a portal session may not use ${fieldName}`;
}

export function checkAccess(ctx: Pick<GatewayContext, 'principal' | 'credentialRefusal'>, rule: EnforcedRule, args: Record<string, unknown>, fieldName = 'this field'): void {
  if (rule.refused) throw new GatewayError(ErrorCode.FORBIDDEN, rule.refused);
  const tenantIds = rule.tenantArg ? tenantIdsAt(args, rule.tenantArg) : [];
  // The one convention for ids (README, "Errors"): a malformed tenant id is BAD_USER_INPUT on every field, said
  // here once; a well-formed unknown one is NOT_FOUND (null from the nullable lookup tenant(id)). After the
  // authentication check, so an anonymous caller learns nothing but UNAUTHENTICATED.
  if (ctx.principal && rule.tenantArg) {
    const malformed = tenantIds.find((id) => !TENANT_ID.test(id));
    if (malformed !== undefined) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${rule.tenantArg}: expected a tenant id (a GUID like 00000000-0000-0000-0000-000000000000), got ${JSON.stringify(malformed)}`, { field: rule.tenantArg });
    }
  }
  const principal = authorizeAccess(ctx, scopesOf(rule), tenantIds);
  const refusal = (rule.productWide ? productWideRefusal(principal, rule.productWide) : null) ?? portalRefusal(principal, rule, fieldName);
  if (refusal) throw new GatewayError(ErrorCode.FORBIDDEN, refusal);
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type RootOperation = 'query' | 'mutation' | 'subscription';

export function rootFields(schema: GraphQLSchema): Array<{ operation: RootOperation; field: GraphQLField<unknown, GatewayContext> }> {
  const roots = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() };
  return Object.entries(roots).flatMap(([operation, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => ({ operation: operation as RootOperation, field })),
  );
}

/**
 * Wraps every root field with its check; the schema is changed in place and returned. A root field without a
 * declaration is closed to every caller (and fails the walk test), never open by omission.
 */
export function enforceAccess(schema: GraphQLSchema): GraphQLSchema {
  for (const { operation, field } of rootFields(schema)) {
    const rule: EnforcedRule = accessRuleOf(field) ?? undeclared(operation, field.name);
    if (rule.tenantArg) assertArgumentPath(field, rule.tenantArg);
    if (operation === 'subscription') {
      const subscribe = field.subscribe;
      if (!subscribe) throw new Error(`Subscription.${field.name}: expected a subscribe function to guard, found none`);
      field.subscribe = (source, rawArgs, ctx, info) => {
        const args = rule.tenantArg ? lowerCaseTenantArgs(rawArgs, rule.tenantArg) : rawArgs;
        checkAccess(ctx, rule, args, field.name);
        return subscribe(source, args, ctx, info);
      };
    }
    // For subscriptions too: an HTTP request runs a subscription operation through `resolve` alone.
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, rawArgs, ctx, info) => {
      const args = rule.tenantArg ? lowerCaseTenantArgs(rawArgs, rule.tenantArg) : rawArgs;
      checkAccess(ctx, rule, args, field.name);
      return resolve(source, args, ctx, info);
    };
  }
  return schema;
}

/** A rule no caller passes, with a message telling the developer what is missing. */
function undeclared(operation: RootOperation, fieldName: string): EnforcedRule {
  return { scope: ANY_CALLER, refused: `${operation} field ${fieldName} declares no @Access rule, so no caller may use it` };
}

/** A misspelt tenantArg would silently check nothing: refuse to build such a schema. */
function assertArgumentPath(field: GraphQLField<unknown, GatewayContext>, path: string): void {
  const [argName, ...rest] = path.split('.');
  let type: GraphQLInputType | undefined = field.args.find((arg) => arg.name === argName)?.type;
  for (const key of rest) {
    const named = type && getNamedType(type);
    type = named && isInputObjectType(named) ? named.getFields()[key]?.type : undefined;
  }
  if (!type) throw new Error(`${field.name}: @Access tenantArg "${path}" names no argument or input field of this field`);
}
