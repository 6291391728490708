/** The pure parts of metrics and traces: their settings, the label rules that bound cardinality, the token check. */
import { observabilitySection } from '../../src/config/observability.config';
import { describeReceived } from '../../src/config/problems';
import { BoundedLabel, endpointClass, operationLabel } from '../../src/observability/labels';
import { metricsAuthorized, wsTraceCarrier } from '../../src/server/observability';

const DEV = { production: false, dataDir: '.data' };
const PROD = { production: true, dataDir: '.data' };
const TOKEN = 'abcdefghijklmnop0123';

describe('observability settings', () => {
  it.each([
    ['development: /metrics on the gateway port without a token', {}, DEV, { enabled: true, token: null, port: null }],
    ['production: off when unprotected', {}, PROD, { enabled: false, token: null, port: null }],
    ['production: on with a token', { METRICS_TOKEN: TOKEN }, PROD, { enabled: true, token: TOKEN, port: null }],
    ['production: on with a listener of its own', { METRICS_PORT: '9464' }, PROD, { enabled: true, token: null, port: 9464 }],
    ['production: off when asked, even if protected', { METRICS_ENABLED: 'false', METRICS_TOKEN: TOKEN }, PROD, { enabled: false, token: TOKEN, port: null }],
    ['development: off when asked', { METRICS_ENABLED: 'off' }, DEV, { enabled: false, token: null, port: null }],
  ])('%s', (_name, env, ctx, expected) => {
    const section = observabilitySection(env, ctx);
    if (!section.ok) throw new Error(JSON.stringify(section.problems));
    expect(section.value.metrics).toMatchObject(expected);
    expect(section.value.metrics.host).toBe('127.0.0.1');
    expect(section.value.metrics.tenantLabelLimit).toBe(500);
  });

  it.each([
    ['METRICS_ENABLED=true in production without protection', { METRICS_ENABLED: 'true' }, PROD, 'METRICS_ENABLED'],
    ['a short token', { METRICS_TOKEN: 'short' }, DEV, 'METRICS_TOKEN'],
    ['a token with spaces', { METRICS_TOKEN: 'abcdefgh ijklmnop0123' }, DEV, 'METRICS_TOKEN'],
    ['a port out of range', { METRICS_PORT: '70000' }, DEV, 'METRICS_PORT'],
    ['a tenant limit out of range', { METRICS_TENANT_LABEL_LIMIT: '-1' }, DEV, 'METRICS_TENANT_LABEL_LIMIT'],
    ['an endpoint that is not a URL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, DEV, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    ['TRACING not a flag', { TRACING: 'maybe' }, DEV, 'TRACING'],
  ])('refuses %s', (_name, env, ctx, variable) => {
    const section = observabilitySection(env, ctx);
    expect(section.ok).toBe(false);
    if (!section.ok) expect(section.problems.map((p) => p.variable)).toEqual([variable]);
  });

  it('never echoes the token in a problem', () => {
    expect(describeReceived('METRICS_TOKEN', 'short')).toBe('a hidden value of 5 characters');
  });

  it.each([
    ['off by default', {}, { enabled: false, tracesUrl: 'http://localhost:4318/v1/traces' }],
    ['on with an endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, { enabled: true, tracesUrl: 'http://collector:4318/v1/traces' }],
    ['on with TRACING, the default endpoint', { TRACING: 'true' }, { enabled: true, tracesUrl: 'http://localhost:4318/v1/traces' }],
    ['off with TRACING=false whatever the endpoint', { TRACING: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' }, { enabled: false, tracesUrl: 'https://otel.example.com/v1/traces' }],
  ])('tracing %s', (_name, env, expected) => {
    const section = observabilitySection(env, PROD);
    if (!section.ok) throw new Error(JSON.stringify(section.problems));
    expect(section.value.tracing).toEqual({ ...expected, serviceName: 'entra-gateway' });
  });
});

describe('endpointClass', () => {
  it.each([
    ['/v1.0/users', 'users'],
    ['/v1.0/users/8a1c6e2e-1111-2222-3333-444444444444', 'users'],
    ['/v1.0/users/delta?$select=id', 'users.delta'],
    ['/v1.0/users/delta()?$deltatoken=abc', 'users.delta'],
    ['/v1.0/groups/delta', 'groups.delta'],
    ['/v1.0/groups/0b1c/members/$ref', 'groups.members'],
    ['/v1.0/groups/0b1c/transitiveMembers/microsoft.graph.user', 'groups.transitiveMembers'],
    ['/v1.0/users/someone@contoso.com/memberOf', 'users.memberOf'],
    ['/v1.0/$batch', 'batch'],
    ['/v1.0/identity/conditionalAccess/policies', 'conditionalAccess'],
    ["/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')", 'servicePrincipals'],
    ['/v1.0/applications/abc', 'applications'],
    ['/v1.0/subscriptions/abc', 'subscriptions'],
    ['/v1.0/reports/getEmailActivityUserDetail', 'other'],
    ['/v1.0/', 'other'],
    ['users/delta', 'users.delta'],
    ['https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=x', 'groups.delta'],
    ['https://127.0.0.1:8443/v1.0/$batch', 'batch'],
  ])('%s -> %s', (path, expected) => {
    expect(endpointClass(path)).toBe(expected);
  });
});

describe('operationLabel', () => {
  it.each([
    ['a plain name', 'ListUsers', 'ListUsers'],
    ['no name', null, 'anonymous'],
    ['no operation resolved', undefined, 'unknown'],
    ['not a GraphQL name', 'drop table; --', 'unknown'],
    ['longer than 64 characters', `a${'b'.repeat(64)}`, 'unknown'],
  ])('%s', (_name, input, expected) => {
    expect(operationLabel(input, new BoundedLabel(10))).toBe(expected);
  });

  it('shares "other" among names beyond the cap, keeping the ones seen first', () => {
    const names = new BoundedLabel(2);
    expect(['A', 'B', 'C', 'A', 'D', 'B'].map((n) => operationLabel(n, names))).toEqual(['A', 'B', 'other', 'A', 'other', 'B']);
  });

  it('a cap of 0 makes every value "other"', () => {
    expect(new BoundedLabel(0).of('tenant-1')).toBe('other');
  });
});

describe('metricsAuthorized', () => {
  it.each([
    ['no token configured', undefined, null, true],
    ['the token', `Bearer ${TOKEN}`, TOKEN, true],
    ['the token, scheme in another case', `bearer ${TOKEN}`, TOKEN, true],
    ['no header', undefined, TOKEN, false],
    ['another token', 'Bearer abcdefghijklmnop0124', TOKEN, false],
    ['a prefix of the token', 'Bearer abcdefghijklmnop', TOKEN, false],
    ['the token without scheme', TOKEN, TOKEN, false],
    ['Basic', `Basic ${TOKEN}`, TOKEN, false],
  ])('%s', (_name, header, token, expected) => {
    expect(metricsAuthorized(header, token)).toBe(expected);
  });
});

describe('wsTraceCarrier', () => {
  const headers = { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' };
  it.each([
    ['connection_init traceparent first', { traceparent: 'tp', tracestate: 'ts' }, { traceparent: 'tp', tracestate: 'ts' }],
    ['else the upgrade headers', { authorization: 'Bearer x' }, headers],
    ['a non-string traceparent is ignored', { traceparent: 42 }, headers],
    ['no payload', undefined, headers],
  ])('%s', (_name, params, expected) => {
    expect(wsTraceCarrier(params, headers)).toEqual(expected);
  });
});
