/** The GraphQL documents the tenant tests send, and small typed wrappers around them. */
import type { GraphQLClient } from 'graphql-request';

export const TENANT_FIELDS = `
  id displayName entraTenantId cloud authMode status features grantedScopes missingScopes syncIntervalSeconds
  createdAt updatedAt statusHistory { from to reason at }
`;

export interface TenantView {
  id: string;
  displayName: string;
  entraTenantId: string | null;
  cloud: string;
  authMode: 'DELEGATED' | 'APPLICATION';
  status: string;
  features: string[];
  grantedScopes: string[];
  missingScopes: string[];
  syncIntervalSeconds: number;
  statusHistory: Array<{ from: string | null; to: string; reason: string; at: string }>;
}

export interface ConnectInput {
  displayName?: string;
  cloud?: string;
  authMode: 'DELEGATED' | 'APPLICATION';
  features?: string[];
  returnUrl: string;
  loginHint?: string;
}

export async function connectTenant(client: GraphQLClient, input: ConnectInput): Promise<{ tenant: TenantView; consentUrl: string }> {
  const data = await client.request<{ connectTenant: { tenant: TenantView; consentUrl: string } }>(
    `mutation Connect($input: ConnectTenantInput!) { connectTenant(input: $input) { consentUrl tenant { ${TENANT_FIELDS} } } }`,
    { input: { displayName: 'Verafield Technologies', cloud: 'CUSTOM', features: ['READ_DIRECTORY', 'READ_POLICIES'], ...input } },
  );
  return data.connectTenant;
}

export async function readTenant(client: GraphQLClient, id: string): Promise<TenantView | null> {
  const data = await client.request<{ tenant: TenantView | null }>(`query Tenant($id: ID!) { tenant(id: $id) { ${TENANT_FIELDS} } }`, { id });
  return data.tenant;
}

export async function reconsentUrl(client: GraphQLClient, id: string, returnUrl: string): Promise<string> {
  const data = await client.request<{ tenant: { reconsentUrl: string } }>(
    `query Reconsent($id: ID!, $returnUrl: String!) { tenant(id: $id) { reconsentUrl(returnUrl: $returnUrl) } }`,
    { id, returnUrl },
  );
  return data.tenant.reconsentUrl;
}

export async function verifyConnection(
  client: GraphQLClient,
  id: string,
): Promise<{ tokenAcquired: boolean; problem: string | null; tenant: TenantView }> {
  const data = await client.request<{ verifyTenantConnection: { tokenAcquired: boolean; problem: string | null; tenant: TenantView } }>(
    `mutation Verify($id: ID!) { verifyTenantConnection(id: $id) { tokenAcquired problem tenant { ${TENANT_FIELDS} } } }`,
    { id },
  );
  return data.verifyTenantConnection;
}

/** The GraphQL error of a failed request: its code, message and extensions. */
export async function graphqlError(request: Promise<unknown>): Promise<{ code: string; message: string; extensions: Record<string, unknown> }> {
  const failure = await request.then(
    () => {
      throw new Error('expected the request to fail, but it succeeded');
    },
    (err: { response?: { errors?: Array<{ message: string; extensions: Record<string, unknown> }> } }) => err,
  );
  const first = failure.response?.errors?.[0];
  if (!first) throw new Error(`expected a GraphQL error, got ${String(failure)}`);
  return { code: String(first.extensions.code), message: first.message, extensions: first.extensions };
}
