/**
 * $search for directory objects: `"property:term"` clauses joined by AND / OR (AND binds tighter). Matching
 * is Entra's tokenized prefix search: a clause matches when any word of the property starts with the term.
 */
import { badRequest } from '../../errors';
import type { EntityType } from '../entities';
import { unknownProperty } from './filter-check';

export interface SearchClause {
  property: string;
  term: string;
}

/** Disjunction of conjunctions. */
export type SearchExpr = SearchClause[][];

const TOKEN = /\s*(?:"([^"]*)"|(AND|OR)\b)/y;

export function parseSearch(value: string, entity: EntityType): SearchExpr {
  const groups: SearchExpr = [[]];
  let expectClause = true;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < value.trimEnd().length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(value);
    if (!match || (match[1] !== undefined) !== expectClause) {
      throw badRequest(
        `Invalid $search at position ${at} in '${value}': expected ${expectClause ? 'a quoted "property:term" clause' : 'AND or OR'}.`,
      );
    }
    if (match[2] === 'OR') groups.push([]);
    if (match[1] !== undefined) groups[groups.length - 1].push(parseClause(match[1], value, entity));
    expectClause = !expectClause;
  }
  if (expectClause) throw badRequest(`Invalid $search '${value}': expected a quoted "property:term" clause at the end.`);
  return groups;
}

function parseClause(clause: string, whole: string, entity: EntityType): SearchClause {
  const colon = clause.indexOf(':');
  if (colon <= 0) throw badRequest(`Invalid $search clause "${clause}" in '${whole}': expected "property:term".`);
  const property = clause.slice(0, colon);
  if (!(property in entity.properties)) throw unknownProperty(entity, property);
  if (!entity.searchable?.includes(property)) {
    throw badRequest(`Property '${property}' of '${entity.resourceName}' is not searchable; searchable: ${(entity.searchable ?? []).join(', ')}.`);
  }
  return { property, term: clause.slice(colon + 1).toLowerCase() };
}

export function matchesSearch(search: SearchExpr, object: object): boolean {
  const record = object as Record<string, unknown>;
  return search.some((group) => group.every((clause) => clauseMatches(clause, record[clause.property])));
}

function clauseMatches(clause: SearchClause, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const text = value.toLowerCase();
  return text.startsWith(clause.term) || text.split(/[\s.@_-]+/).some((word) => word.startsWith(clause.term));
}
