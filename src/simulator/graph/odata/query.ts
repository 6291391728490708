/**
 * Parses and validates a request's OData system query options for one collection or object route
 * (graph-facts §1-2). Pure: takes the query string and the ConsistencyLevel header, returns the options or
 * throws the SimGraphError Graph would answer with.
 */
import { badRequest, SimGraphError, unsupportedQuery } from '../../errors';
import { selectable, type EntityType } from '../entities';
import { unknownProperty, checkFilter } from './filter-check';
import { parseFilter, type FilterExpr } from './filter-parser';
import { parseSearch, type SearchExpr } from './search';

export type QueryOptionName = '$select' | '$filter' | '$top' | '$count' | '$search' | '$orderby' | '$expand' | '$skiptoken' | '$skip';

export interface QueryRules {
  entity: EntityType;
  /** Options the route accepts; any other $option is refused. */
  allowed: readonly QueryOptionName[];
  /** Largest $top; default page size is min(100, maxTop). */
  maxTop?: number;
  /** Relationships $expand may name, with the type their $select is checked against. */
  expandable?: Readonly<Record<string, EntityType>>;
}

export interface QueryOptions {
  select?: string[];
  filter?: FilterExpr;
  search?: SearchExpr;
  top?: number;
  orderBy?: { property: string; descending: boolean };
  expand?: { property: string; select?: string[] };
  /** $count=true honoured (advanced query). */
  count: boolean;
  /** ConsistencyLevel: eventual + $count=true. */
  advanced: boolean;
  skipToken?: string;
  /** Objects to pass over before the first page (routes that allow $skip). */
  skip?: number;
}

const KNOWN_OPTIONS: readonly string[] = ['$select', '$filter', '$top', '$count', '$search', '$orderby', '$expand', '$skiptoken', '$skip', '$deltatoken', '$format', '$levels'];

/** Graph treats option names case-insensitively; values keep their case. */
export function systemOptions(query: URLSearchParams): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, value] of query) {
    if (!key.startsWith('$')) continue;
    const name = key.toLowerCase();
    if (!KNOWN_OPTIONS.includes(name)) throw badRequest(`Query option '${key}' is not supported. Supported options are ${KNOWN_OPTIONS.join(', ')}.`);
    if (options.has(name)) throw badRequest(`Query option '${name}' was specified more than once; it must be specified at most once.`);
    options.set(name, value);
  }
  return options;
}

/** `countSegment`: the request is /$count, which is itself an advanced query (it needs only the header). */
export function parseQueryOptions(query: URLSearchParams, eventual: boolean, rules: QueryRules, countSegment = false): QueryOptions {
  const options = systemOptions(query);
  for (const name of options.keys()) {
    if (!(rules.allowed as readonly string[]).includes(name)) throw optionNotAllowed(name);
  }
  const countRequested = parseBoolean(options.get('$count'), '$count');
  // graph-facts §2: advanced queries need both the header and $count=true; $count=true alone is ignored.
  const advanced = eventual && (countRequested || countSegment);
  const result: QueryOptions = { count: advanced, advanced, skipToken: options.get('$skiptoken') };

  const select = options.get('$select');
  if (select !== undefined) result.select = parseSelect(select, rules.entity);
  const filter = options.get('$filter');
  if (filter !== undefined) {
    result.filter = parseFilter(filter);
    checkFilter(result.filter, rules.entity, advanced);
  }
  const search = options.get('$search');
  if (search !== undefined) {
    if (!eventual) {
      throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    result.search = parseSearch(search, rules.entity);
  }
  const top = options.get('$top');
  if (top !== undefined) result.top = parseTop(top, rules.maxTop ?? 999);
  const skip = options.get('$skip');
  if (skip !== undefined) result.skip = parseSkip(skip);
  const orderBy = options.get('$orderby');
  if (orderBy !== undefined) result.orderBy = parseOrderBy(orderBy, rules.entity, advanced, filter !== undefined);
  const expand = options.get('$expand');
  if (expand !== undefined) result.expand = parseExpand(expand, rules, advanced);
  return result;
}

/** The OData library's wording, which Graph passes through for options a route does not support. */
export function optionNotAllowed(name: string): SimGraphError {
  if (name === '$skip') return badRequest("'$skip' is not supported by the service.");
  const bare = name.slice(1);
  const pretty = bare[0].toUpperCase() + bare.slice(1);
  return new SimGraphError(
    400,
    'BadRequest',
    `Query option '${pretty}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`,
  );
}

export function parseSelect(value: string, entity: EntityType): string[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!name) throw badRequest(`Invalid $select '${value}': expected a comma-separated list of property names.`);
    if (!selectable(entity, name)) throw unknownProperty(entity, name);
  }
  return [...new Set(names)];
}

function parseTop(value: string, maxTop: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= maxTop)) {
    throw badRequest(`Invalid page size specified: '${value}'. Must be between 1 and ${maxTop} inclusive.`);
  }
  return n;
}

function parseSkip(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid $skip '${value}': expected a non-negative integer.`);
  return Number(value);
}

function parseBoolean(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest(`Invalid value '${value}' for ${name}: expected 'true' or 'false'.`);
}

function parseOrderBy(value: string, entity: EntityType, advanced: boolean, filtered: boolean) {
  const match = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/.exec(value);
  if (!match) throw badRequest(`Invalid $orderby '${value}': expected one property name optionally followed by asc or desc.`);
  const [, property, direction] = match;
  if (!(property in entity.properties)) throw unknownProperty(entity, property);
  const byDefault = entity.orderBy.includes(property) && !filtered;
  if (!byDefault && !advanced) {
    throw unsupportedQuery(
      filtered
        ? `Sorting with $filter needs advanced query parameters (ConsistencyLevel: eventual and $count=true).`
        : `Sorting by '${property}' on '${entity.resourceName}' needs advanced query parameters (ConsistencyLevel: eventual and $count=true).`,
    );
  }
  return { property, descending: direction === 'desc' };
}

function parseExpand(value: string, rules: QueryRules, advanced: boolean): QueryOptions['expand'] {
  const match = /^\s*([A-Za-z]+)(?:\(\$select=([A-Za-z,]+)\))?\s*$/.exec(value);
  if (!match) {
    throw badRequest(`Invalid $expand '${value}': expected one relationship, optionally with ($select=...). Only one relationship can be expanded per request.`);
  }
  const [, property, select] = match;
  const target = rules.expandable?.[property];
  if (!target) {
    throw badRequest(`Could not find a navigation property named '${property}' that can be expanded on type '${rules.entity.typeName}'.`);
  }
  if (advanced) throw unsupportedQuery('$expand is not supported with advanced query parameters (ConsistencyLevel: eventual and $count=true).');
  return { property, select: select === undefined ? undefined : parseSelect(select, target) };
}
