/**
 * The Verafield tenant connected through the real consent flow to a real gateway over a real simulator, and
 * a client for directory reads. One bench per test file; `stop()` tears everything down.
 */
import { GraphQLClient } from 'graphql-request';
import { VERAFIELD } from '../../src/simulator/generator';
import { bearer } from '../support/gateway';
import { browse, outcome, startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';
import { connectTenant } from '../tenants/tenant-queries';

export { VERAFIELD };

export interface DirectoryBench extends ConsentBench {
  /** The gateway's id of the connected Verafield tenant. */
  tenantId: string;
  /** A key with directory:read on that tenant only. */
  reader: GraphQLClient;
  /** `query { tenant(id) { <selection> } }` as the reader; returns the tenant object. */
  read<T>(selection: string, variables?: Record<string, unknown>, variableDefinitions?: string): Promise<T>;
}

export interface BenchOptions {
  authMode?: 'DELEGATED' | 'APPLICATION';
  features?: string[];
  /** Who consents; default Verafield's global administrator (another tenant's admin connects that tenant). */
  login?: string;
  /** The gateway's environment beyond the bench's own. */
  env?: Record<string, string>;
}

export async function connectVerafield(bench: ConsentBench, options: BenchOptions = {}): Promise<string> {
  const connected = await connectTenant(bench.admin, {
    authMode: options.authMode ?? 'APPLICATION',
    features: options.features ?? ['READ_DIRECTORY', 'READ_ROLES'],
    returnUrl: bench.product.url(),
  });
  const result = outcome(await browse(bench, connected.consentUrl, { login: options.login }));
  if (result.status !== 'ACTIVE') throw new Error(`expected an ACTIVE tenant after consent, got ${JSON.stringify(result)}`);
  return connected.tenant.id;
}

export function tenantReader(client: GraphQLClient, tenantId: string): DirectoryBench['read'] {
  return async <T>(selection: string, variables: Record<string, unknown> = {}, variableDefinitions = '') => {
    const defs = ['$tenantId: ID!', variableDefinitions].filter(Boolean).join(', ');
    const data = await client.request<{ tenant: T }>(`query Read(${defs}) { tenant(id: $tenantId) { ${selection} } }`, { tenantId, ...variables });
    return data.tenant;
  };
}

export async function startDirectoryBench(options: BenchOptions = {}): Promise<DirectoryBench> {
  const bench = await startConsentBench({ env: options.env });
  try {
    const tenantId = await connectVerafield(bench, options);
    const key = await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [tenantId] });
    const reader = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(key) });
    return { ...bench, tenantId, reader, read: tenantReader(reader, tenantId) };
  } catch (err) {
    await bench.stop();
    throw err;
  }
}
