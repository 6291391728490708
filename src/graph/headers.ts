/** Header lookups that work for Node's lower-cased headers and for $batch sub-responses ("Retry-After"). */

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A finite, non-negative number from a header, else undefined (hostile or absent values are ignored). */
export function numericHeader(headers: HeaderBag, name: string): number | undefined {
  const raw = headerValue(headers, name);
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
