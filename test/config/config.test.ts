import { ConfigError, loadConfig } from '../../src/config';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: expected ${p.expected}, received ${p.received}`);
    throw error;
  }
  throw new Error(`expected loadConfig to throw a ConfigError for ${JSON.stringify(Object.keys(env))}`);
}

describe('loadConfig', () => {
  it('gives development defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.runtime).toEqual({ env: 'development', production: false, dataDir: '.data' });
    expect(config.server).toEqual({
      port: 4000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:4000',
      logLevel: 'info',
      graphqlSandbox: true,
      allowedReturnOrigins: ['http://localhost:4000'],
      shutdownTimeoutMs: 10_000,
      queryLimits: { maxDepth: 12, maxCost: 20_000, defaultPageSize: 25, maxDocumentBytes: 100_000, maxTokens: 10_000, maxNesting: 64 },
      maxBodyBytes: 1_048_576,
      webSocket: { maxMessageBytes: 1_048_576, maxSubscriptionsPerSocket: 20, maxSubscriptionsPerKey: 100 },
      heartbeatMinIntervalMs: 1_000,
      operationBudget: { graphRequests: 1_000, tokenRequests: 10, provisioningItems: 1_000 },
      corsAllowedOrigins: [],
    });
    expect(config.database).toEqual({ url: null, embeddedDir: '.data/postgres', embeddedPort: 54329 });
    expect(config.entra).toEqual({ cloud: 'global', credentials: null, loginUrl: null, graphUrl: null, caCertPath: null });
    expect(config.encryption).toEqual({ keys: null });
    expect(config.admin).toEqual({ apiKey: null });
    // No Entra credentials: SIMULATOR=auto turns the simulator on.
    expect(config.simulator).toEqual({ enabled: true, port: 8443, external: null });
  });

  it('derives PUBLIC_URL from PORT and treats empty values as unset', () => {
    const config = loadConfig({ PORT: '5000', PUBLIC_URL: '', LOG_LEVEL: '' });
    expect(config.server.publicUrl).toBe('http://localhost:5000');
    expect(config.server.logLevel).toBe('info');
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.server.allowedReturnOrigins)).toBe(true);
  });

  it('reports every problem together, each naming the variable, the expectation and what arrived', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      NODE_ENV: 'staging',
      GRAPHQL_SANDBOX: 'maybe',
      ENTRA_CLOUD: 'mars',
      ALLOWED_RETURN_ORIGINS: 'https://ok.example.com,https://bad.example.com/path',
      DATABASE_URL: 'mysql://root:pw@db/x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'NODE_ENV: expected one of development, test, production, received "staging"',
        'PORT: expected a port number from 0 to 65535, received "eighty"',
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, received "loud"',
        'GRAPHQL_SANDBOX: expected true or false (also 1/0, yes/no, on/off), received "maybe"',
        'ENTRA_CLOUD: expected one of global, usgov-l4, usgov-l5, china, custom, received "mars"',
        expect.stringMatching(/^ALLOWED_RETURN_ORIGINS: expected a comma-separated list of origins/),
        'DATABASE_URL: expected a URL (postgres or postgresql) such as postgres://user:password@host:5432/database, received a hidden value of 20 characters',
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('reads the query limits, and refuses a page size Graph would refuse', () => {
    expect(loadConfig({ GRAPHQL_MAX_DEPTH: '8', GRAPHQL_MAX_COST: '5000', GRAPHQL_DEFAULT_PAGE_SIZE: '100' }).server.queryLimits).toEqual({
      maxDepth: 8,
      maxCost: 5000,
      defaultPageSize: 100,
      maxDocumentBytes: 100_000,
      maxTokens: 10_000,
      maxNesting: 64,
    });
    expect(problemsOf({ GRAPHQL_DEFAULT_PAGE_SIZE: '1000' })).toEqual([expect.stringMatching(/^GRAPHQL_DEFAULT_PAGE_SIZE: expected an integer from 1 to 999/)]);
  });

  it('puts all problems in the error message', () => {
    expect(() => loadConfig({ PORT: '-1', SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(
      /Invalid configuration \(2 problems\):\n {2}- PORT: .*\n {2}- SHUTDOWN_TIMEOUT_MS: /,
    );
  });

  describe('settings a feature makes required', () => {
    it('requires the client secret with the client id, and the other way round', () => {
      expect(problemsOf({ ENTRA_CLIENT_ID: CLIENT_ID })).toEqual([
        "ENTRA_CLIENT_SECRET: expected the app registration's client secret (ENTRA_CLIENT_ID is set), received nothing (unset)",
      ]);
      expect(problemsOf({ ENTRA_CLIENT_SECRET: 's3cr3t-value' })).toEqual([
        "ENTRA_CLIENT_ID: expected the app registration's client ID (ENTRA_CLIENT_SECRET is set), received nothing (unset)",
      ]);
    });

    it('requires both endpoints for the custom cloud, and refuses them for the known clouds', () => {
      expect(problemsOf({ ENTRA_CLOUD: 'custom', ENTRA_LOGIN_URL: 'https://127.0.0.1:8443' })).toEqual([
        'ENTRA_GRAPH_URL: expected an https URL (ENTRA_CLOUD=custom), received nothing (unset)',
      ]);
      expect(problemsOf({ ENTRA_CLOUD: 'china', ENTRA_GRAPH_URL: 'https://127.0.0.1:8443' })).toEqual([
        'ENTRA_GRAPH_URL: expected to be unset unless ENTRA_CLOUD=custom (the known clouds have fixed endpoints), received a value while ENTRA_CLOUD is china',
      ]);
    });

    it('refuses http:// identity endpoints (MSAL does)', () => {
      expect(problemsOf({ ENTRA_CLOUD: 'custom', ENTRA_LOGIN_URL: 'http://localhost:8443', ENTRA_GRAPH_URL: 'https://localhost:8443' })).toEqual([
        'ENTRA_LOGIN_URL: expected a URL (https) such as https://127.0.0.1:8443, received "http://localhost:8443"',
      ]);
    });

    it('requires Entra credentials and encryption keys in production', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
        'ENTRA_CLIENT_ID: expected the Entra app registration (NODE_ENV=production), received nothing (unset)',
        'ENTRA_CLIENT_SECRET: expected the Entra app registration (NODE_ENV=production), received nothing (unset)',
        "ENCRYPTION_KEYS: expected 'version:base64-of-32-bytes' entries separated by commas (first = current key) (NODE_ENV=production), received nothing (unset)",
      ]);
    });

    it('accepts a complete production configuration, with the sandbox off and the simulator off', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        ENTRA_CLIENT_ID: CLIENT_ID.toUpperCase(),
        ENTRA_CLIENT_SECRET: 'a-real-secret',
        ENCRYPTION_KEYS: `2:${KEY_B},1:${KEY_A}`,
        PUBLIC_URL: 'https://gateway.example.com/',
      });
      expect(config.entra.credentials).toEqual({ clientId: CLIENT_ID, clientSecret: 'a-real-secret' });
      expect(config.encryption.keys?.map((k) => k.version)).toEqual([2, 1]);
      expect(config.encryption.keys?.[0].key.equals(Buffer.alloc(32, 2))).toBe(true);
      expect(config.server).toMatchObject({ host: '0.0.0.0', graphqlSandbox: false, publicUrl: 'https://gateway.example.com' });
      expect(config.simulator.enabled).toBe(false);
    });

    it('keeps the simulator off under SIMULATOR=auto once credentials exist, and refuses SIMULATOR=on with them', () => {
      expect(loadConfig({ ENTRA_CLIENT_ID: CLIENT_ID, ENTRA_CLIENT_SECRET: 'x' }).simulator.enabled).toBe(false);
      expect(problemsOf({ SIMULATOR: 'on', ENTRA_CLIENT_ID: CLIENT_ID, ENTRA_CLIENT_SECRET: 'x' })).toEqual([
        'SIMULATOR: expected auto or off while ENTRA_CLIENT_ID/ENTRA_CLIENT_SECRET are set (the simulator brings its own app), received "on"',
      ]);
    });

    it('uses a simulator running as its own service (SIMULATOR_URL) instead of starting one, with its CA and secret', () => {
      const external = { SIMULATOR_URL: 'https://simulator:8443/', SIMULATOR_CA_CERT_PATH: '/simulator-ca/ca.pem', SIMULATOR_CLIENT_SECRET: 's' };
      expect(loadConfig(external).simulator).toEqual({
        enabled: false,
        port: 8443,
        external: { url: 'https://simulator:8443', caCertPath: '/simulator-ca/ca.pem', clientSecret: 's' },
      });
      expect(loadConfig({}).simulator.external).toBeNull();
    });

    it.each([
      [{ SIMULATOR_URL: 'https://simulator:8443' }, [
        'SIMULATOR_CA_CERT_PATH: expected a value while SIMULATOR_URL is set, received nothing',
        'SIMULATOR_CLIENT_SECRET: expected a value while SIMULATOR_URL is set, received nothing',
      ]],
      [{ SIMULATOR_URL: 'https://simulator:8443', SIMULATOR_CA_CERT_PATH: '/ca.pem', SIMULATOR_CLIENT_SECRET: 's', SIMULATOR: 'on' }, [
        'SIMULATOR: expected auto or off while SIMULATOR_URL names a simulator running elsewhere, received "on"',
      ]],
      [{ SIMULATOR_URL: 'https://simulator:8443', SIMULATOR_CA_CERT_PATH: '/ca.pem', SIMULATOR_CLIENT_SECRET: 's', ENTRA_CLIENT_ID: CLIENT_ID, ENTRA_CLIENT_SECRET: 'x' }, [
        'SIMULATOR_URL: expected to be unset while ENTRA_CLIENT_ID/ENTRA_CLIENT_SECRET are set, received "https://simulator:8443"',
      ]],
    ])('refuses an incomplete or conflicting SIMULATOR_URL setting: %j', (env, problems) => {
      expect(problemsOf(env)).toEqual(problems);
    });
  });

  describe('secrets', () => {
    it('never echoes a secret value, not even a malformed one', () => {
      const secrets = {
        ENCRYPTION_KEYS: `1:${Buffer.alloc(16, 7).toString('base64')}`,
        ADMIN_API_KEY: 'short-admin-key',
        DATABASE_URL: 'ftp://user:hunter2@db',
      };
      let message = '';
      try {
        loadConfig(secrets);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('ENCRYPTION_KEYS: expected');
      expect(message).toContain('received entry 1 (version 1) decoding to 16 bytes');
      expect(message).toContain('ADMIN_API_KEY: expected a random string of at least 32 characters, received a hidden value of 15 characters');
      for (const value of [...Object.values(secrets), Buffer.alloc(16, 7).toString('base64'), 'hunter2']) {
        expect(message).not.toContain(value);
      }
    });

    it('explains malformed encryption key lists by position', () => {
      expect(problemsOf({ ENCRYPTION_KEYS: `1:${KEY_A},1:${KEY_B}` })).toEqual([
        "ENCRYPTION_KEYS: expected 'version:base64-of-32-bytes' entries separated by commas (first = current key), each version once, received version 1 twice",
      ]);
      expect(problemsOf({ ENCRYPTION_KEYS: `${KEY_A}` })).toEqual([
        "ENCRYPTION_KEYS: expected 'version:base64-of-32-bytes' entries separated by commas (first = current key), received entry 1 without a positive integer version before ':'",
      ]);
      expect(problemsOf({ ENCRYPTION_KEYS: `3:not base64!` })).toEqual([
        "ENCRYPTION_KEYS: expected 'version:base64-of-32-bytes' entries separated by commas (first = current key), received entry 1 (version 3) that is not base64",
      ]);
    });
  });
});
