/**
 * Provisioning tests' bench: the Verafield tenant connected with PROVISIONING through the real consent flow,
 * a writer key (directory:write on that tenant only), and typed wrappers around the mutations.
 */
import { GraphQLClient } from 'graphql-request';
import { bearer } from '../support/gateway';
import { connectVerafield, VERAFIELD } from '../directory/directory-fixtures';
import { startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';

export { VERAFIELD };

export const ERROR = '... on ProvisioningError { __typename errorCode message }';
export const USER = 'id displayName userPrincipalName department jobTitle accountEnabled';
export const CREATE_RESULT = `__typename ${ERROR}
  ... on CreatedUser { user { ${USER} } initialPassword replayed passwordNote }
  ... on UpnConflict { userPrincipalName }
  ... on InvalidDomain { userPrincipalName domain }
  ... on InvalidInput { field }
  ... on NotFound { objectId objectKind }
  ... on MissingPermission { permissions reconsent }
  ... on FeatureDisabled { feature }
  ... on Throttled { retryAfterSeconds }
  ... on IdempotencyKeyReused { idempotencyKey operation }`;
export const MEMBER_RESULT = `__typename ${ERROR}
  ... on MembershipChange { groupId memberId change noOp }
  ... on GroupIsDynamic { groupId }
  ... on NotFound { objectId objectKind }
  ... on MissingPermission { permissions }
  ... on Throttled { retryAfterSeconds }`;

export type Result = Record<string, unknown> & { __typename: string; errorCode?: string; message?: string };
export type Created = Result & { user: { id: string; userPrincipalName: string }; initialPassword: string | null; replayed: boolean; passwordNote: string | null };

export interface ProvisioningBench extends ConsentBench {
  tenantId: string;
  writer: GraphQLClient;
  writerKeyId: string;
  createUser(input: Record<string, unknown>, idempotencyKey?: string, client?: GraphQLClient): Promise<Result>;
  updateUser(userId: string, input: Record<string, unknown>): Promise<Result>;
  addMember(groupId: string, memberId: string): Promise<Result>;
  removeMember(groupId: string, memberId: string): Promise<Result>;
}

export function newUser(local: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: local.replace(/[._]/g, ' '),
    userPrincipalName: `${local}@${VERAFIELD.domain}`,
    department: 'Finance',
    jobTitle: 'Analyst',
    usageLocation: 'GB',
    accountEnabled: true,
    forceChangePasswordNextSignIn: true,
    ...extra,
  };
}

export function provisioningClient(bench: Pick<ProvisioningBench, 'tenantId' | 'writer'>) {
  return {
    createUser: (input: Record<string, unknown>, idempotencyKey?: string, client: GraphQLClient = bench.writer) =>
      client
        .request<{ createUser: Result }>(`mutation($t: ID!, $i: CreateUserInput!, $k: String) { createUser(tenantId: $t, input: $i, idempotencyKey: $k) { ${CREATE_RESULT} } }`, {
          t: bench.tenantId,
          i: input,
          k: idempotencyKey,
        })
        .then((d) => d.createUser),
    updateUser: (userId: string, input: Record<string, unknown>) =>
      bench.writer
        .request<{ updateUser: Result }>(
          `mutation($t: ID!, $u: ID!, $i: UpdateUserInput!) { updateUser(tenantId: $t, userId: $u, input: $i) { __typename ${ERROR} ... on UpdatedUser { changed user { ${USER} } } ... on NotFound { objectId objectKind } ... on UpnConflict { userPrincipalName } ... on InvalidInput { field } } }`,
          { t: bench.tenantId, u: userId, i: input },
        )
        .then((d) => d.updateUser),
    addMember: (groupId: string, memberId: string) =>
      bench.writer
        .request<{ addGroupMember: Result }>(`mutation($t: ID!, $g: ID!, $m: ID!) { addGroupMember(tenantId: $t, groupId: $g, memberId: $m) { ${MEMBER_RESULT} } }`, { t: bench.tenantId, g: groupId, m: memberId })
        .then((d) => d.addGroupMember),
    removeMember: (groupId: string, memberId: string) =>
      bench.writer
        .request<{ removeGroupMember: Result }>(`mutation($t: ID!, $g: ID!, $m: ID!) { removeGroupMember(tenantId: $t, groupId: $g, memberId: $m) { ${MEMBER_RESULT} } }`, { t: bench.tenantId, g: groupId, m: memberId })
        .then((d) => d.removeGroupMember),
  };
}

export async function startProvisioningBench(options: { authMode?: 'DELEGATED' | 'APPLICATION'; features?: string[] } = {}): Promise<ProvisioningBench> {
  const bench = await startConsentBench();
  try {
    const tenantId = await connectVerafield(bench, { authMode: options.authMode ?? 'APPLICATION', features: options.features ?? ['READ_DIRECTORY', 'PROVISIONING'] });
    const key = await bench.gw.mintKey({ scopes: ['directory:write'] as never, tenantIds: [tenantId] });
    const writer = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(key) });
    const partial = { ...bench, tenantId, writer, writerKeyId: key.split('_')[1]! };
    return { ...partial, ...provisioningClient(partial) };
  } catch (err) {
    await bench.stop();
    throw err;
  }
}
