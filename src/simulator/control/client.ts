/**
 * Typed client of the control API for tests and benchmarks. Speaks HTTPS trusting only the given CA (no
 * change to the process's global trust); plain http base URLs work too, for a router mounted without TLS.
 */
import http from 'node:http';
import https from 'node:https';
import type { Counters, FaultSettings, RegisteredApp } from '../context';
import type { KeyCredential, PasswordCredential, SimConditionalAccessPolicy, SimGroup, SimUser } from '../model';
import type { CreateGroupInput, CreateUserInput } from '../store';
import type { LifecycleEvent } from '../graph/subscriptions/rules';
import type { NotificationSettings, NotificationStats, SimSubscription } from '../graph/subscriptions/store';
import type { TenantDetail, TenantSummary } from './views';
import { KEY_HEADER } from './http';

export interface CreateTenantRequest {
  preset: 'verafield' | 'scale';
  seed?: number;
  tenantId?: string;
  productAppId?: string;
  users?: number;
  groups?: number;
}

export interface RegisterAppRequest {
  clientId?: string;
  displayName: string;
  redirectUris: string[];
  applicationPermissions?: string[];
}

export type UserView = Omit<SimUser, 'passwordProfile'>;

export interface SubscriptionsView {
  subscriptions: Array<Omit<SimSubscription, 'clientState'> & { expirationDateTime: string }>;
  pendingNotifications: number;
  stats: NotificationStats;
  settings: NotificationSettings;
}

export class SimulatorControl {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: { baseUrl: string; key: string; ca: string }) {
    this.base = new URL(`${opts.baseUrl.replace(/\/$/, '')}/_control/`);
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ ca: opts.ca }) : new http.Agent();
  }

  createTenant(body: CreateTenantRequest): Promise<TenantSummary> {
    return this.call('POST', 'tenants', body);
  }
  listTenants(): Promise<TenantSummary[]> {
    return this.call('GET', 'tenants');
  }
  getTenant(tenantId: string): Promise<TenantDetail> {
    return this.call('GET', `tenants/${enc(tenantId)}`);
  }

  registerApp(body: RegisterAppRequest): Promise<{ clientId: string; clientSecret: string }> {
    return this.call('POST', 'apps', body);
  }
  listApps(): Promise<Omit<RegisteredApp, 'secrets'>[]> {
    return this.call('GET', 'apps');
  }

  createUser(tenantId: string, input: CreateUserInput): Promise<UserView> {
    return this.call('POST', `tenants/${enc(tenantId)}/users`, input);
  }
  updateUser(tenantId: string, userId: string, patch: Partial<SimUser>): Promise<UserView> {
    return this.call('PATCH', `tenants/${enc(tenantId)}/users/${enc(userId)}`, patch);
  }
  deleteUser(tenantId: string, userId: string, opts: { permanent?: boolean } = {}): Promise<void> {
    return this.call('DELETE', `tenants/${enc(tenantId)}/users/${enc(userId)}${opts.permanent ? '?permanent=true' : ''}`);
  }
  moveUser(tenantId: string, userId: string, fromGroupId: string, toGroupId: string): Promise<void> {
    return this.call('POST', `tenants/${enc(tenantId)}/users/${enc(userId)}/move`, { fromGroupId, toGroupId });
  }

  createGroup(tenantId: string, input: CreateGroupInput): Promise<SimGroup> {
    return this.call('POST', `tenants/${enc(tenantId)}/groups`, input);
  }
  updateGroup(tenantId: string, groupId: string, patch: Partial<SimGroup>): Promise<SimGroup> {
    return this.call('PATCH', `tenants/${enc(tenantId)}/groups/${enc(groupId)}`, patch);
  }
  deleteGroup(tenantId: string, groupId: string, opts: { permanent?: boolean } = {}): Promise<void> {
    return this.call('DELETE', `tenants/${enc(tenantId)}/groups/${enc(groupId)}${opts.permanent ? '?permanent=true' : ''}`);
  }
  addMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    return this.call('POST', `tenants/${enc(tenantId)}/groups/${enc(groupId)}/members`, { memberId });
  }
  removeMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    return this.call('DELETE', `tenants/${enc(tenantId)}/groups/${enc(groupId)}/members/${enc(memberId)}`);
  }

  updatePolicy(tenantId: string, policyId: string, patch: Partial<SimConditionalAccessPolicy>): Promise<SimConditionalAccessPolicy> {
    return this.call('PATCH', `tenants/${enc(tenantId)}/policies/${enc(policyId)}`, patch);
  }
  /** `objectId`: id or appId of an application or service principal. */
  setCredentialExpiry(tenantId: string, objectId: string, keyId: string, endDateTime: string | Date): Promise<PasswordCredential | KeyCredential> {
    const end = endDateTime instanceof Date ? endDateTime.toISOString() : endDateTime;
    return this.call('PATCH', `tenants/${enc(tenantId)}/applications/${enc(objectId)}/credentials/${enc(keyId)}`, { endDateTime: end });
  }
  revokeConsent(tenantId: string, clientId: string): Promise<{ consentRevoked: boolean; servicePrincipalRemoved: boolean }> {
    return this.call('POST', `tenants/${enc(tenantId)}/consents/revoke`, { clientId });
  }
  resetDelta(tenantId: string): Promise<void> {
    return this.call('POST', `tenants/${enc(tenantId)}/delta/reset`);
  }

  faults(): Promise<FaultSettings> {
    return this.call('GET', 'faults');
  }
  setFaults(faults: Partial<FaultSettings>): Promise<FaultSettings> {
    return this.call('PUT', 'faults', faults);
  }
  counters(): Promise<Counters> {
    return this.call('GET', 'counters');
  }
  resetCounters(): Promise<void> {
    return this.call('POST', 'counters/reset');
  }
  advanceClock(ms: number): Promise<{ now: string }> {
    return this.call('POST', 'clock/advance', { ms });
  }
  updateSettings(patch: { accessTokenLifetimeSeconds?: number; throttlingEnabled?: boolean }): Promise<{ accessTokenLifetimeSeconds: number; throttlingEnabled: boolean }> {
    return this.call('PATCH', 'settings', patch);
  }

  /** Releases pooled connections; safe to call more than once. */
  /** Change-notification subscriptions (every tenant's) with delivery statistics; clientState left out. */
  subscriptions(): Promise<SubscriptionsView> {
    return this.call('GET', 'subscriptions');
  }
  setNotificationSettings(patch: Partial<NotificationSettings>): Promise<NotificationSettings> {
    return this.call('PATCH', 'subscriptions/settings', patch);
  }
  /** Makes Graph send a lifecycle notification (subscriptionRemoved also removes the subscription). */
  sendLifecycle(subscriptionId: string, event: LifecycleEvent): Promise<{ subscriptionId: string; event: LifecycleEvent }> {
    return this.call('POST', `subscriptions/${enc(subscriptionId)}/lifecycle`, { event });
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            [KEY_HEADER]: this.opts.key,
            accept: 'application/json',
            ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new Error(`Simulator control ${method} /_control/${path} answered ${status}: ${text}`));
            } else {
              resolve((text ? JSON.parse(text) : undefined) as T);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
