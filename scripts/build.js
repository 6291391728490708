#!/usr/bin/env node
/**
 * The build: TypeScript under src/, bench/ and migrations/ to CommonJS in dist/ with swc (decorators and their
 * metadata kept, as type-graphql needs and as jest's swc config does), one file at a time, only files whose
 * source is newer than their output. tsc takes ~75 s on a 2-core machine; this takes a second or two cold and
 * a few milliseconds when nothing changed, so `npm start` and the CLIs can afford to check on every run.
 * Type checking is separate: `npm run typecheck` (tsc --noEmit), which CI runs.
 *
 * Also bundles the development explorer (src/server/explorer/app.tsx, GraphiQL from npm) with esbuild when its
 * sources changed, so the page needs no CDN; likewise the hosted admin portal (src/portal/client, Preact) into
 * dist/portal (scripts/build-portal.js).
 *
 *   node scripts/build.js            build what is stale, print a summary line
 *   node scripts/build.js --clean    rebuild everything from scratch
 *   node scripts/build.js --quiet    print only when something was built
 *
 * In a production install (`npm ci --omit=dev`) swc and esbuild are absent: the build is skipped with a note
 * when dist/ exists already, and fails saying so when it does not.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['src', 'bench', 'migrations'];
// JSON the sources import (src/server/gateway.ts reads the version; the simulator its table of documented
// properties), copied where tsc's output had it: package.json and every .json file under the source folders.
const COPIED_FILES = ['package.json'];

const SWC_OPTIONS = {
  swcrc: false,
  sourceMaps: true,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};

function optionalRequire(name) {
  try {
    return require(name);
  } catch (error) {
    if (error && error.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Every .ts source to compile (tests and declaration files excluded), relative to the root. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) out.push(rel);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  return out;
}

/** Every file copied as it is into dist/: package.json and the JSON files beside the sources. */
function assets() {
  const out = [...COPIED_FILES];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.json')) out.push(rel);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  return out;
}

const outputOf = (rel) => path.join(DIST, rel.replace(/\.ts$/, '.js'));
const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

/** Outputs whose source is gone (a renamed module) would still be loadable: remove them. */
function removeOrphans(expected) {
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.js') && !expected.has(file)) {
        fs.rmSync(file);
        fs.rmSync(`${file}.map`, { force: true });
        fs.rmSync(file.replace(/\.js$/, '.d.ts'), { force: true });
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(DIST, dir));
}

async function compile(swc, files) {
  // A bounded number in flight: swc's async transform runs on its own thread pool.
  const queue = [...files];
  const worker = async () => {
    for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
      const source = path.join(ROOT, rel);
      const out = outputOf(rel);
      const { code, map } = await swc.transform(fs.readFileSync(source, 'utf8'), {
        ...SWC_OPTIONS,
        filename: source,
        sourceFileName: path.relative(path.dirname(out), source),
      });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
      if (map) fs.writeFileSync(`${out}.map`, map);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Builds what is stale. Returns { compiled, total, ms, skipped } ; throws with a message on failure. */
async function build({ clean = false, log = () => undefined } = {}) {
  const started = Date.now();
  const all = sources();
  const stale = clean ? all : all.filter((rel) => mtime(path.join(ROOT, rel)) > mtime(outputOf(rel)));
  const copies = assets().filter((rel) => clean || mtime(path.join(ROOT, rel)) > mtime(path.join(DIST, rel)));
  const explorer = optionalRequire('./build-explorer');
  const explorerStale = explorer ? explorer.isStale(clean) : false;
  const portal = optionalRequire('./build-portal');
  const portalStale = portal ? portal.isStale(clean) : false;
  if (stale.length === 0 && copies.length === 0 && !explorerStale && !portalStale) return { compiled: 0, total: all.length, ms: Date.now() - started };

  const swc = optionalRequire('@swc/core');
  if (!swc) {
    if (fs.existsSync(path.join(DIST, 'src', 'main.js'))) {
      log(`build skipped: @swc/core (a dev dependency) is not installed; using dist/ as it is (${stale.length} source file(s) are newer)`);
      return { compiled: 0, total: all.length, ms: Date.now() - started, skipped: true };
    }
    throw new Error('cannot build: dist/ is missing and @swc/core (a dev dependency) is not installed. Run `npm install` (with dev dependencies), then `npm run build`.');
  }
  if (clean) fs.rmSync(DIST, { recursive: true, force: true });
  if (stale.length) log(`building ${stale.length} of ${all.length} TypeScript files with swc...`);
  await compile(swc, stale);
  removeOrphans(new Set(all.map(outputOf)));
  for (const rel of copies) {
    fs.mkdirSync(path.dirname(path.join(DIST, rel)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, rel), path.join(DIST, rel));
  }
  if (explorerStale) {
    log('bundling the GraphQL explorer with esbuild...');
    await explorer.bundle();
  }
  if (portalStale) {
    log('bundling the admin portal with esbuild...');
    await portal.bundle();
  }
  return { compiled: stale.length, total: all.length, ms: Date.now() - started, explorer: explorerStale, portal: portalStale };
}

module.exports = { build, assets, ROOT, DIST };

if (require.main === module) {
  const args = new Set(process.argv.slice(2));
  const quiet = args.has('--quiet');
  const log = (line) => process.stderr.write(`${line}\n`);
  build({ clean: args.has('--clean'), log })
    .then((result) => {
      if (!quiet || result.compiled) log(`build: ${result.compiled} of ${result.total} files compiled${result.explorer ? ', explorer bundled' : ''}${result.portal ? ', portal bundled' : ''} in ${result.ms} ms`);
    })
    .catch((error) => {
      log(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
