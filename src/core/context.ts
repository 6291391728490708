/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket), dropped afterwards. */
import type { DataSource } from 'typeorm';
import type { TenantDirectory } from '../directory/graph-access';
import type { Logger } from '../logging';
import type { CredentialRefusal, Principal } from './auth/principal';
import type { GatewayServices } from '../server/services';

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
  /** Who is calling; null when no (valid) credential was presented. Checked through `authorize` (auth/guard.ts). */
  principal: Principal | null;
  /** Why principal is null, when the transport knows (UNAUTHENTICATED answers say it); absent otherwise. */
  credentialRefusal?: CredentialRefusal;
  /** Process-wide services (built once at start in services.ts); per-request state never lives here. */
  services: GatewayServices;
  /**
   * A tenant's directory for this request (its Graph client, the request's $batch loader, sealed cursors),
   * after checking the caller holds directory:read on that tenant (FORBIDDEN otherwise).
   */
  directory: (tenantId: string) => TenantDirectory;
}
