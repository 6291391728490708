/**
 * `npm start`, the CLIs and the Docker image run dist/, which scripts/build.js writes: swc compiles the .ts files
 * and every other file a module loads must be copied beside its output. Jest runs the sources, so a JSON file
 * imported by a module but missing from the copy list would pass every test and crash `npm start`. This walks
 * every relative import of a non-TypeScript file under src/ and checks the build copies it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { assets } = require(join(ROOT, 'scripts', 'build.js')) as { assets(): string[] };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the build (scripts/build.js)', () => {
  const imported = files(join(ROOT, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|require\()\s*['"](\.{1,2}\/[^'"]+\.json)['"]/g)].map((m) => relative(ROOT, resolve(dirname(file), m[1])).split(sep).join('/')),
  );

  it('finds the JSON files the sources import (the walk is not empty)', () => {
    expect(imported).toEqual(expect.arrayContaining(['package.json', 'src/simulator/graph/metadata/documented-properties.json']));
  });

  it('copies every one of them into dist/', () => {
    const copied = new Set(assets().map((a) => a.split(sep).join('/')));
    expect(imported.filter((file) => !copied.has(file))).toEqual([]);
  });
});
