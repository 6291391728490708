/**
 * The sync engine's public face (kept for its importers); the round itself lives in round.ts, its phases in
 * stream.ts, apply-objects.ts, apply-users.ts, apply-memberships.ts, effective-sql.ts and tier-changes.ts.
 */
export { GROUPS_DELTA_START, LeaseLostError, SyncEngine, USERS_DELTA_START, type RoundResult, type SyncEngineOptions, type SyncHooks, type SyncMode } from './round';
