/**
 * What a WebSocket `subscribe` message goes through before anything executes, in order of cost: the
 * connection's caps, the document's size and nesting (a scan), the parse with a token limit, validation (with
 * introspection refused where schema discovery is off), then depth and cost. graphql-ws is handed the parsed
 * and validated document, so it parses nothing itself.
 */
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { ErrorCode, GatewayError } from '../core/errors';
import { documentViolation, limitViolation, type DocumentLimits, type QueryLimits } from './query-limits';
import { subscriptionCapViolation, type SubscriptionCaps } from './subscription-caps';

export interface WsOperationLimits {
  query: QueryLimits & DocumentLimits;
  caps: SubscriptionCaps;
  /** False in production: introspection is refused like over HTTP. */
  discoverable: boolean;
}

/** Operations running at once, the new one included: on its socket, and of its caller on this instance. */
export interface RunningCounts {
  onSocket: number;
  ofCaller: number;
}

export function prepareOperation(
  schema: GraphQLSchema,
  payload: SubscribePayload,
  running: RunningCounts,
  limits: WsOperationLimits,
): Omit<ExecutionArgs, 'contextValue'> | readonly GraphQLError[] {
  const cap = subscriptionCapViolation(running.onSocket, running.ofCaller, limits.caps);
  if (cap) return [new GatewayError(ErrorCode.LIMIT_EXCEEDED, cap.message, { limit: cap.limit, max: cap.max })];
  const violation = documentViolation(payload.query, limits.query);
  if (violation) return [new GatewayError(ErrorCode.BAD_USER_INPUT, violation)];
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: limits.query.maxTokens });
  } catch (err) {
    return [err instanceof GraphQLError ? err : new GatewayError(ErrorCode.BAD_USER_INPUT, `query: expected a GraphQL document, received one that does not parse`)];
  }
  const rules = limits.discoverable ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const invalid = validate(schema, document, rules);
  if (invalid.length > 0) return invalid;
  if (!getOperationAST(document, payload.operationName ?? undefined)) {
    return [new GatewayError(ErrorCode.BAD_USER_INPUT, payload.operationName ? `expected an operation named "${payload.operationName}" in the document, found none` : 'expected one operation in the document, or an operationName')];
  }
  try {
    const over = limitViolation(limits.query, document, payload.operationName, payload.variables, schema);
    if (over) return [new GatewayError(ErrorCode.BAD_USER_INPUT, over)];
  } catch (err) {
    return [err instanceof GraphQLError ? err : new GatewayError(ErrorCode.BAD_USER_INPUT, String(err))];
  }
  return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
}
