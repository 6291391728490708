/**
 * Every property the Graph endpoints emit exists, with the right type, in Microsoft's Graph v1.0 CSDL
 * (/work/shared/reference/graph-v1.0-metadata.xml). The CSDL is parsed as XML elements (Schema with its alias,
 * EntityType / ComplexType / EnumType with BaseType, Property, NavigationProperty, Member); responses are
 * fetched with $select of every property the simulator serves.
 */
import { readFileSync } from 'node:fs';
import { VERAFIELD } from '../../src/simulator/generator';
import * as entities from '../../src/simulator/graph/entities';
import { startGraphSim, type GraphSim } from './graph-client';

const METADATA_PATH = '/work/shared/reference/graph-v1.0-metadata.xml';

interface CsdlType {
  kind: 'EntityType' | 'ComplexType' | 'EnumType';
  baseType?: string;
  properties: Map<string, string>;
  members: Set<string>;
}

/** Element-level XML reading: enough of XML for CSDL (no CDATA or entities in the parts we read). */
function parseCsdl(xml: string): Map<string, CsdlType> {
  const types = new Map<string, CsdlType>();
  const aliases = new Map<string, string>();
  const pending: { type: CsdlType; namespace: string; alias?: string }[] = [];
  let schema: { namespace: string; alias?: string } | undefined;
  let current: CsdlType | undefined;
  const tag = /<(\/?)([A-Za-z][\w.]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  const body = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  for (const [, closing, name, rawAttributes, selfClosing] of body.matchAll(tag)) {
    const attributes = Object.fromEntries([...rawAttributes.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (closing) {
      if (name === 'Schema') schema = undefined;
      if (name === 'EntityType' || name === 'ComplexType' || name === 'EnumType') current = undefined;
      continue;
    }
    if (name === 'Schema') {
      schema = { namespace: attributes.Namespace, alias: attributes.Alias };
      if (attributes.Alias) aliases.set(attributes.Alias, attributes.Namespace);
    } else if ((name === 'EntityType' || name === 'ComplexType' || name === 'EnumType') && schema) {
      const type: CsdlType = { kind: name, baseType: attributes.BaseType, properties: new Map(), members: new Set() };
      types.set(`${schema.namespace}.${attributes.Name}`, type);
      pending.push({ type, ...schema });
      current = selfClosing ? undefined : type;
    } else if ((name === 'Property' || name === 'NavigationProperty') && current) {
      current.properties.set(attributes.Name, attributes.Type);
    } else if (name === 'Member' && current) {
      current.members.add(attributes.Name);
    }
  }
  // Type references use schema aliases ("graph.user"): resolve them once every alias is known.
  const resolve = (ref: string): string => {
    const collection = /^Collection\((.+)\)$/.exec(ref);
    if (collection) return `Collection(${resolve(collection[1])})`;
    const dot = ref.indexOf('.');
    const alias = aliases.get(ref.slice(0, dot));
    return alias ? `${alias}${ref.slice(dot)}` : ref;
  };
  for (const { type } of pending) {
    if (type.baseType) type.baseType = resolve(type.baseType);
    for (const [property, ref] of type.properties) type.properties.set(property, resolve(ref));
  }
  return types;
}

const csdl = parseCsdl(readFileSync(METADATA_PATH, 'utf8'));

function propertyType(typeName: string, property: string): string | undefined {
  for (let type = csdl.get(typeName); type; type = type.baseType ? csdl.get(type.baseType) : undefined) {
    const found = type.properties.get(property);
    if (found) return found;
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Problems found, as "path: what was expected, what arrived". */
function check(value: unknown, typeName: string, path: string, problems: string[]): void {
  if (value === null) return;
  const collection = /^Collection\((.+)\)$/.exec(typeName);
  if (collection) {
    if (!Array.isArray(value)) problems.push(`${path}: expected an array for ${typeName}, got ${JSON.stringify(value)}`);
    else value.forEach((item, i) => check(item, collection[1], `${path}[${i}]`, problems));
    return;
  }
  const primitive: Record<string, (v: unknown) => boolean> = {
    'Edm.String': (v) => typeof v === 'string',
    'Edm.Boolean': (v) => typeof v === 'boolean',
    'Edm.Guid': (v) => typeof v === 'string' && GUID.test(v),
    'Edm.DateTimeOffset': (v) => typeof v === 'string' && ISO_DATETIME.test(v),
    'Edm.Int32': (v) => Number.isInteger(v),
    'Edm.Binary': (v) => typeof v === 'string' && /^[A-Za-z0-9+/=_-]*$/.test(v),
  };
  if (primitive[typeName]) {
    if (!primitive[typeName](value)) problems.push(`${path}: expected ${typeName}, got ${JSON.stringify(value)}`);
    return;
  }
  const type = csdl.get(typeName);
  if (!type) {
    problems.push(`${path}: type ${typeName} is not in the CSDL`);
    return;
  }
  if (type.kind === 'EnumType') {
    if (typeof value !== 'string' || !value.split(',').every((m) => type.members.has(m.trim()))) {
      problems.push(`${path}: expected a member of ${typeName} (${[...type.members].join('|')}), got ${JSON.stringify(value)}`);
    }
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: expected an object of ${typeName}, got ${JSON.stringify(value)}`);
    return;
  }
  const record = value as Record<string, unknown>;
  // A polymorphic item says what it is; check it as that type, which must derive from the declared one.
  const declared = typeof record['@odata.type'] === 'string' ? (record['@odata.type'] as string).slice(1) : typeName;
  if (!derivesFrom(declared, typeName)) problems.push(`${path}: @odata.type ${declared} does not derive from ${typeName}`);
  for (const [key, child] of Object.entries(record)) {
    // Instance annotations (@odata.type, @removed) and property annotations (members@delta) are not properties.
    if (key.includes('@')) continue;
    const childType = propertyType(declared, key);
    if (!childType) problems.push(`${path}.${key}: no property '${key}' on ${declared} or its base types`);
    else check(child, childType, `${path}.${key}`, problems);
  }
}

function derivesFrom(typeName: string, ancestor: string): boolean {
  for (let name: string | undefined = typeName; name; name = csdl.get(name)?.baseType) if (name === ancestor) return true;
  return false;
}

/** The simulator's EdmType against the CSDL's: primitives exactly, complex and enum types by shape. */
function sameKind(edm: entities.EdmType, csdlType: string | undefined): boolean {
  if (!csdlType) return false;
  const element = /^Collection\((.+)\)$/.exec(csdlType)?.[1];
  const isComplex = (t: string) => csdl.get(t)?.kind === 'ComplexType';
  if (edm === 'Complex') return isComplex(csdlType);
  if (edm === 'Collection(Complex)') return element !== undefined && isComplex(element);
  // Enums travel as strings.
  const asString = (t: string) => (csdl.get(t)?.kind === 'EnumType' ? 'Edm.String' : t);
  return element ? edm === `Collection(${asString(element)})` : edm === asString(csdlType);
}

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const selectAll = (entity: entities.EntityType) => `$select=${Object.keys(entity.properties).join(',')}`;

async function emitted(path: string): Promise<Record<string, unknown>[]> {
  const res = await g.get(path);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
  return res.body.value ?? [res.body];
}

test('the CSDL parser sees inheritance and aliases', () => {
  expect(csdl.get('microsoft.graph.user')?.baseType).toBe('microsoft.graph.directoryObject');
  expect(propertyType('microsoft.graph.user', 'id')).toBe('Edm.String');
  expect(propertyType('microsoft.graph.user', 'assignedLicenses')).toBe('Collection(microsoft.graph.assignedLicense)');
  expect(csdl.get('microsoft.graph.conditionalAccessPolicyState')?.members).toEqual(new Set(['enabled', 'disabled', 'enabledForReportingButNotEnforced']));
});

test('the checker reports unknown properties and wrong types', () => {
  const problems: string[] = [];
  check({ id: 'x', shoeSize: 9, accountEnabled: 'yes', createdDateTime: 'yesterday' }, 'microsoft.graph.user', 'user', problems);
  expect(problems).toEqual([
    "user.shoeSize: no property 'shoeSize' on microsoft.graph.user or its base types",
    'user.accountEnabled: expected Edm.Boolean, got "yes"',
    'user.createdDateTime: expected Edm.DateTimeOffset, got "yesterday"',
  ]);
});

const product = VERAFIELD.apps.product;
const CASES: [entities.EntityType, () => string[]][] = [
  [entities.USER, () => [`/users?$top=50&${selectAll(entities.USER)}`, `/users/${VERAFIELD.users.guestConsultant.id}?${selectAll(entities.USER)}`]],
  [entities.GROUP, () => [`/groups?${selectAll(entities.GROUP)}`]],
  [entities.DIRECTORY_ROLE, () => [`/directoryRoles?${selectAll(entities.DIRECTORY_ROLE)}`]],
  [entities.ROLE_ASSIGNMENT, () => [`/roleManagement/directory/roleAssignments?${selectAll(entities.ROLE_ASSIGNMENT)}&$expand=principal`]],
  [entities.ROLE_DEFINITION, () => [`/roleManagement/directory/roleDefinitions?${selectAll(entities.ROLE_DEFINITION)}`]],
  [entities.ROLE_ELIGIBILITY_SCHEDULE, () => [`/roleManagement/directory/roleEligibilitySchedules?${selectAll(entities.ROLE_ELIGIBILITY_SCHEDULE)}`]],
  [entities.ROLE_ASSIGNMENT_SCHEDULE, () => [`/roleManagement/directory/roleAssignmentSchedules?${selectAll(entities.ROLE_ASSIGNMENT_SCHEDULE)}`]],
  [entities.CONDITIONAL_ACCESS_POLICY, () => [`/identity/conditionalAccess/policies?${selectAll(entities.CONDITIONAL_ACCESS_POLICY)}`]],
  [entities.SERVICE_PRINCIPAL, () => [`/servicePrincipals?${selectAll(entities.SERVICE_PRINCIPAL)}`]],
  [entities.APPLICATION, () => [`/applications?${selectAll(entities.APPLICATION)}`]],
  [
    entities.APP_ROLE_ASSIGNMENT,
    () => {
      const assigned = [...g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).appRoleAssignments.values()][0];
      return [`/servicePrincipals/${assigned.principalId}/appRoleAssignments?${selectAll(entities.APP_ROLE_ASSIGNMENT)}`];
    },
  ],
  [entities.OAUTH2_PERMISSION_GRANT, () => [`/oauth2PermissionGrants?${selectAll(entities.OAUTH2_PERMISSION_GRANT)}`]],
  [entities.ORGANIZATION, () => [`/organization?${selectAll(entities.ORGANIZATION)}`]],
];

test.each(CASES.map(([entity, paths]) => [entity.typeName, entity, paths] as const))(
  '%s: every emitted property exists on the type with its CSDL type',
  async (typeName, entity, paths) => {
    const problems: string[] = [];
    let checked = 0;
    for (const path of paths()) {
      for (const [i, object] of (await emitted(path)).entries()) {
        check(object, typeName, `${path.split('?')[0]}[${i}]`, problems);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    // The descriptor itself (which $filter literal checks rely on) agrees with the CSDL, fixture or not.
    const mismatches = Object.entries(entity.properties).filter(([p, edm]) => !sameKind(edm, propertyType(typeName, p)));
    expect(mismatches).toEqual([]);
  },
);

test('members, memberOf and getByIds items are checked as the type they declare', async () => {
  const problems: string[] = [];
  const select = `$select=${Object.keys(entities.DIRECTORY_OBJECT.properties).join(',')}`;
  for (const path of [
    `/groups/${VERAFIELD.groups.engineering}/members?${select}`,
    `/users/${VERAFIELD.users.globalAdmin.id}/memberOf?${select}`,
  ]) {
    for (const item of await emitted(path)) check(item, 'microsoft.graph.directoryObject', path, problems);
  }
  const byIds = await g.call('POST', '/directoryObjects/getByIds', { body: { ids: [VERAFIELD.users.salesRep.id, VERAFIELD.groups.finance, product.servicePrincipalId] } });
  for (const item of byIds.body.value) check(item, 'microsoft.graph.directoryObject', 'getByIds', problems);
  expect(problems).toEqual([]);
});

test('delta items, with members@delta and @removed annotations, use CSDL properties', async () => {
  const res = await g.get(`/groups/delta?$select=displayName,description,members`);
  const problems: string[] = [];
  for (const item of res.body.value as Record<string, unknown>[]) {
    const { 'members@delta': members, ...group } = item;
    check(group, 'microsoft.graph.group', 'groups/delta', problems);
    for (const member of (members as Record<string, unknown>[] | undefined) ?? []) check(member, 'microsoft.graph.directoryObject', 'members@delta', problems);
  }
  expect(problems).toEqual([]);
});
