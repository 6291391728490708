/**
 * A tenant connection's life, as a pure transition table:
 * PENDING_CONSENT -> ACTIVE -> RECONSENT_REQUIRED -> ACTIVE (after re-consent); any -> DISCONNECTED.
 */
export enum TenantStatus {
  PENDING_CONSENT = 'PENDING_CONSENT',
  ACTIVE = 'ACTIVE',
  RECONSENT_REQUIRED = 'RECONSENT_REQUIRED',
  DISCONNECTED = 'DISCONNECTED',
}

export type TenantEvent = 'CONSENT_GRANTED' | 'CONSENT_FAILED' | 'CONSENT_LOST' | 'DISCONNECT';

const TRANSITIONS: Record<TenantStatus, Partial<Record<TenantEvent, TenantStatus>>> = {
  [TenantStatus.PENDING_CONSENT]: {
    CONSENT_GRANTED: TenantStatus.ACTIVE,
    CONSENT_FAILED: TenantStatus.PENDING_CONSENT,
    DISCONNECT: TenantStatus.DISCONNECTED,
  },
  [TenantStatus.ACTIVE]: {
    CONSENT_GRANTED: TenantStatus.ACTIVE,
    CONSENT_FAILED: TenantStatus.ACTIVE,
    CONSENT_LOST: TenantStatus.RECONSENT_REQUIRED,
    DISCONNECT: TenantStatus.DISCONNECTED,
  },
  [TenantStatus.RECONSENT_REQUIRED]: {
    CONSENT_GRANTED: TenantStatus.ACTIVE,
    CONSENT_FAILED: TenantStatus.RECONSENT_REQUIRED,
    CONSENT_LOST: TenantStatus.RECONSENT_REQUIRED,
    DISCONNECT: TenantStatus.DISCONNECTED,
  },
  [TenantStatus.DISCONNECTED]: {},
};

export type Transition = { ok: true; to: TenantStatus; changed: boolean } | { ok: false; reason: string };

export function transition(from: TenantStatus, event: TenantEvent): Transition {
  const to = TRANSITIONS[from][event];
  if (!to) return { ok: false, reason: `a ${from} tenant cannot take ${event}` };
  return { ok: true, to, changed: to !== from };
}
