/** Small helpers for benchmark output: aligned tables and human units. */

export function table(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of cells) console.log(line(row));
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const ms = (millis: number) => `${millis.toFixed(0)} ms`;
export const perSecond = (count: number, millis: number) => Math.round((count / millis) * 1000).toLocaleString('en-US');

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<void>;
}

/** One tracked figure: printed as one JSON line so runs can be compared (`grep '^{"bench"'`). */
export interface Figure {
  bench: string;
  figure: string;
  /** The size the figure was taken at (users in the tenant, tenants, concurrency...); omitted when none. */
  size?: number;
  value: number;
  unit: string;
  /** The same quantity measured in the same run for comparison (naive path, smaller tenant, bare reader...). */
  baseline?: number;
  baselineName?: string;
}

export function figure(f: Figure): void {
  const round = (n: number) => (Number.isInteger(n) ? n : Number(n.toPrecision(4)));
  console.log(JSON.stringify({ ...f, value: round(f.value), ...(f.baseline !== undefined && { baseline: round(f.baseline) }) }));
}
