/**
 * Tolerant reading of Graph JSON from customers' tenants: any field may be missing, null or of the wrong type,
 * and the mappings of this folder never throw on it.
 */

export type Json = Record<string, unknown>;

export function objectOf(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function objectOrNull(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

export function listOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(objectOf) : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}

export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function dateOrNull(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The enum value whose Graph spelling matches `value` case-insensitively, else `fallback`. */
export function enumOf<E extends string>(table: Readonly<Record<string, E>>, value: unknown, fallback: NoInfer<E>): E {
  return typeof value === 'string' ? (table[value.toLowerCase()] ?? fallback) : fallback;
}
