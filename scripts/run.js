#!/usr/bin/env node
/**
 * `node scripts/run.js src/main [args...]`: brings dist/ up to date (scripts/build.js: only what changed, a few
 * milliseconds when nothing did) and then runs the compiled entry point in this same process, so signals,
 * exit codes and stdin/stdout are the program's own. `npm start` and every CLI script go through here.
 */
'use strict';
const path = require('node:path');
const { build, DIST } = require('./build');

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run.js <entry, e.g. src/main> [args...]\n');
  process.exit(2);
}

build({ log: (line) => process.stderr.write(`${line}\n`) })
  .then((result) => {
    if (result.compiled) process.stderr.write(`build: ${result.compiled} of ${result.total} files compiled in ${result.ms} ms\n`);
    // The program sees its own arguments, as if started as `node dist/<entry>.js args...`.
    const target = path.join(DIST, `${entry.replace(/\.(ts|js)$/, '')}.js`);
    process.argv = [process.argv[0], target, ...rest];
    require(target);
  })
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
