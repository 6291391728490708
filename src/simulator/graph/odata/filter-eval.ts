/**
 * Evaluates a checked $filter tree against one object. String and GUID comparisons ignore case, as Entra's
 * directory does; a missing or null property only equals null.
 */
import type { CompareOp, FilterExpr, Literal } from './filter-parser';

type Scope = Readonly<Record<string, unknown>>;

export function matchesFilter(expr: FilterExpr, object: object): boolean {
  return evaluate(expr, object as Scope, {});
}

function evaluate(expr: FilterExpr, object: Scope, vars: Record<string, unknown>): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, object, vars) && evaluate(expr.right, object, vars);
    case 'or':
      return evaluate(expr.left, object, vars) || evaluate(expr.right, object, vars);
    case 'not':
      return !evaluate(expr.operand, object, vars);
    case 'compare':
      return compare(resolve(expr.path, object, vars), expr.op, expr.value);
    case 'in':
      return expr.values.some((v) => compare(resolve(expr.path, object, vars), 'eq', v));
    case 'call': {
      const value = resolve(expr.path, object, vars);
      if (typeof value !== 'string' || typeof expr.value.value !== 'string') return false;
      const [v, prefix] = [value.toLowerCase(), expr.value.value.toLowerCase()];
      return expr.fn === 'startsWith' ? v.startsWith(prefix) : v.endsWith(prefix);
    }
    case 'any': {
      const items = resolve(expr.path, object, vars);
      return Array.isArray(items) && items.some((item) => evaluate(expr.body, object, { ...vars, [expr.variable]: item }));
    }
  }
}

/** A path either starts at a lambda variable (x/skuId) or at a property of the object. */
function resolve(path: string[], object: Scope, vars: Record<string, unknown>): unknown {
  let value: unknown = path[0] in vars ? vars[path[0]] : object[path[0]];
  for (const segment of path.slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Scope)[segment] : undefined;
  }
  return value;
}

function compare(value: unknown, op: CompareOp, literal: Literal): boolean {
  if (literal.type === 'null') {
    const isNull = value === null || value === undefined;
    return op === 'ne' ? !isNull : op === 'eq' && isNull;
  }
  if (value === null || value === undefined) return op === 'ne';
  const order = ordering(value, literal);
  if (order === undefined) return op === 'ne';
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

function ordering(value: unknown, literal: Exclude<Literal, { type: 'null' }>): number | undefined {
  switch (literal.type) {
    case 'string':
    case 'guid':
      return typeof value === 'string' ? value.toLowerCase().localeCompare(literal.value.toLowerCase()) : undefined;
    case 'datetime':
      return typeof value === 'string' ? Math.sign(Date.parse(value) - Date.parse(literal.value)) : undefined;
    case 'number':
      return typeof value === 'number' ? Math.sign(value - literal.value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? (value === literal.value ? 0 : value ? 1 : -1) : undefined;
  }
}
