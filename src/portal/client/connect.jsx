// Connect: what will be asked for (each Graph permission with its meaning), then Microsoft's consent screen.
import { useState } from 'preact/hooks';
import { gql } from './api.js';

const START = `mutation StartConsent($tenantId: ID!) { startPortalConsent(tenantId: $tenantId) }`;

export function ConsentButton({ session, label }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await gql(START, { tenantId: session.tenantId });
      window.location.assign(data.startPortalConsent);
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="primary" onClick={start} disabled={busy}>
        {busy ? 'Opening Microsoft…' : label}
      </button>
      {error ? <p class="notice error" role="alert">{error}</p> : null}
    </>
  );
}

export function ConnectStep({ session, outcome, heading, next, go }) {
  const { tenant, permissions, branding } = session;
  const active = tenant?.status === 'ACTIVE' && tenant.missingScopes.length === 0;
  const application = tenant?.authMode === 'APPLICATION';
  return (
    <section aria-labelledby="step-title">
      <h1 id="step-title" tabIndex={-1} ref={heading}>
        Connect Microsoft Entra ID
      </h1>
      {outcome ? (
        <p class={outcome.ok ? 'notice ok' : 'notice error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.message}
        </p>
      ) : null}
      <p>
        {active
          ? `${branding.productName} is connected to your organisation's Microsoft Entra ID.`
          : tenant?.status === 'RECONSENT_REQUIRED' || tenant?.missingScopes.length
            ? `${branding.productName} needs your consent again: Microsoft no longer grants everything it needs.`
            : `${branding.productName} is not connected yet.`}
      </p>
      <h2>What {branding.productName} will be allowed to do</h2>
      <p>
        {application
          ? 'Microsoft will ask you to grant these permissions to the application itself (admin consent), for your whole organisation. It reads; it never signs in as you.'
          : 'Microsoft will ask you to sign in as an administrator and grant these permissions on behalf of your organisation.'}
      </p>
      <dl class="permissions">
        {permissions.map((p) => (
          <div key={p.permission}>
            <dt>
              <code>{p.permission}</code>
            </dt>
            <dd>{p.meaning}</dd>
          </div>
        ))}
      </dl>
      <p class="hint">
        Sign in with a Global Administrator (or Privileged Role Administrator) account of this organisation. If Microsoft signs you in with another
        account, choose "Use another account" on its screen.
      </p>
      <div class="actions">
        <ConsentButton session={session} label={active ? 'Consent again' : 'Connect with Microsoft'} />
        {active && next ? (
          <button type="button" onClick={() => go(next)}>
            Continue
          </button>
        ) : null}
      </div>
    </section>
  );
}
