/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket), dropped afterwards. */
import type { DataSource } from 'typeorm';
import type { Logger } from '../logging';

/** Facts about this gateway process, fixed at start. */
export interface GatewayInfo {
  version: string;
  simulator: boolean;
}

export interface GatewayContext {
  requestId: string;
  /** Writes the request id on every line. */
  logger: Logger;
  dataSource: DataSource;
  gateway: GatewayInfo;
}
