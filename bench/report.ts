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
