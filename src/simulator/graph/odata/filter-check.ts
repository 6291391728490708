/**
 * Decides whether a parsed $filter is one the collection supports, the way Graph's directory does
 * (graph-facts §2): some forms work always, ne / not / endsWith / ranges and non-indexed properties only as an
 * advanced query (ConsistencyLevel: eventual + $count=true). Literal types must match the property's Edm type.
 */
import { badRequest, SimGraphError, unsupportedQuery } from '../../errors';
import type { EdmType, EntityType } from '../entities';
import type { FilterExpr, Literal } from './filter-parser';

const ADVANCED_HINT =
  "because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";

export function checkFilter(expr: FilterExpr, entity: EntityType, advanced: boolean): void {
  switch (expr.kind) {
    case 'and':
    case 'or':
      checkFilter(expr.left, entity, advanced);
      checkFilter(expr.right, entity, advanced);
      return;
    case 'not':
      if (!advanced) throw unsupportedQuery(`Operator 'not' is not supported ${ADVANCED_HINT}`);
      checkFilter(expr.operand, entity, advanced);
      return;
    case 'compare': {
      const type = propertyType(entity, expr.path);
      checkLiteral(type, expr.value, expr.path.join('/'), expr.op);
      if (expr.op === 'eq') requireCapability(entity, expr.path[0], 'eq', advanced);
      else requireAdvanced(entity, expr.path[0], expr.op, advanced);
      return;
    }
    case 'in': {
      const type = propertyType(entity, expr.path);
      for (const v of expr.values) checkLiteral(type, v, expr.path.join('/'), 'in');
      requireCapability(entity, expr.path[0], 'eq', advanced);
      return;
    }
    case 'call': {
      const type = propertyType(entity, expr.path);
      if (type !== 'Edm.String') throw unsupportedQuery(`Function '${expr.fn}' requires a string property; '${expr.path[0]}' is ${type}.`);
      checkLiteral(type, expr.value, expr.path.join('/'), expr.fn);
      if (expr.fn === 'startsWith') requireCapability(entity, expr.path[0], 'startsWith', advanced);
      else requireAdvanced(entity, expr.path[0], expr.fn, advanced);
      return;
    }
    case 'any':
      checkLambda(expr, entity);
  }
}

/** Only `x/element eq literal` (or `x in (...)`) inside any(): the one shape Graph's directory indexes. */
function checkLambda(expr: Extract<FilterExpr, { kind: 'any' }>, entity: EntityType): void {
  const name = expr.path.join('/');
  const lambda = expr.path.length === 1 ? entity.lambdas?.[expr.path[0]] : undefined;
  if (!lambda) {
    if (!(expr.path[0] in entity.properties)) throw unknownProperty(entity, expr.path[0]);
    throw unsupported(entity, name);
  }
  const body = expr.body;
  if (body.kind !== 'compare' && body.kind !== 'in') throw unsupported(entity, name);
  if (body.kind === 'compare' && body.op !== 'eq') throw unsupported(entity, name);
  const expected = lambda.element === null ? [expr.variable] : [expr.variable, lambda.element];
  if (body.path.join('/') !== expected.join('/')) {
    throw unsupportedQuery(`Invalid lambda body for '${name}': expected '${expected.join('/')} eq <value>', got '${body.path.join('/')}'.`);
  }
  const values = body.kind === 'compare' ? [body.value] : body.values;
  for (const v of values) checkLiteral(lambda.type, v, expected.join('/'), 'eq');
}

function propertyType(entity: EntityType, path: string[]): EdmType {
  if (path.length !== 1) throw unsupported(entity, path.join('/'));
  const type = entity.properties[path[0]];
  if (!type) throw unknownProperty(entity, path[0]);
  return type;
}

function requireCapability(entity: EntityType, property: string, capability: 'eq' | 'startsWith', advanced: boolean): void {
  if (entity.filter[property]?.includes(capability)) return;
  if (advanced && filterableAdvanced(entity, property)) return;
  throw unsupported(entity, property);
}

function requireAdvanced(entity: EntityType, property: string, operator: string, advanced: boolean): void {
  if (!filterableAdvanced(entity, property)) throw unsupported(entity, property);
  if (!advanced) throw unsupportedQuery(`Operator '${operator}' is not supported ${ADVANCED_HINT}`);
}

function filterableAdvanced(entity: EntityType, property: string): boolean {
  return property in entity.filter || (entity.advancedFilter?.includes(property) ?? false);
}

/** Graph's wording when an operand's literal does not fit the property (e.g. accountEnabled eq 'true'). */
function checkLiteral(type: EdmType, literal: Literal, property: string, operator: string): void {
  if (literal.type === 'null') return;
  const literalEdm = LITERAL_EDM[literal.type];
  const wanted = type.startsWith('Collection(') ? undefined : type;
  if (wanted === literalEdm) return;
  throw badRequest(
    `A binary operator with incompatible types was detected. Found operand types '${wanted ?? type}' and '${literalEdm}' for operator '${operator}' on '${property}'.`,
  );
}

const LITERAL_EDM: Record<Exclude<Literal['type'], 'null'>, EdmType | 'Edm.Double'> = {
  string: 'Edm.String',
  guid: 'Edm.Guid',
  datetime: 'Edm.DateTimeOffset',
  boolean: 'Edm.Boolean',
  number: 'Edm.Double',
};

function unsupported(entity: EntityType, property: string): SimGraphError {
  return unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource '${entity.resourceName}'.`);
}

export function unknownProperty(entity: EntityType, property: string): SimGraphError {
  return badRequest(`Could not find a property named '${property}' on type '${entity.typeName}'.`);
}
