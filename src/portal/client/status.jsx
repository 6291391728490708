// Status: connection state and history, last sync and its lag, open drift findings, MFA for the product's app,
// expiring credentials, and a re-consent button when Microsoft no longer grants what the product needs.
import { useEffect, useState } from 'preact/hooks';
import { ago, gql, when } from './api.js';
import { ConsentButton } from './connect.jsx';

const CONNECTION = `query Connection($tenantId: ID!) {
  tenant(id: $tenantId) {
    status missingScopes entraTenantId syncIntervalSeconds
    statusHistory { from to reason at }
    syncStatus { running lastSuccessAt lastError lastErrorAt consecutiveFailures nextRunAt }
  }
  driftFindings(tenantId: $tenantId, open: true) { id rule severity summary openedAt }
}`;
const MFA = `query Mfa($tenantId: ID!, $appId: ID!) {
  tenant(id: $tenantId) { mfaEnforcement(appId: $appId) { enforced coverage { allUsers guests } exclusions { users groups roles } } }
}`;
const CREDENTIALS = `query Credentials($tenantId: ID!) {
  tenant(id: $tenantId) {
    applications(first: 50, expiringWithinDays: 30, expired: true) { edges { node { id displayName appId soonestExpiry { displayName type endsAt expiresInDays status } } } }
  }
}`;

const STATUS_WORDS = {
  ACTIVE: 'Connected',
  PENDING_CONSENT: 'Waiting for consent',
  RECONSENT_REQUIRED: 'Consent needed again',
  DISCONNECTED: 'Disconnected',
};
const MFA_WORDS = {
  ALL_USERS: 'MFA is enforced for everyone signing in to the product.',
  SOME_USERS: 'MFA is enforced for some users only.',
  NONE: 'MFA is not enforced for sign-ins to the product.',
};

/** Runs a query for one panel; a failure (a missing permission, Microsoft unavailable) stays in that panel. */
function usePanel(query, variables, enabled = true) {
  const [state, setState] = useState({ loading: enabled });
  useEffect(() => {
    if (!enabled) return;
    gql(query, variables).then(
      (data) => setState({ data }),
      (err) => setState({ error: err.message }),
    );
  }, [enabled]);
  return state;
}

function Panel({ title, state, children }) {
  return (
    <section class="panel" aria-labelledby={`panel-${title}`}>
      <h2 id={`panel-${title}`}>{title}</h2>
      {state.loading ? <p role="status">Loading…</p> : state.error ? <p class="notice warning">Not available: {state.error}</p> : children(state.data)}
    </section>
  );
}

export function StatusStep({ session, heading }) {
  const tenantId = session.tenantId;
  const connection = usePanel(CONNECTION, { tenantId });
  const mfa = usePanel(MFA, { tenantId, appId: session.productAppId }, !!session.productAppId);
  const credentials = usePanel(CREDENTIALS, { tenantId });
  return (
    <section aria-labelledby="step-title">
      <h1 id="step-title" tabIndex={-1} ref={heading}>
        Connection status
      </h1>
      <Panel title="Connection" state={connection}>
        {({ tenant }) => {
          const needsConsent = tenant.status === 'RECONSENT_REQUIRED' || tenant.missingScopes.length > 0;
          return (
            <>
              <p class={`state state-${tenant.status}`}>
                <strong>{STATUS_WORDS[tenant.status] ?? tenant.status}</strong>
              </p>
              {needsConsent ? (
                <div class="notice warning">
                  <p>
                    {tenant.missingScopes.length
                      ? `Microsoft does not grant ${tenant.missingScopes.join(', ')}, which the product needs.`
                      : 'The consent was lost: the product cannot read your directory until an administrator consents again.'}
                  </p>
                  <ConsentButton session={session} label="Consent again" />
                </div>
              ) : null}
              <h3>History</h3>
              <ol class="history">
                {tenant.statusHistory
                  .slice()
                  .reverse()
                  .map((h) => (
                    <li key={h.at + h.to}>
                      <time dateTime={h.at}>{when(h.at)}</time>: {STATUS_WORDS[h.to] ?? h.to} ({h.reason})
                    </li>
                  ))}
              </ol>
            </>
          );
        }}
      </Panel>
      <Panel title="Directory sync" state={connection}>
        {({ tenant }) =>
          tenant.syncStatus ? (
            <dl class="facts">
              <dt>Last successful sync</dt>
              <dd class="last-sync">{tenant.syncStatus.lastSuccessAt ? `${ago(tenant.syncStatus.lastSuccessAt)} (${when(tenant.syncStatus.lastSuccessAt)})` : 'not yet'}</dd>
              <dt>Lag</dt>
              <dd>{tenant.syncStatus.lastSuccessAt ? `changes reach the product within about ${Math.round(tenant.syncIntervalSeconds / 60)} min; the last sync is ${ago(tenant.syncStatus.lastSuccessAt)}` : '—'}</dd>
              <dt>Next sync</dt>
              <dd>{tenant.syncStatus.running ? 'running now' : when(tenant.syncStatus.nextRunAt)}</dd>
              {tenant.syncStatus.lastError ? (
                <>
                  <dt>Last error</dt>
                  <dd>
                    {tenant.syncStatus.lastError} ({tenant.syncStatus.consecutiveFailures} in a row)
                  </dd>
                </>
              ) : null}
            </dl>
          ) : (
            <p>The first sync has not run yet.</p>
          )
        }
      </Panel>
      <Panel title="Open findings" state={connection}>
        {({ driftFindings }) =>
          driftFindings.length === 0 ? (
            <p>Nothing needs your attention.</p>
          ) : (
            <ul class="findings">
              {driftFindings.map((f) => (
                <li key={f.id} class={`severity-${f.severity}`}>
                  <span class="badge">{f.severity.toLowerCase()}</span> {f.summary} <span class="since">(since {when(f.openedAt)})</span>
                </li>
              ))}
            </ul>
          )
        }
      </Panel>
      <Panel title={`MFA for ${session.branding.productName}`} state={session.productAppId ? mfa : { error: 'the application id is not configured' }}>
        {({ tenant }) => {
          const m = tenant.mfaEnforcement;
          const excluded = m.exclusions.users.length + m.exclusions.groups.length + m.exclusions.roles.length;
          return (
            <p class={m.enforced === 'ALL_USERS' ? 'mfa ok' : 'mfa warning'}>
              {MFA_WORDS[m.enforced] ?? m.enforced}
              {excluded ? ` ${excluded} exclusion(s) (users, groups or roles) apply.` : ''}
            </p>
          );
        }}
      </Panel>
      <Panel title="Expiring credentials" state={credentials}>
        {({ tenant }) => {
          const apps = tenant.applications?.edges.map((e) => e.node) ?? [];
          return apps.length === 0 ? (
            <p>No app registration has a secret or certificate expiring within 30 days.</p>
          ) : (
            <ul class="credentials">
              {apps.map((a) => (
                <li key={a.id}>
                  <strong>{a.displayName}</strong>: {a.soonestExpiry?.type?.toLowerCase() ?? 'credential'} {a.soonestExpiry?.displayName ? `“${a.soonestExpiry.displayName}” ` : ''}
                  {a.soonestExpiry?.expiresInDays != null && a.soonestExpiry.expiresInDays < 0 ? 'expired' : `ends ${when(a.soonestExpiry?.endsAt)}`}
                </li>
              ))}
            </ul>
          );
        }}
      </Panel>
    </section>
  );
}
