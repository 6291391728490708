/** The gateway's Microsoft Graph client: the public surface. Nothing here knows about GraphQL. */
export { GraphClient, type GraphClientOptions } from './client';
export { createGraphLoaders, type GraphLoaders } from './loaders';
export { MAX_BATCH_SIZE, type GraphBatchRequest, type GraphBatchResult } from './batch';
export { DELTA_MAX_PAGE_SIZE, type ListOptions, type ListResult, type PageOptions } from './paging';
export type { GraphLogger } from './executor';
export {
  DeltaResyncRequiredError,
  GraphAuthError,
  GraphBadRequestError,
  GraphError,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphProtocolError,
  GraphRequestError,
  GraphThrottledError,
  GraphUnavailableError,
  type GraphErrorDetail,
} from './errors';
export { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter, retryDecision, type AttemptOutcome, type RetryDecision, type RetryPolicy } from './retry-policy';
export { DEFAULT_BUDGET_OPTIONS, ResourceBudget, budgetDelay, type BudgetOptions } from './resource-budget';
export { AgentPool } from './transport';
export { filterEq, graphPath, odataLiteral, odataProperty, odataString, pathSegment, queryString, selectList, startsWith, type ODataLiteral } from './odata';
export type { GraphCallOptions, GraphCounters, GraphPage, GraphResponse, GraphResult, GraphTenantContext, HttpMethod } from './types';
