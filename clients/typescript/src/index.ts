/** @entra-gateway/client: a typed client for Entra Gateway (queries and mutations over HTTP, events over graphql-ws). */
export { allItems, createGatewayClient } from './client';
export type { GatewayClient, GatewayClientOptions, Page, User, Group, GroupMember, AccessTier, AccessTierDecision, TierMapping, TierMappingPreview, AuditEntry, DriftFinding, CreateUserResult, GroupMemberResult } from './client';
export { GATEWAY_ERROR_CODES, GatewayRequestError, unwrap, isGatewayErrorCode } from './errors';
export type { ErrorCode, GatewayError, GatewayErrorCode, Result, TransportErrorCode } from './errors';
export { EventsError } from './events';
export type { EventsOptions, EventStream, GatewayEvent, RetryInfo } from './events';
export { backoffDelay, decide, DEFAULT_RETRY } from './stream-policy';
export type { EventsErrorCode, RetryPolicy, StreamEnd } from './stream-policy';
/** The generated operation documents and types, for `request()` and for naming types. */
export * as operations from './generated/graphql';
export type { DirectoryEventType, DirectorySource, TierMappingInput, ConnectTenantInput, CreateUserInput, UserFilter, GroupFilter } from './generated/graphql';
