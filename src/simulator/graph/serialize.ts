/** Turns model objects into Graph JSON: only the selected (or default) properties, write-only ones as null. */
import type { EntityType } from './entities';
import { odataType } from './entities';

export function project(entity: EntityType, object: object, select?: readonly string[]): Record<string, unknown> {
  const source = object as Record<string, unknown>;
  const names = (select ?? entity.defaultSelect ?? Object.keys(entity.properties)).filter((n) => n in entity.properties);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    // Graph accepts $select=passwordProfile but never returns the password; it answers null.
    out[name] = entity.writeOnly?.includes(name) ? null : clone(source[name] ?? null);
  }
  return out;
}

/** For polymorphic collections (members, memberOf, getByIds): every item says what it is. */
export function projectTyped(entity: EntityType, object: object, select?: readonly string[]): Record<string, unknown> {
  return { '@odata.type': odataType(entity), ...project(entity, object, select) };
}

/** Responses must not alias the store's objects (a batch holds them until it is serialised). */
function clone(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
