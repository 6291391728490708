/**
 * Reading OAuth parameters from a query string or a form body. A parameter sent twice is an error
 * (RFC 6749 §3.1), not "take the first", so an injected duplicate cannot override the caller's value.
 */
import { aad } from './aad-error';

export type ParamSource = Record<string, unknown> | undefined;

export function optionalParam(source: ParamSource, name: string): string | undefined {
  const value = source?.[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw aad.invalidParameter(name, 'a single value', String(value));
  return value;
}

export function requiredParam(source: ParamSource, name: string): string {
  const value = optionalParam(source, name);
  if (value === undefined) throw aad.missingParameter(name);
  return value;
}

/** `url` with the given query parameters added (undefined ones left out). */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  return target.toString();
}
