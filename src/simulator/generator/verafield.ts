/**
 * The 'verafield' preset: Verafield Technologies, 300 staff in ten departments, with the shapes the gateway
 * must handle (nested groups, a dynamic group, Microsoft 365 / mail-enabled / distribution groups, guests,
 * disabled accounts, admin roles, conditional-access policies around the product's app, credentials about to
 * expire). Well-known objects have fixed labels, so `verafieldFixture` names their ids without generating.
 */
import type { SimServicePrincipal, SimTenant, SimUser } from '../model';
import { TenantBuilder, type CredentialSpec, type GroupSpec, type UserSpec } from './builder';
import { DEPARTMENTS, GIVEN_NAMES, LICENSES, OFFICES, ROLES, SURNAMES, type DepartmentName } from './catalog';
import { idFactory, Random } from './random';

export const VERAFIELD_TENANT_ID = '7d3f9c2e-5b1a-4e8d-9f60-2c4b8a1e7d35';
export const VERAFIELD_DOMAIN = 'verafield.com';
export const VERAFIELD_INITIAL_DOMAIN = 'verafield.onmicrosoft.com';
/** The app id of "the product": the SaaS app whose conditional access and credentials the gateway watches. */
export const DEFAULT_PRODUCT_APP_ID = '4a8e2f61-93c7-4d05-b1e8-6f2d0c9a7b43';
export const DEFAULT_SEED = 1;

export interface VerafieldOptions {
  tenantId: string;
  seed: number;
  productAppId: string;
  now: number;
}

type KeyUser = Omit<UserSpec, 'label' | 'createdDaysAgo'>;

/** Staff with a role in tests. They count towards their department's headcount. */
const KEY_STAFF = {
  globalAdmin: { givenName: 'Avery', surname: 'Quinn', upnLocal: 'avery.quinn', department: 'IT', jobTitle: 'IT Director', licenses: [LICENSES.microsoft365E5] },
  secondGlobalAdmin: { givenName: 'Morgan', surname: 'Blake', upnLocal: 'morgan.blake', department: 'Executive', jobTitle: 'Chief Technology Officer', licenses: [LICENSES.microsoft365E5] },
  userAdmin: { givenName: 'Priya', surname: 'Raman', upnLocal: 'priya.raman', department: 'IT', jobTitle: 'Identity Administrator', licenses: [LICENSES.microsoft365E3] },
  guestInviter: { givenName: 'Lena', surname: 'Ortiz', upnLocal: 'lena.ortiz', department: 'HR', jobTitle: 'HR Business Partner', licenses: [LICENSES.microsoft365E3] },
  financeEmployee: { givenName: 'Nora', surname: 'Finch', upnLocal: 'nora.finch', department: 'Finance', jobTitle: 'Financial Analyst', licenses: [LICENSES.microsoft365E3] },
  /** Reaches "Engineering" only through "Data Team", which is nested in it. */
  dataEngineer: { givenName: 'Theo', surname: 'Marsh', upnLocal: 'theo.marsh', department: 'Engineering', jobTitle: 'Data Engineer', licenses: [LICENSES.microsoft365E5] },
  /** Reaches "Engineering" only through Engineering > Platform Team > Site Reliability > SRE On-Call. */
  onCallEngineer: { givenName: 'Iris', surname: 'Calder', upnLocal: 'iris.calder', department: 'Engineering', jobTitle: 'Site Reliability Engineer', licenses: [LICENSES.microsoft365E5] },
  platformEngineer: { givenName: 'Sam', surname: 'Porter', upnLocal: 'sam.porter', department: 'Engineering', jobTitle: 'Senior Software Engineer', licenses: [LICENSES.microsoft365E5] },
  salesRep: { givenName: 'Dev', surname: 'Malik', upnLocal: 'dev.malik', department: 'Sales', jobTitle: 'Account Executive', licenses: [LICENSES.microsoft365E3] },
  disabledEmployee: { givenName: 'Colin', surname: 'Drake', upnLocal: 'colin.drake', department: 'Marketing', jobTitle: 'Content Strategist', accountEnabled: false, licenses: [LICENSES.microsoft365E3] },
} as const satisfies Record<string, KeyUser>;

/** Emergency-access accounts: cloud-only, on the initial domain, no department; not staff. */
const BREAK_GLASS = {
  breakGlass1: { givenName: 'Break Glass', surname: '01', upnLocal: 'breakglass01', department: null, jobTitle: null },
  breakGlass2: { givenName: 'Break Glass', surname: '02', upnLocal: 'breakglass02', department: null, jobTitle: null },
} as const satisfies Record<string, KeyUser>;

const GUESTS = {
  guestConsultant: { displayName: 'Jordan Lake (Contoso)', email: 'jordan.lake@contoso.com' },
  guestAuditor: { displayName: 'Maria Feld (Fabrikam)', email: 'maria.feld@fabrikam.com' },
  guestDesigner: { displayName: 'Kofi Mensah (Northwind)', email: 'kofi@northwindtraders.com' },
  guestPartner: { displayName: 'Ana Ruiz (Adatum)', email: 'ana.ruiz@adatum.com' },
  guestContractor: { displayName: 'Lars Berg (Tailspin)', email: 'lars.berg@tailspintoys.com' },
} as const;

/** Random staff disabled besides the key disabled employee ("a few disabled accounts"). */
const EXTRA_DISABLED = 3;

type GroupKey =
  | 'platformTeam' | 'dataTeam' | 'siteReliability' | 'onCall' | 'salesDynamic' | 'allCompany' | 'productLaunch'
  | 'socialClub' | 'securityAlerts' | 'newsletter' | 'breakGlass' | 'travelExemptions' | 'contractors' | 'productAdmins';

const GROUPS: Record<GroupKey, Omit<GroupSpec, 'label' | 'createdDaysAgo'>> = {
  platformTeam: { displayName: 'Platform Team', kind: 'security', description: 'Core platform engineering' },
  dataTeam: { displayName: 'Data Team', kind: 'security', description: 'Data engineering and analytics' },
  siteReliability: { displayName: 'Site Reliability', kind: 'security' },
  onCall: { displayName: 'SRE On-Call', kind: 'security' },
  salesDynamic: { displayName: 'Sales (dynamic)', kind: 'dynamic', membershipRule: '(user.department -eq "Sales")' },
  allCompany: { displayName: 'Verafield All Company', kind: 'unified', description: 'Everyone at Verafield' },
  productLaunch: { displayName: 'Product Launch 2026', kind: 'unified', visibility: 'Private' },
  socialClub: { displayName: 'Social Club', kind: 'unified' },
  securityAlerts: { displayName: 'Security Alerts', kind: 'mailSecurity' },
  newsletter: { displayName: 'Verafield Newsletter', kind: 'distribution' },
  breakGlass: { displayName: 'Break Glass Accounts', kind: 'security', description: 'Emergency access; excluded from conditional access' },
  travelExemptions: { displayName: 'Travel MFA Exemptions', kind: 'security' },
  contractors: { displayName: 'External Contractors', kind: 'security' },
  productAdmins: { displayName: 'Product Admins', kind: 'security' },
};

/**
 * Role-assignable groups (isAssignableToRole): a role assigned to one is held by its direct members (graph-facts
 * §12). Built apart from GROUPS, after them and without the random generator, so every other object stays as it was.
 */
const ROLE_ASSIGNABLE_GROUPS = {
  identityAdmins: { displayName: 'Identity Admins', kind: 'security', description: 'Role-assignable: holds Conditional Access Administrator', roleAssignable: true },
} as const satisfies Record<string, Omit<GroupSpec, 'label' | 'createdDaysAgo'>>;

/**
 * Custom role definitions (isBuiltIn false). Their permissions are ones Entra lets custom roles hold
 * (entra-docs custom-available-permissions); applications/credentials/update is labelled PRIVILEGED in
 * Microsoft's permissions reference, the group reads are not.
 */
const CUSTOM_ROLES = {
  appCredentialManager: {
    displayName: 'Verafield App Credential Manager',
    description: 'Rotates secrets and certificates of app registrations.',
    allowedResourceActions: ['microsoft.directory/applications/credentials/update', 'microsoft.directory/applications/basic/update', 'microsoft.directory/applications/standard/read'],
  },
  groupReader: {
    displayName: 'Verafield Group Reader',
    description: 'Reads groups and their members.',
    allowedResourceActions: ['microsoft.directory/groups/standard/read', 'microsoft.directory/groups/members/read'],
  },
};

type PolicyKey = 'productMfa' | 'reportOnlyCompliantDevice' | 'office365MfaExceptTravel' | 'disabledContractorBlock' | 'blockLegacyAuth' | 'adminMfa';

type AppKey = 'product' | 'hrPortal' | 'expenseSync' | 'legacyReporting';

const APPS: Record<AppKey, { displayName: string; passwords: CredentialSpec[]; certificates: CredentialSpec[] }> = {
  product: {
    displayName: 'Gateway Product',
    passwords: [
      { label: 'product-secret-expiring', displayName: 'production', expiresInDays: 10, validForDays: 365 },
      { label: 'product-secret-expired', displayName: 'old production', expiresInDays: -200, validForDays: 365 },
    ],
    certificates: [{ label: 'product-certificate', displayName: 'gateway-product', expiresInDays: 180, validForDays: 365 }],
  },
  hrPortal: {
    displayName: 'Verafield HR Portal',
    passwords: [{ label: 'hr-portal-secret', displayName: 'portal', expiresInDays: 300, validForDays: 730 }],
    certificates: [{ label: 'hr-portal-certificate', displayName: 'hr-portal-2024', expiresInDays: -400, validForDays: 365 }],
  },
  expenseSync: {
    displayName: 'Expense Sync',
    passwords: [{ label: 'expense-sync-secret', displayName: 'sync job', expiresInDays: 4, validForDays: 180 }],
    certificates: [],
  },
  legacyReporting: {
    displayName: 'Legacy Reporting Tool',
    passwords: [{ label: 'legacy-reporting-secret', displayName: 'reporting', expiresInDays: -500, validForDays: 730 }],
    certificates: [],
  },
};

const STAFF = DEPARTMENTS.reduce((n, d) => n + d.headcount, 0);

export const VERAFIELD_COUNTS = {
  staff: STAFF,
  breakGlass: Object.keys(BREAK_GLASS).length,
  guests: Object.keys(GUESTS).length,
  users: STAFF + Object.keys(BREAK_GLASS).length + Object.keys(GUESTS).length,
  groups: DEPARTMENTS.length + Object.keys(GROUPS).length + Object.keys(ROLE_ASSIGNABLE_GROUPS).length,
  disabled: 1 + EXTRA_DISABLED,
} as const;

export function verafieldDomains(tenantId: string): { domain: string; initialDomain: string } {
  if (tenantId === VERAFIELD_TENANT_ID) return { domain: VERAFIELD_DOMAIN, initialDomain: VERAFIELD_INITIAL_DOMAIN };
  // A second Verafield in one simulator needs domains of its own: a verified domain belongs to one tenant.
  const suffix = tenantId.slice(0, 8);
  return { domain: `verafield-${suffix}.com`, initialDomain: `verafield${suffix}.onmicrosoft.com` };
}

export interface VerafieldFixture {
  tenantId: string;
  seed: number;
  domain: string;
  initialDomain: string;
  productAppId: string;
  counts: typeof VERAFIELD_COUNTS;
  users: Record<keyof typeof KEY_STAFF | keyof typeof BREAK_GLASS | keyof typeof GUESTS, { id: string; userPrincipalName: string }>;
  /** Department groups by lower-case department name ("finance", "engineering", ...) and the other groups by key. */
  groups: Record<GroupKey | keyof typeof ROLE_ASSIGNABLE_GROUPS | Lowercase<DepartmentName>, string>;
  /** Custom role definition ids by key. */
  customRoles: Record<keyof typeof CUSTOM_ROLES, string>;
  policies: Record<PolicyKey, string>;
  apps: Record<AppKey, { appId: string; applicationId: string; servicePrincipalId: string; credentialKeyIds: Record<string, string> }>;
  graphServicePrincipalId: string;
  roles: typeof ROLES;
}

/** Ids and names of Verafield's well-known objects, for the tenant generateTenant('verafield', options) builds. */
export function verafieldFixture(options: Partial<Pick<VerafieldOptions, 'tenantId' | 'seed' | 'productAppId'>> = {}): VerafieldFixture {
  const tenantId = (options.tenantId ?? VERAFIELD_TENANT_ID).toLowerCase();
  const seed = options.seed ?? DEFAULT_SEED;
  const productAppId = (options.productAppId ?? DEFAULT_PRODUCT_APP_ID).toLowerCase();
  const id = idFactory(`${tenantId}/${seed}`);
  const { domain, initialDomain } = verafieldDomains(tenantId);
  const users = Object.fromEntries([
    ...Object.entries(KEY_STAFF).map(([k, u]) => [k, { id: id(`user:${k}`), userPrincipalName: `${u.upnLocal}@${domain}` }]),
    ...Object.entries(BREAK_GLASS).map(([k, u]) => [k, { id: id(`user:${k}`), userPrincipalName: `${u.upnLocal}@${initialDomain}` }]),
    ...Object.entries(GUESTS).map(([k, g]) => [k, { id: id(`user:${k}`), userPrincipalName: `${g.email.replace('@', '_')}#EXT#@${initialDomain}` }]),
  ]) as VerafieldFixture['users'];
  const groups = Object.fromEntries(
    [...DEPARTMENTS.map((d) => d.name.toLowerCase()), ...Object.keys(GROUPS), ...Object.keys(ROLE_ASSIGNABLE_GROUPS)].map((k) => [k, id(`group:${k}`)]),
  ) as VerafieldFixture['groups'];
  const policyKeys: PolicyKey[] = ['productMfa', 'reportOnlyCompliantDevice', 'office365MfaExceptTravel', 'disabledContractorBlock', 'blockLegacyAuth', 'adminMfa'];
  const apps = Object.fromEntries(
    (Object.keys(APPS) as AppKey[]).map((k) => [
      k,
      {
        appId: k === 'product' ? productAppId : id(`appId:${k}`),
        applicationId: id(`application:${k}`),
        servicePrincipalId: id(`sp:${k}`),
        credentialKeyIds: Object.fromEntries([...APPS[k].passwords, ...APPS[k].certificates].map((c) => [c.label, id(`credential:${c.label}`)])),
      },
    ]),
  ) as VerafieldFixture['apps'];
  return {
    tenantId,
    seed,
    domain,
    initialDomain,
    productAppId,
    counts: VERAFIELD_COUNTS,
    users,
    groups,
    policies: Object.fromEntries(policyKeys.map((k) => [k, id(`policy:${k}`)])) as VerafieldFixture['policies'],
    apps,
    graphServicePrincipalId: id('sp:microsoft-graph'),
    roles: ROLES,
    customRoles: Object.fromEntries(Object.keys(CUSTOM_ROLES).map((k) => [k, id(`roleDefinition:${k}`)])) as VerafieldFixture['customRoles'],
  };
}

/** Well-known ids of the default Verafield tenant (generateTenant('verafield') without tenantId/seed/productAppId). */
export const VERAFIELD: VerafieldFixture = verafieldFixture();

export function generateVerafield(opts: VerafieldOptions): SimTenant {
  const fixture = verafieldFixture(opts);
  const rng = new Random(opts.seed);
  const b = new TenantBuilder({
    tenantId: fixture.tenantId,
    displayName: 'Verafield Technologies',
    domains: [fixture.domain, fixture.initialDomain],
    seed: opts.seed,
    now: opts.now,
  });
  const staffByDepartment = addStaff(b, rng);
  const breakGlass = Object.entries(BREAK_GLASS).map(([k, u]) =>
    b.addUser({ ...u, label: `user:${k}`, domain: fixture.initialDomain, createdDaysAgo: 2000 }),
  );
  const guests = Object.entries(GUESTS).map(([k, g], i) => b.addGuest({ ...g, label: `user:${k}`, createdDaysAgo: 60 + 30 * i }));
  addGroups(b, rng, staffByDepartment, breakGlass, guests);

  b.defineRoles(Object.values(ROLES));
  const key = fixture.users;
  b.assignRole(ROLES.globalAdministrator, [key.globalAdmin.id, key.secondGlobalAdmin.id]);
  b.assignRole(ROLES.userAdministrator, [key.userAdmin.id]);
  b.assignRole(ROLES.guestInviter, [key.guestInviter.id]);
  // PIM-eligible admins (graph-facts §12): they hold no active assignment, yet may activate the role any time.
  b.makeEligible(ROLES.globalAdministrator, key.platformEngineer.id, 10, 30);
  b.makeEligible(ROLES.userAdministrator, key.dataEngineer.id, 90, null);
  addPrivilegedPaths(b, fixture, staffByDepartment);

  addApps(b, fixture);
  addPolicies(b, fixture);
  b.tenant.generatedBy = { preset: 'verafield', seed: opts.seed, productAppId: fixture.productAppId };
  return b.tenant;
}

/**
 * Privilege that is not a direct built-in assignment: a role-assignable group holding Conditional Access
 * Administrator (two IT staff and the HR business partner are its members), a custom role with a privileged
 * permission (the on-call engineer) and a custom role without one (the sales rep).
 */
function addPrivilegedPaths(b: TenantBuilder, fixture: VerafieldFixture, staff: Map<string, SimUser[]>): void {
  for (const [k, spec] of Object.entries(ROLE_ASSIGNABLE_GROUPS)) b.addGroup({ ...spec, label: `group:${k}`, createdDaysAgo: 400 });
  const it = staff.get('IT')!.filter((u) => !Object.values(fixture.users).some((key) => key.id === u.id));
  b.addMembers(fixture.groups.identityAdmins, [...it.slice(4, 6).map((u) => u.id), fixture.users.guestInviter.id]);
  b.assignRole(ROLES.conditionalAccessAdministrator, [fixture.groups.identityAdmins]);
  for (const [k, spec] of Object.entries(CUSTOM_ROLES)) b.defineCustomRole(k, spec);
  b.assignRoleDefinition(fixture.customRoles.appCredentialManager, [fixture.users.onCallEngineer.id]);
  b.assignRoleDefinition(fixture.customRoles.groupReader, [fixture.users.salesRep.id]);
}

function addStaff(b: TenantBuilder, rng: Random): Map<string, SimUser[]> {
  const byDepartment = new Map<string, SimUser[]>();
  const usedLocals = new Set<string>(Object.values(KEY_STAFF).map((u) => u.upnLocal));
  for (const dept of DEPARTMENTS) {
    const staff = Object.entries(KEY_STAFF)
      .filter(([, u]) => u.department === dept.name)
      .map(([k, u]) => b.addUser({ ...u, label: `user:${k}`, officeLocation: OFFICES[0], createdDaysAgo: 900 }));
    for (let n = staff.length; n < dept.headcount; n++) {
      const givenName = rng.pick(GIVEN_NAMES);
      const surname = rng.pick(SURNAMES);
      const upnLocal = uniqueLocal(`${givenName}.${surname}`.toLowerCase(), usedLocals);
      staff.push(
        b.addUser({
          label: `user:staff:${dept.name}:${n}`,
          givenName,
          surname,
          upnLocal,
          department: dept.name,
          jobTitle: rng.pick(dept.titles),
          officeLocation: rng.pick(OFFICES),
          licenses: [dept.name === 'Engineering' || dept.name === 'Executive' ? LICENSES.microsoft365E5 : dept.name === 'Support' ? LICENSES.office365E3 : LICENSES.microsoft365E3],
          createdDaysAgo: 30 + rng.int(2000),
        }),
      );
    }
    byDepartment.set(dept.name, staff);
  }
  const keyIds = keyStaffIds(b);
  const ordinary = [...byDepartment.values()].flat().filter((u) => !keyIds.has(u.id));
  for (let i = 0; i < EXTRA_DISABLED; i++) ordinary[(i * 97 + rng.int(50)) % ordinary.length].accountEnabled = false;
  return byDepartment;
}

function keyStaffIds(b: TenantBuilder): Set<string> {
  return new Set(Object.keys(KEY_STAFF).map((k) => b.id(`user:${k}`)));
}

function uniqueLocal(base: string, used: Set<string>): string {
  let local = base;
  for (let n = 2; used.has(local); n++) local = `${base}${n}`;
  used.add(local);
  return local;
}

function addGroups(b: TenantBuilder, rng: Random, staff: Map<string, SimUser[]>, breakGlass: SimUser[], guests: SimUser[]): void {
  const ids = (users: SimUser[]) => users.map((u) => u.id);
  const group = (key: string, spec: Omit<GroupSpec, 'label' | 'createdDaysAgo'>) =>
    b.addGroup({ ...spec, label: `group:${key}`, createdDaysAgo: 700 + rng.int(700) }).id;
  const dept = (name: DepartmentName) => staff.get(name)!;

  const departmentGroups = new Map(
    DEPARTMENTS.map((d) => [d.name, group(d.name.toLowerCase(), { displayName: d.name, kind: 'security', description: `All ${d.name} staff` })]),
  );
  const g = Object.fromEntries(Object.entries(GROUPS).map(([k, spec]) => [k, group(k, spec)])) as Record<GroupKey, string>;

  for (const d of DEPARTMENTS) if (d.name !== 'Engineering') b.addMembers(departmentGroups.get(d.name)!, ids(dept(d.name)));

  // Engineering: most engineers sit in sub-teams only, reaching "Engineering" through nesting.
  const key = (k: keyof typeof KEY_STAFF) => b.id(`user:${k}`);
  const keyIds = keyStaffIds(b);
  const engineers = ids(dept('Engineering')).filter((id) => !keyIds.has(id));
  b.addMembers(g.platformTeam, [key('platformEngineer'), ...engineers.slice(0, 25), g.siteReliability]);
  b.addMembers(g.dataTeam, [key('dataEngineer'), ...engineers.slice(25, 40)]);
  b.addMembers(g.siteReliability, [...engineers.slice(40, 46), g.onCall]);
  b.addMembers(g.onCall, [key('onCallEngineer'), ...engineers.slice(46, 49)]);
  b.addMembers(departmentGroups.get('Engineering')!, [...engineers.slice(49), g.platformTeam, g.dataTeam]);

  const everyone = [...staff.values()].flat();
  // The generator evaluates the dynamic rule once; the store never re-evaluates it.
  b.addMembers(g.salesDynamic, ids(everyone.filter((u) => u.department === 'Sales')));
  b.addMembers(g.allCompany, ids(everyone));
  b.addMembers(g.productLaunch, [...ids(dept('Marketing')), ...ids(dept('Sales')).slice(0, 10)]);
  b.addMembers(g.socialClub, ids(everyone.filter(() => rng.chance(0.15))));
  b.addMembers(g.securityAlerts, ids(dept('IT')));
  b.addMembers(g.newsletter, [...ids(dept('Marketing')), ...ids(dept('Executive'))]);
  b.addMembers(g.breakGlass, ids(breakGlass));
  b.addMembers(g.travelExemptions, ids(dept('Sales')).slice(10, 15));
  b.addMembers(g.contractors, ids(guests));
  b.addMembers(g.productAdmins, [key('globalAdmin'), key('userAdmin'), ...ids(dept('IT')).slice(2, 4)]);
}

function addApps(b: TenantBuilder, fixture: VerafieldFixture): void {
  const graph = b.addGraphServicePrincipal();
  const sp = Object.fromEntries(
    (Object.keys(APPS) as AppKey[]).map((k) => [
      k,
      b.addApplication(k, { appId: fixture.apps[k].appId, displayName: APPS[k].displayName, passwords: APPS[k].passwords, certificates: APPS[k].certificates })
        .servicePrincipal,
    ]),
  ) as Record<AppKey, SimServicePrincipal>;
  b.assignAppRoles(sp.expenseSync, graph, ['User.Read.All', 'Group.Read.All']);
  b.assignAppRoles(sp.hrPortal, graph, ['User.ReadWrite.All']);
  b.grantDelegated(sp.hrPortal.id, graph.id, ['openid', 'profile', 'User.Read']);

  const chat = b.addForeignServicePrincipal('contoso-chat', {
    appId: b.id('appId:contoso-chat'),
    displayName: 'Contoso Chat',
    ownerTenantId: b.id('tenant:contoso'),
  });
  b.grantDelegated(chat.id, graph.id, ['openid', 'profile', 'email', 'User.Read', 'offline_access']);
  const survey = b.addForeignServicePrincipal('fabrikam-survey', {
    appId: b.id('appId:fabrikam-survey'),
    displayName: 'Fabrikam Survey',
    ownerTenantId: b.id('tenant:fabrikam'),
    certificates: [{ label: 'fabrikam-survey-saml', displayName: 'Fabrikam Survey SAML signing', expiresInDays: 7, validForDays: 1095 }],
  });
  b.grantDelegated(survey.id, graph.id, ['User.Read', 'offline_access'], fixture.users.financeEmployee.id);
}

function addPolicies(b: TenantBuilder, f: VerafieldFixture): void {
  const breakGlass = [f.groups.breakGlass];
  b.addPolicy('productMfa', {
    displayName: 'Require MFA for Gateway Product',
    state: 'enabled',
    applications: { includeApplications: [f.productAppId] },
    users: { includeUsers: ['All'], excludeGroups: breakGlass },
    grant: { builtInControls: ['mfa'] },
  });
  b.addPolicy('reportOnlyCompliantDevice', {
    displayName: 'Require compliant device (report-only)',
    state: 'enabledForReportingButNotEnforced',
    applications: { includeApplications: ['All'] },
    users: { includeUsers: ['All'], excludeUsers: ['GuestsOrExternalUsers'], excludeGroups: breakGlass },
    grant: { builtInControls: ['compliantDevice'] },
  });
  b.addPolicy('office365MfaExceptTravel', {
    displayName: 'Require MFA for Office 365',
    state: 'enabled',
    applications: { includeApplications: ['Office365'] },
    users: { includeUsers: ['All'], excludeGroups: [f.groups.travelExemptions] },
    grant: { builtInControls: ['mfa'] },
  });
  b.addPolicy('disabledContractorBlock', {
    displayName: 'Block Gateway Product for contractors (draft)',
    state: 'disabled',
    applications: { includeApplications: [f.productAppId] },
    users: { includeGroups: [f.groups.contractors] },
    grant: { builtInControls: ['block'] },
  });
  b.addPolicy('blockLegacyAuth', {
    displayName: 'Block legacy authentication',
    state: 'enabled',
    applications: { includeApplications: ['All'] },
    users: { includeUsers: ['All'], excludeGroups: breakGlass },
    clientAppTypes: ['exchangeActiveSync', 'other'],
    grant: { builtInControls: ['block'] },
  });
  b.addPolicy('adminMfa', {
    displayName: 'Require MFA for administrators',
    state: 'enabled',
    applications: { includeApplications: ['All'] },
    users: { includeRoles: Object.values(ROLES).map((r) => r.templateId), excludeGroups: breakGlass },
    grant: { builtInControls: ['mfa'] },
  });
}
