/**
 * Turns model objects into Graph JSON: only the selected (or default) properties, write-only ones as null, and
 * documented properties the simulator does not model as null too.
 */
import type { EntityType } from './entities';
import { odataType, selectable } from './entities';

export function project(entity: EntityType, object: object, select?: readonly string[]): Record<string, unknown> {
  const source = object as Record<string, unknown>;
  // A polymorphic collection's $select may name another type's property: each object answers only its own.
  const names = (select ?? entity.defaultSelect ?? Object.keys(entity.properties)).filter((n) => selectable(entity, n));
  const out: Record<string, unknown> = {};
  for (const name of names) {
    // Graph accepts $select=passwordProfile but never returns the password; it answers null.
    // Not modelled (documented only) -> null, never a model field that happens to share the name.
    const modelled = name in entity.properties && !entity.writeOnly?.includes(name);
    out[name] = modelled ? clone(source[name] ?? null) : null;
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
