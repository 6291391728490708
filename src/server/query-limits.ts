/**
 * Depth and cost limits, checked once the operation is known and before any resolver (so any Graph call)
 * runs. Every field costs 1; a paged field (one with a `first` argument) multiplies the cost of its selection
 * by its page size, since each of the `first` items resolves that selection again:
 * `groups(first: 50) { members(first: 10) { id } }` costs 1 + 50 * (1 + 10 * 1) = 551.
 * The measures are pure functions of the parsed document, so they are tested without a server.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  FragmentSpreadNode,
  getNamedType,
  getOperationAST,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  InlineFragmentNode,
  isInterfaceType,
  isObjectType,
  Kind,
  NamedTypeNode,
  SelectionSetNode,
  valueFromASTUntyped,
  visit,
  BREAK,
} from 'graphql';
import { ErrorCode, GatewayError } from '../core/errors';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** The page size a paged field gets when the operation does not say (`first` absent, null or unusable). */
  defaultPageSize: number;
}

export type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** What is checked on the document's text, before graphql-js parses it (its parser and every walk recurse). */
export interface DocumentLimits {
  maxDocumentBytes: number;
  maxTokens: number;
  maxNesting: number;
}

/**
 * Why a document's text must not reach the parser (naming the limit, what was expected and what arrived), or
 * null. Runs before parse on every transport: a 1 MB document or one 5,000 brackets deep is refused in one
 * linear scan, where graphql-js would recurse once per level (a stack overflow there is an unexpected error)
 * and a huge document keeps the event loop busy for seconds. The token count is left to the parser
 * (`parse(source, { maxTokens })`), which stops at the limit.
 */
export function documentViolation(source: unknown, limits: DocumentLimits): string | null {
  if (typeof source !== 'string') return `query: expected a GraphQL document as a string, received ${source === null ? 'null' : typeof source}`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short text needs no exact count.
  const bytes = source.length * 3 <= limits.maxDocumentBytes ? source.length : Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxDocumentBytes) return `query: expected a document of at most ${limits.maxDocumentBytes} bytes, received ${bytes} bytes`;
  if (lexicalNesting(source, limits.maxNesting) > limits.maxNesting) {
    return `query: expected brackets ({ [ () nested at most ${limits.maxNesting} deep, received a document nested deeper`;
  }
  return null;
}

/**
 * The deepest nesting of { [ ( in a GraphQL text, outside strings and comments; stops once past `stopAbove`.
 * Unbalanced text is the parser's to report.
 */
export function lexicalNesting(source: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i += 1;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        // A block string ends at the next """ not escaped as \""".
        i += 3;
        while (i < source.length && !(source.startsWith('"""', i) && source[i - 1] !== '\\')) i += 1;
        i += 2;
      } else {
        i += 1;
        while (i < source.length && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === '}' || c === ']' || c === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

export interface CostOptions {
  defaultPageSize: number;
  /**
   * With the schema, a field that declares `first` counts as paged even when the operation leaves `first`
   * out (it then gets the argument's default, else defaultPageSize). Without it, only the fields that pass
   * `first` are known to be paged.
   */
  schema?: GraphQLSchema;
}

/** `{ a { b } }` has depth 2. Fragments add no level of their own. */
export function operationDepth(document: DocumentNode, operationName: string | null | undefined, variables: Variables): number {
  return measureOperation(document, operationName, variables, undefined, {
    field: (_node, _definition, below) => 1 + below,
    combine: Math.max,
  });
}

export function operationCost(document: DocumentNode, operationName: string | null | undefined, variables: Variables, options: CostOptions): number {
  return measureOperation(document, operationName, variables, options.schema, {
    field: (node, definition, below, values) => 1 + (pageSize(node, definition, values, options.defaultPageSize) ?? 1) * below,
    combine: (a, b) => a + b,
  });
}

/**
 * Rejects an operation over a limit with BAD_USER_INPUT (HTTP 400), naming the limit and the value, before
 * execution starts. Subscriptions over WebSocket do not pass through Apollo's plugins; their server calls
 * limitViolation itself (websocket.ts).
 */
export function queryLimitsPlugin<TContext extends BaseContext>(
  limits: QueryLimits,
  options: {
    /**
     * Whether the operation is worth measuring; the gateway skips anonymous callers, whose every root field is
     * refused before anything below it runs, so that no work is spent on their documents.
     */
    measures?: (contextValue: TContext) => boolean;
  } = {},
): ApolloServerPlugin<TContext> {
  // Apollo hands every request with the same text the same parsed document (its document store), so a document
  // whose measures cannot depend on its variables is measured once per operation name, not on every request.
  const verdicts = new WeakMap<DocumentNode, Map<string, string | null>>();
  const requestHooks = {
    async didResolveOperation(context: GraphQLRequestContextDidResolveOperation<TContext>) {
      if (options.measures && !options.measures(context.contextValue)) return;
      const { document, operationName, request, schema } = context;
      let byName = verdicts.get(document);
      let violation = byName?.get(operationName ?? '');
      if (violation === undefined) {
        violation = limitViolation(limits, document, operationName, request.variables, schema);
        if (!byName && !measuresReadVariables(document)) verdicts.set(document, (byName = new Map()));
        byName?.set(operationName ?? '', violation);
      }
      if (violation) reject(context, violation);
    },
  };
  return {
    async requestDidStart() {
      return requestHooks;
    },
  };
}

/**
 * Whether an operation's depth or cost can depend on its variables: they are read only for a page size
 * (`first`) and for @skip/@include's `if`, so only when one of those holds a variable.
 */
export function measuresReadVariables(document: DocumentNode): boolean {
  let reads = false;
  visit(document, {
    Argument(node) {
      if (node.name.value !== 'first' && node.name.value !== 'if') return undefined;
      visit(node.value, {
        Variable() {
          reads = true;
          return BREAK;
        },
      });
      return reads ? BREAK : false;
    },
  });
  return reads;
}

/** Why the operation breaks a limit (naming the limit and the value), or null when it keeps within them. */
export function limitViolation(
  limits: QueryLimits,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  schema: GraphQLSchema,
): string | null {
  const depth = operationDepth(document, operationName, variables);
  if (depth > limits.maxDepth) return `query depth ${depth} exceeds the limit of ${limits.maxDepth}`;
  const cost = operationCost(document, operationName, variables, { defaultPageSize: limits.defaultPageSize, schema });
  if (cost > limits.maxCost) return `query cost ${cost} exceeds the limit of ${limits.maxCost}`;
  return null;
}

function reject(context: GraphQLRequestContextDidResolveOperation<BaseContext>, message: string): never {
  // Apollo answers an error thrown here with 500 unless a status is already set. The status goes on the
  // response rather than in extensions.http, which the gateway's error formatter would pass on to the client.
  context.response.http.status = 400;
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, message);
}

// ---- Walking the operation ------------------------------------------------------------------------------

interface Measure {
  /** The measure of one field, given the combined measure of its selection (0 for a leaf). */
  field(node: FieldNode, definition: GraphQLField<unknown, unknown> | undefined, below: number, variables: Variables): number;
  combine(a: number, b: number): number;
}

interface Walk {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  schema: GraphQLSchema | undefined;
  measure: Measure;
  /**
   * Each fragment's measure, computed once: a fragment spread twice in a fragment spread twice in ... would
   * otherwise be walked 2^n times, and the limit check itself would become the denial of service.
   */
  fragmentMeasures: Map<string, number>;
}

function measureOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  schema: GraphQLSchema | undefined,
  measure: Measure,
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) {
    throw new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      operationName ? `expected an operation named "${operationName}" in the document, found none` : 'expected one operation in the document, or an operationName',
    );
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // Values as resolvers will see them: the caller's, else the variable's default. Without a prototype, so
  // that `$constructor` is not Object's.
  const values: Record<string, unknown> = Object.assign(Object.create(null), variables);
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (values[name] === undefined && definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  const walk: Walk = { fragments, variables: values, schema, measure, fragmentMeasures: new Map() };
  return measureSelection(operation.selectionSet, schema?.getRootType(operation.operation) ?? undefined, walk, []);
}

/** `spreading`: the fragments being expanded on the path from the root, to refuse a fragment that spreads itself. */
function measureSelection(selectionSet: SelectionSetNode | undefined, parentType: GraphQLNamedType | undefined, walk: Walk, spreading: readonly string[]): number {
  let total = 0;
  for (const selection of selectionSet?.selections ?? []) {
    if (!isIncluded(selection, walk.variables)) continue;
    let measured: number;
    if (selection.kind === Kind.FIELD) {
      // Introspection (__schema, __type, __typename) is bounded by the schema and reaches none of our
      // resolvers; Sandbox's introspection query is deeper than any sensible depth limit.
      if (selection.name.value.startsWith('__')) continue;
      const definition = fieldDefinition(parentType, selection.name.value);
      const below = measureSelection(selection.selectionSet, definition && getNamedType(definition.type), walk, spreading);
      measured = walk.measure.field(selection, definition, below, walk.variables);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      measured = measureSelection(selection.selectionSet, narrowed(selection.typeCondition, parentType, walk.schema), walk, spreading);
    } else {
      measured = measureSpread(selection, walk, spreading);
    }
    total = walk.measure.combine(total, measured);
  }
  return total;
}

function measureSpread(spread: FragmentSpreadNode, walk: Walk, spreading: readonly string[]): number {
  const name = spread.name.value;
  // GraphQL validation refuses these before the plugin runs; the functions are also called on their own.
  if (spreading.includes(name)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `fragment "${name}" spreads itself: ${[...spreading.slice(spreading.indexOf(name)), name].join(' -> ')}`);
  }
  const fragment = walk.fragments.get(name);
  if (!fragment) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `expected a fragment named "${name}" in the document, found none`);
  // A fragment's measure does not depend on where it is spread (its type is its own type condition), and a
  // fragment measured without meeting a cycle has none below it, so the cached value is safe to reuse.
  let measured = walk.fragmentMeasures.get(name);
  if (measured === undefined) {
    measured = measureSelection(fragment.selectionSet, narrowed(fragment.typeCondition, undefined, walk.schema), walk, [...spreading, name]);
    walk.fragmentMeasures.set(name, measured);
  }
  return measured;
}

/** @skip(if: true) and @include(if: false) leave a selection out of execution, so out of the measures too. */
function isIncluded(selection: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Variables): boolean {
  for (const directive of selection.directives ?? []) {
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
    if (!condition) continue;
    const value = valueFromASTUntyped(condition.value, variables);
    if (directive.name.value === 'skip' && value === true) return false;
    if (directive.name.value === 'include' && value === false) return false;
  }
  return true;
}

/**
 * The page size of a paged field, or null for a field that is not paged. `first` as written (variables
 * resolved), else the schema's default for the argument, else the gateway's default page size: a missing,
 * null or unusable `first` (negative, fractional, not a number) gets the page the resolver will use, or is
 * refused when arguments are checked, after this.
 */
function pageSize(node: FieldNode, definition: GraphQLField<unknown, unknown> | undefined, variables: Variables, defaultPageSize: number): number | null {
  const written = node.arguments?.find((argument) => argument.name.value === 'first');
  const declared = definition?.args.find((argument) => argument.name === 'first');
  if (!written && !declared) return null;
  const value = written ? valueFromASTUntyped(written.value, variables) : undefined;
  if (isPageSize(value)) return value;
  return isPageSize(declared?.defaultValue) ? declared.defaultValue : defaultPageSize;
}

function isPageSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function fieldDefinition(parentType: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
}

function narrowed(typeCondition: NamedTypeNode | undefined, parentType: GraphQLNamedType | undefined, schema: GraphQLSchema | undefined): GraphQLNamedType | undefined {
  return typeCondition ? schema?.getType(typeCondition.name.value) : parentType;
}
