/**
 * The checked-in table of documented properties (src/simulator/graph/metadata/documented-properties.json) is
 * what Microsoft's CSDL says, and covers every property the simulator models. When this fails after the
 * metadata changes, regenerate it:
 *   npx tsc -p tsconfig.build.json && node dist/src/simulator/graph/metadata/documented-properties-cli.js
 */
import { readFileSync } from 'node:fs';
import * as entities from '../../src/simulator/graph/entities';
import { documentedProperties as fromCsdl, parseCsdlEntities, structuralProperties } from '../../src/simulator/graph/metadata/csdl';
import DOCUMENTED from '../../src/simulator/graph/metadata/documented-properties.json';

const XML = readFileSync('/work/shared/reference/graph-v1.0-metadata.xml', 'utf8');

test('documented-properties.json matches the CSDL', () => {
  expect(DOCUMENTED).toEqual(fromCsdl(XML));
});

test('the table holds each served type with its base types’ properties, and every property the simulator models', () => {
  const table = DOCUMENTED as Record<string, string[]>;
  expect(table['microsoft.graph.user']).toEqual(expect.arrayContaining(['id', 'deletedDateTime', 'city', 'companyName', 'userPrincipalName']));
  const served = Object.values(entities).filter((e): e is entities.EntityType => typeof e === 'object' && e !== null && 'typeName' in e && 'properties' in e);
  for (const entity of served) {
    if (entity === entities.DIRECTORY_OBJECT) continue;
    expect({ type: entity.typeName, missing: Object.keys(entity.properties).filter((p) => !table[entity.typeName]?.includes(p)) }).toEqual({ type: entity.typeName, missing: [] });
  }
});

test('the reader follows base types through schema aliases and refuses a type the CSDL lacks', () => {
  const xml = `<Schema Namespace="microsoft.graph" Alias="graph">
    <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" /></EntityType>
    <EntityType Name="thing" BaseType="graph.entity"><Property Name="colour" Type="Edm.String" /><NavigationProperty Name="owner" Type="graph.thing" /></EntityType>
    <ComplexType Name="shape"><Property Name="sides" Type="Edm.Int32" /></ComplexType>
  </Schema>`;
  const types = parseCsdlEntities(xml);
  expect(structuralProperties(types, 'microsoft.graph.thing')).toEqual(['colour', 'id']);
  expect(() => structuralProperties(types, 'microsoft.graph.shape')).toThrow('expected an entity type microsoft.graph.shape in the CSDL, found none');
});
