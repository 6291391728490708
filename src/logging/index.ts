export { createLogger, wantsPrettyLogs } from './logger';
export type { Logger, LoggerOptions } from './logger';
export { createLogCapture } from './capture';
export type { LogCapture, LogEntry } from './capture';
export { currentRequestContext, runWithRequestContext } from './request-context';
export type { RequestContext } from './request-context';
export { isSecretKey, redactDeep, REDACTED } from './redact';
