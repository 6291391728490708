/**
 * Local development without a real Entra tenant (ARCHITECTURE "Embedded default"): after the gateway is up
 * with the simulator as its cloud, make sure the developer holds an API key and the simulated Verafield tenant
 * is connected, through the same consent flow a customer's admin goes through: the consent URL from
 * connectTenant, the simulator's consent page answered as Verafield's Global Administrator, Microsoft's
 * redirect to the gateway's callback. Both survive restarts: the key is kept in the data folder (mode 0600),
 * the tenant in the database.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Not, type DataSource } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';
import { TenantStatus } from '../tenants/status';
import { Feature } from '../tenants/features';
import { answerConsentPage } from '../simulator/browser';
import { VERAFIELD } from '../simulator/generator';
import type { SimulatorEndpoint } from '../simulator/browser';
import type { Logger } from '../logging';
import { ALL_SCOPES, CLI_OPERATOR } from '../core/auth/principal';
import { ALL_PORTAL_STEPS } from '../portal/portal-decisions';
import type { GatewayServices } from './services';

export interface DevelopmentAccess {
  apiKey: string;
  tenantId: string;
  /** A fresh single-use link to the hosted admin portal for Verafield (every step), printed in the banner. */
  portalUrl: string;
}

const KEY_FILE = 'dev-api-key';

export async function bootstrapDevelopment(deps: {
  services: GatewayServices;
  dataSource: DataSource;
  simulator: SimulatorEndpoint;
  dataDir: string;
  logger: Logger;
}): Promise<DevelopmentAccess> {
  const apiKey = await developmentKey(deps.services, deps.dataDir);
  const tenantId = await connectedVerafield(deps);
  return { apiKey, tenantId, portalUrl: await portalLink(deps.services, tenantId) };
}

/** "Back to the application" leads to the gateway's own home page when its origin is allowed (the default). */
async function portalLink(services: GatewayServices, tenantId: string): Promise<string> {
  const { publicUrl, allowedReturnOrigins } = services.config.server;
  const home = allowedReturnOrigins.includes(new URL(publicUrl).origin) ? new URL(publicUrl).origin : allowedReturnOrigins[0];
  const link = await services.portal.createLink(tenantId, { steps: ALL_PORTAL_STEPS, returnUrl: `${home}/`, createdBy: CLI_OPERATOR.id });
  return link.url;
}

async function developmentKey(services: GatewayServices, dataDir: string): Promise<string> {
  const file = join(dataDir, KEY_FILE);
  const kept = await readFile(file, 'utf8').then((text) => text.trim(), () => null);
  if (kept && (await services.apiKeys.authenticate(kept))) return kept;
  const { key } = await services.apiKeys.create({ name: 'local development', scopes: [...ALL_SCOPES], tenantIds: null }, CLI_OPERATOR);
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The Verafield tenant, connected. The simulator keeps its directory, consents and refresh tokens in the data
 * folder, so after a restart the stored refresh token still works and nothing changes. Only when it does not (the
 * simulator's state was deleted) is the tenant re-consented, as a customer's admin would be asked to.
 */
async function connectedVerafield(deps: { services: GatewayServices; dataSource: DataSource; simulator: SimulatorEndpoint; logger: Logger }): Promise<string> {
  const { services, logger } = deps;
  const returnUrl = `${services.config.server.publicUrl}/graphql`;
  const known = await deps.dataSource
    .getRepository(Tenant)
    .findOne({ where: { entraTenantId: VERAFIELD.tenantId, status: Not(TenantStatus.DISCONNECTED) }, order: { createdAt: 'DESC' } });
  if (known) {
    const usable = await services.tenantTokens.getAccessToken(known.id, { forceRefresh: true }).then(
      () => true,
      (error: unknown) => {
        logger.info({ tenantId: known.id, reason: (error as Error).message }, 'the simulated Verafield tenant needs consent again');
        return false;
      },
    );
    if (!usable) await consentAsVerafieldAdmin(deps.simulator, await services.tenants.reconsentUrl(known, returnUrl, CLI_OPERATOR.id));
    return known.id;
  }
  const { tenant, consentUrl } = await services.tenants.connect(
    { displayName: 'Verafield Technologies', cloud: 'custom', authMode: 'DELEGATED', features: Object.values(Feature), returnUrl },
    CLI_OPERATOR.id,
  );
  await consentAsVerafieldAdmin(deps.simulator, consentUrl);
  logger.info({ tenantId: tenant.id }, 'connected the simulated Verafield tenant through the consent flow');
  return tenant.id;
}

/** The admin's browser: the consent page answered as Verafield's Global Administrator, then the gateway's callback. */
async function consentAsVerafieldAdmin(simulator: SimulatorEndpoint, consentUrl: string): Promise<void> {
  const decision = await answerConsentPage(simulator, consentUrl, { login: VERAFIELD.users.globalAdmin.userPrincipalName });
  const callback = decision.headers.location;
  if (decision.status !== 302 || typeof callback !== 'string') {
    throw new Error(`connecting Verafield: expected the consent page to redirect to the gateway, got ${decision.status}`);
  }
  const answer = await fetch(callback, { redirect: 'manual' });
  const outcome = new URL(answer.headers.get('location') ?? 'about:blank').searchParams;
  if (answer.status !== 303 || outcome.get('status') !== TenantStatus.ACTIVE) {
    const why = [outcome.get('error'), outcome.get('error_description')].filter(Boolean).join(': ');
    throw new Error(`connecting Verafield: the gateway's callback answered ${answer.status} ${why}`.trim());
  }
}
