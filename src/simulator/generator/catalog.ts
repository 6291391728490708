/**
 * Reference data the generator draws from: names, departments with their job titles, Microsoft licence SKUs
 * and built-in directory roles (real template ids, graph-facts §7 and Microsoft's built-in roles reference).
 */

export const GIVEN_NAMES = [
  'Aaron', 'Abigail', 'Adrian', 'Aisha', 'Alan', 'Alice', 'Amara', 'Andre', 'Anika', 'Ben', 'Bianca', 'Carlos',
  'Chloe', 'Daniel', 'Daria', 'David', 'Elena', 'Eli', 'Emma', 'Farah', 'Felix', 'Grace', 'Hannah', 'Hugo',
  'Imani', 'Isaac', 'Jade', 'James', 'Jonas', 'Julia', 'Kai', 'Kenji', 'Laura', 'Leo', 'Lucia', 'Maya', 'Mei',
  'Mila', 'Nadia', 'Nathan', 'Nikhil', 'Olivia', 'Omar', 'Oscar', 'Paula', 'Rafael', 'Rosa', 'Ryan', 'Sara',
  'Sofia', 'Tariq', 'Tessa', 'Tom', 'Uma', 'Victor', 'Wen', 'Yara', 'Yusuf', 'Zoe', 'Zain',
] as const;

export const SURNAMES = [
  'Adams', 'Ahmed', 'Alvarez', 'Baker', 'Bauer', 'Brooks', 'Chen', 'Clarke', 'Costa', 'Diaz', 'Dubois', 'Evans',
  'Fischer', 'Garcia', 'Gupta', 'Hall', 'Hansen', 'Hughes', 'Ito', 'Jensen', 'Kaur', 'Kim', 'Kowalski', 'Lee',
  'Lopez', 'Martin', 'Meyer', 'Moreau', 'Murphy', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel',
  'Petrov', 'Reed', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Sousa', 'Tanaka', 'Torres', 'Walsh',
  'Weber', 'Williams', 'Wong', 'Yilmaz',
] as const;

export const OFFICES = ['Boston HQ', 'London', 'Berlin', 'Remote'] as const;

export const LICENSES = {
  microsoft365E3: '05e9a617-0261-4cee-bb44-138d3ef5d965',
  microsoft365E5: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
  office365E3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
} as const;

export interface Department {
  name: string;
  headcount: number;
  titles: readonly string[];
}

/** Verafield's 300 staff. */
export const DEPARTMENTS = [
  { name: 'Engineering', headcount: 90, titles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager', 'QA Engineer'] },
  { name: 'Sales', headcount: 45, titles: ['Account Executive', 'Sales Development Representative', 'Sales Manager'] },
  { name: 'Support', headcount: 35, titles: ['Support Engineer', 'Customer Success Manager', 'Support Team Lead'] },
  { name: 'Operations', headcount: 34, titles: ['Operations Analyst', 'Program Manager', 'Facilities Coordinator'] },
  { name: 'Marketing', headcount: 25, titles: ['Marketing Manager', 'Content Strategist', 'Product Marketing Manager'] },
  { name: 'Finance', headcount: 20, titles: ['Financial Analyst', 'Accountant', 'Controller', 'Payroll Specialist'] },
  { name: 'IT', headcount: 20, titles: ['Systems Administrator', 'IT Support Specialist', 'Security Engineer'] },
  { name: 'HR', headcount: 15, titles: ['HR Business Partner', 'Recruiter', 'People Operations Specialist'] },
  { name: 'Legal', headcount: 10, titles: ['Corporate Counsel', 'Paralegal', 'Compliance Officer'] },
  { name: 'Executive', headcount: 6, titles: ['Chief Executive Officer', 'Chief Financial Officer', 'Chief Technology Officer', 'Chief Operating Officer', 'Executive Assistant'] },
] as const satisfies readonly Department[];

export type DepartmentName = (typeof DEPARTMENTS)[number]['name'];

export interface BuiltInRole {
  templateId: string;
  displayName: string;
  description: string;
  /**
   * rolePermissions.allowedResourceActions as "Microsoft Entra built-in roles" lists them (entra-docs
   * permissions-reference.md); abridged for the broad roles (Global Administrator holds hundreds).
   */
  allowedResourceActions: readonly string[];
}

export const ROLES = {
  globalAdministrator: {
    templateId: '62e90394-69f5-4237-9190-012177145e10',
    displayName: 'Global Administrator',
    description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
    allowedResourceActions: [
      'microsoft.directory/applications/credentials/update',
      'microsoft.directory/roleAssignments/allProperties/allTasks',
      'microsoft.directory/users/password/update',
      'microsoft.directory/conditionalAccessPolicies/basic/update',
    ],
  },
  userAdministrator: {
    templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    displayName: 'User Administrator',
    description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
    allowedResourceActions: [
      'microsoft.directory/users/create',
      'microsoft.directory/users/delete',
      'microsoft.directory/users/password/update',
      'microsoft.directory/users/basic/update',
      'microsoft.directory/groups/create',
      'microsoft.directory/groups/members/update',
    ],
  },
  guestInviter: {
    templateId: '95e79109-95c0-4d8e-aee3-d01accf2d47b',
    displayName: 'Guest Inviter',
    description: 'Can invite guest users independent of the \'members can invite guests\' setting.',
    allowedResourceActions: ['microsoft.directory/users/inviteGuest', 'microsoft.directory/users/standard/read'],
  },
  groupsAdministrator: {
    templateId: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    displayName: 'Groups Administrator',
    description: 'Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.',
    allowedResourceActions: ['microsoft.directory/groups/create', 'microsoft.directory/groups/delete', 'microsoft.directory/groups/members/update', 'microsoft.directory/groups/basic/update'],
  },
  conditionalAccessAdministrator: {
    templateId: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
    displayName: 'Conditional Access Administrator',
    description: 'Can manage Conditional Access capabilities.',
    allowedResourceActions: [
      'microsoft.directory/namedLocations/create',
      'microsoft.directory/namedLocations/delete',
      'microsoft.directory/namedLocations/standard/read',
      'microsoft.directory/namedLocations/basic/update',
      'microsoft.directory/conditionalAccessPolicies/create',
      'microsoft.directory/conditionalAccessPolicies/delete',
      'microsoft.directory/conditionalAccessPolicies/standard/read',
      'microsoft.directory/conditionalAccessPolicies/owners/read',
      'microsoft.directory/conditionalAccessPolicies/policyAppliedTo/read',
      'microsoft.directory/conditionalAccessPolicies/basic/update',
      'microsoft.directory/conditionalAccessPolicies/owners/update',
      'microsoft.directory/conditionalAccessPolicies/tenantDefault/update',
    ],
  },
} as const satisfies Record<string, BuiltInRole>;

/** The "Microsoft Services" tenant that owns Microsoft's first-party applications such as Graph. */
export const MICROSOFT_SERVICES_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
