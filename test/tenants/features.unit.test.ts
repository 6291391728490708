import { Feature, consentScopes, missingPermissions, parseFeatures, permissionsFor } from '../../src/tenants/features';

const GRAPH = 'https://graph.microsoft.com';

describe('feature -> permission planning', () => {
  it.each([
    [[Feature.READ_DIRECTORY], ['GroupMember.Read.All', 'User.Read.All']],
    [[Feature.READ_ROLES], ['RoleManagement.Read.Directory']],
    [[Feature.READ_POLICIES], ['Policy.Read.All']],
    [[Feature.READ_APPS], ['Application.Read.All']],
    // writes include the reads: asking for both would be redundant
    [[Feature.READ_DIRECTORY, Feature.PROVISIONING], ['GroupMember.ReadWrite.All', 'User.ReadWrite.All']],
  ])('%j asks for %j', (features, expected) => {
    expect(permissionsFor(features)).toEqual(expected);
  });

  it('delegated consent adds offline_access and qualifies scopes with the cloud Graph host', () => {
    expect(consentScopes([Feature.READ_POLICIES], 'DELEGATED', 'https://graph.microsoft.us')).toEqual([
      'https://graph.microsoft.us/Policy.Read.All',
      'offline_access',
    ]);
  });

  it('application consent asks for /.default only', () => {
    expect(consentScopes([Feature.READ_DIRECTORY, Feature.READ_APPS], 'APPLICATION', GRAPH)).toEqual([`${GRAPH}/.default`]);
  });

  it('reports what is missing, accepting broader grants as cover', () => {
    const features = [Feature.READ_DIRECTORY, Feature.READ_POLICIES];
    expect(missingPermissions(features, ['User.Read.All'])).toEqual(['GroupMember.Read.All', 'Policy.Read.All']);
    expect(missingPermissions(features, ['Directory.Read.All', 'policy.read.all'])).toEqual([]);
    expect(missingPermissions([Feature.PROVISIONING], ['User.Read.All', 'GroupMember.Read.All'])).toEqual([
      'GroupMember.ReadWrite.All',
      'User.ReadWrite.All',
    ]);
  });

  it('rejects unknown features by name', () => {
    expect(() => parseFeatures(['READ_DIRECTORY', 'READ_EVERYTHING'])).toThrow(/unknown feature\(s\) READ_EVERYTHING/);
    expect(parseFeatures(['READ_APPS', 'READ_APPS'])).toEqual([Feature.READ_APPS]);
  });
});
