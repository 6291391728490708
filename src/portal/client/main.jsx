// The hosted admin portal: Connect, Map groups, Status. Preact, bundled at install time (scripts/build-portal.js).
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from './api.js';
import { ConnectStep } from './connect.jsx';
import { GroupsStep } from './groups.jsx';
import { StatusStep } from './status.jsx';

const SESSION = `query PortalSession {
  portalSession {
    id tenantId steps returnUrl expiresAt productAppId
    branding { productName logoUrl accentColor }
    permissions { permission meaning }
    tenant { id displayName status authMode features missingScopes entraTenantId }
  }
}`;

const STEP_NAMES = { CONNECT: 'Connect', MAP_GROUPS: 'Map groups', STATUS: 'Status' };

function consentOutcome() {
  const text = document.querySelector('meta[name="portal-consent-outcome"]')?.getAttribute('content');
  return text ? JSON.parse(text) : null;
}

function firstStep(session, outcome) {
  const { steps, tenant } = session;
  if (steps.includes('CONNECT') && (outcome || tenant?.status !== 'ACTIVE')) return 'CONNECT';
  return steps.find((s) => s !== 'CONNECT') ?? steps[0];
}

function App() {
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);
  const [step, setStep] = useState(null);
  const [outcome] = useState(consentOutcome);
  const heading = useRef(null);

  const reload = async () => {
    try {
      const data = await gql(SESSION);
      if (!data.portalSession) throw new Error('Your portal session has ended. Ask the application for a new link.');
      setSession(data.portalSession);
      return data.portalSession;
    } catch (err) {
      setError(err.message);
      return null;
    }
  };

  useEffect(() => {
    // The consent's outcome was read once; the address bar keeps only /portal/.
    if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
    reload().then((loaded) => loaded && setStep(firstStep(loaded, outcome)));
  }, []);

  useEffect(() => {
    // A new step moves keyboard and screen-reader focus to its heading.
    if (step && heading.current) heading.current.focus();
  }, [step]);

  if (error) {
    return (
      <main class="message" id="main">
        <h1>The portal cannot continue</h1>
        <p role="alert">{error}</p>
      </main>
    );
  }
  if (!session || !step) return <main class="message"><p role="status">Loading the portal…</p></main>;

  const { branding, tenant } = session;
  const go = (next) => setStep(next);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="brand">
        {branding.logoUrl ? <img class="logo" src={branding.logoUrl} alt="" /> : null}
        <span class="product">{branding.productName}</span>
        <a class="back" href={session.returnUrl}>Back to {branding.productName}</a>
      </header>
      <nav aria-label="Steps">
        <ol class="steps">
          {session.steps.map((s, i) => (
            <li key={s}>
              <button type="button" class={s === step ? 'step current' : 'step'} aria-current={s === step ? 'step' : undefined} onClick={() => go(s)}>
                <span class="number" aria-hidden="true">{i + 1}</span> {STEP_NAMES[s]}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <main id="main">
        <p class="org">
          Organisation: <strong>{tenant?.displayName ?? session.tenantId}</strong>
        </p>
        {step === 'CONNECT' ? (
          <ConnectStep session={session} outcome={outcome} heading={heading} next={session.steps.find((s) => s !== 'CONNECT')} go={go} />
        ) : step === 'MAP_GROUPS' ? (
          <GroupsStep session={session} heading={heading} next={session.steps.includes('STATUS') ? 'STATUS' : null} go={go} />
        ) : (
          <StatusStep session={session} heading={heading} reload={reload} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
