/**
 * `$select` from the GraphQL selection: Graph returns only what the caller asked for. The walk follows
 * info.fieldNodes (every node of the field, as aliases and repeated selections merge), named fragments and
 * inline fragments; a type condition keeps its fields only for the type being asked about (a union member's
 * fields for that member). Directives are not evaluated: selecting a property too many is harmless.
 */
import {
  type FieldNode,
  type GraphQLResolveInfo,
  isAbstractType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { selectList } from '../graph';

/** GraphQL field -> the Graph properties it is built from. Fields not in the map (relations) need none. */
export type PropertyMap = Readonly<Record<string, readonly string[]>>;

/**
 * Field names selected at `path` below the current field (`['edges', 'node']` in a connection), for objects
 * of type `typeName` (all type conditions when omitted).
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[] = [], typeName?: string): Set<string> {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    level = level.flatMap((node) => fieldsOf(node.selectionSet, info, undefined).filter((field) => field.name.value === name));
  }
  return new Set(level.flatMap((node) => fieldsOf(node.selectionSet, info, typeName)).map((field) => field.name.value));
}

/** The Graph properties behind `fields` (id always), as a `$select` value. */
export function graphSelect(fields: Iterable<string>, ...maps: PropertyMap[]): string {
  const allowed = new Set<string>(['id', ...maps.flatMap((map) => Object.values(map).flat())]);
  const wanted = ['id', ...[...fields].flatMap((field) => maps.flatMap((map) => map[field] ?? []))];
  return selectList(wanted, allowed);
}

function fieldsOf(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo, typeName: string | undefined, seen = new Set<string>()): FieldNode[] {
  return (selectionSet?.selections ?? []).flatMap((selection): FieldNode[] => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return applies(selection.typeCondition?.name.value, typeName, info) ? fieldsOf(selection.selectionSet, info, typeName, seen) : [];
    }
    const name = selection.name.value;
    const fragment = info.fragments[name];
    // Validation refuses fragment cycles; `seen` keeps a hand-built document from looping all the same.
    if (!fragment || seen.has(name) || !applies(fragment.typeCondition.name.value, typeName, info)) return [];
    return fieldsOf(fragment.selectionSet, info, typeName, new Set([...seen, name]));
  });
}

/** Whether fields under type condition `condition` apply to objects of `typeName`. */
function applies(condition: string | undefined, typeName: string | undefined, info: GraphQLResolveInfo): boolean {
  if (condition === undefined || typeName === undefined || condition === typeName) return true;
  const conditionType = info.schema.getType(condition);
  const objectType = info.schema.getType(typeName);
  return conditionType !== undefined && isAbstractType(conditionType) && isObjectType(objectType) && info.schema.isSubType(conditionType, objectType);
}

/** `$select` for a list of mixed types (a union): each type's selected fields through its own map, merged. */
export function unionSelect(info: GraphQLResolveInfo, path: readonly string[], types: ReadonlyArray<readonly [typeName: string, map: PropertyMap]>): string {
  const lists = types.map(([typeName, map]) => graphSelect(selectedFields(info, path, typeName), map).split(','));
  return [...new Set(lists.flat())].join(',');
}
