/**
 * The shape of src/: `core/` is the floor every domain may import (errors, the request context, the
 * authorization guard), `server/` is the composition root on top, and no folder reaches back up at run time.
 * Type-only imports are erased by the compiler and are not counted: core/context.ts names the composition
 * root's service types so that resolvers see them typed, but loads nothing of it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports that survive compilation (not `import type`, not all-type named imports). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const st of source.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      if (!spec.startsWith('.')) continue;
      if (ts.isImportDeclaration(st)) {
        const clause = st.importClause;
        if (clause?.isTypeOnly) continue;
        const named = clause?.namedBindings;
        if (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) continue;
      } else if (st.isTypeOnly) continue;
      out.push(resolve(dirname(file), spec));
    }
  }
  return out;
}

/** The top folder of src a file belongs to ("server", "core", ...); files directly in src are "(root)". */
const area = (file: string): string => {
  const parts = relative(SRC, file).split(sep);
  const isFolder = existsSync(file) && statSync(file).isDirectory();
  return parts.length > 1 || isFolder ? parts[0] : '(root)';
};

/** Entry points compose like the root does: they may load anything (CLIs, main, the simulator's main). */
const isEntryPoint = (file: string): boolean => /(^|[-/])(cli|main)\.ts$/.test(file);

const all = files(SRC);
const edges = new Map<string, Set<string>>();
for (const file of all.filter((f) => !isEntryPoint(f))) {
  for (const target of runtimeImports(file)) {
    const [from, to] = [area(file), area(target)];
    if (from === to) continue;
    (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
  }
}

function findCycle(): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}

describe('layers of src/', () => {
  it('has no run-time import cycle between folders', () => {
    const cycle = findCycle();
    if (cycle) throw new Error(`run-time import cycle between folders: ${cycle.join(' -> ')}`);
  });

  it('keeps core/ below the domains: it loads only logging and config at run time', () => {
    const up = [...(edges.get('core') ?? [])].filter((a) => !['logging', 'config'].includes(a));
    expect(up).toEqual([]);
  });

  it('has nobody but the entry points import the composition root (server/)', () => {
    const importers = [...edges].filter(([from, to]) => to.has('server') && from !== '(root)').map(([from]) => from);
    expect(importers).toEqual([]);
  });

  it('sees the imports it checks (the walk is not empty)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(edges.get('directory')?.has('core')).toBe(true);
  });
});
