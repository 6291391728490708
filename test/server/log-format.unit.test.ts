/** Log lines: JSON with each key once, however children are nested; pretty only for a terminal in development. */
import { createLogger, wantsPrettyLogs } from '../../src/logging';

function rawLines() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line.trim()) } };
}

const keyCount = (line: string, key: string) => line.split(`"${key}":`).length - 1;

describe('child loggers', () => {
  it.each([
    ['the same binding twice', (root: ReturnType<typeof createLogger>) => root.child({ component: 'sync' }).child({ component: 'sync', tenantId: 't1' }), { component: 'sync', tenantId: 't1' }],
    ['a binding given a new value', (root: ReturnType<typeof createLogger>) => root.child({ component: 'sync' }).child({ component: 'drift' }), { component: 'drift' }],
    ['three levels, one key each', (root: ReturnType<typeof createLogger>) => root.child({ a: 1 }).child({ b: 2 }).child({ a: 1, c: 3 }), { a: 1, b: 2, c: 3 }],
    ['the base field bound again', (root: ReturnType<typeof createLogger>) => root.child({ service: 'entra-gateway', x: 1 }), { service: 'entra-gateway', x: 1 }],
  ])('%s: every key once, the newest value', (_name, make, expected) => {
    const { lines, destination } = rawLines();
    const root = createLogger({ level: 'info', destination });
    make(root).info({ extra: true }, 'hello');
    const line = lines[0];
    for (const key of [...Object.keys(expected), 'service', 'msg']) expect(keyCount(line, key)).toBe(1);
    expect(JSON.parse(line)).toMatchObject({ ...expected, extra: true, msg: 'hello' });
  });

  it('keeps the parent\'s level when it rebinds from the root', () => {
    const { lines, destination } = rawLines();
    const root = createLogger({ level: 'info', destination });
    const quiet = root.child({ component: 'sync' }, { level: 'warn' });
    quiet.child({ component: 'drift' }).info('dropped');
    quiet.child({ component: 'drift' }).warn('kept');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['kept']);
  });

  it('still redacts secrets in rebound children', () => {
    const { lines, destination } = rawLines();
    const root = createLogger({ level: 'info', destination });
    root.child({ component: 'a' }).child({ component: 'b', clientSecret: 'hunter2' }).info('x');
    expect(lines[0]).not.toContain('hunter2');
  });
});

describe('wantsPrettyLogs', () => {
  it.each([
    [true, false, true],
    [true, true, false],
    [false, false, false],
    [undefined, false, false],
  ])('a terminal: %s, production: %s -> pretty: %s', (tty, production, expected) => {
    expect(wantsPrettyLogs(tty, production)).toBe(expected);
  });
});
