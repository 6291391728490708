/**
 * Bundles the hosted admin portal (src/portal/client: Preact, from npm) into dist/portal/portal.js and portal.css
 * with esbuild, so the page loads nothing from a CDN. Called by scripts/build.js (and so by `npm install`'s
 * prepare) when the client or the lock file changed; about a tenth of a second. esbuild and preact are dev
 * dependencies: a production install (npm ci --omit=dev) keeps the dist/portal it was given.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CLIENT = path.join(ROOT, 'src', 'portal', 'client');
const ENTRY = path.join(CLIENT, 'main.jsx');
const CSS = path.join(CLIENT, 'portal.css');
const OUT_DIR = path.join(ROOT, 'dist', 'portal');
const OUT = path.join(OUT_DIR, 'portal.js');

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

function inputs() {
  return [...fs.readdirSync(CLIENT).map((name) => path.join(CLIENT, name)), path.join(ROOT, 'package-lock.json'), __filename];
}

function available() {
  try {
    require.resolve('esbuild');
    require.resolve('preact');
    return true;
  } catch {
    return false;
  }
}

function isStale(clean) {
  if (!available()) return false;
  const newest = Math.max(...inputs().map(mtime));
  return clean || newest > mtime(OUT) || newest > mtime(path.join(OUT_DIR, 'portal.css'));
}

async function bundle() {
  const esbuild = require('esbuild');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const common = { bundle: true, minify: true, logLevel: 'warning', legalComments: 'none' };
  await esbuild.build({
    ...common,
    entryPoints: [ENTRY],
    outfile: OUT,
    format: 'esm',
    target: ['es2020'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await esbuild.build({ ...common, entryPoints: [CSS], outfile: path.join(OUT_DIR, 'portal.css') });
}

module.exports = { isStale, bundle, OUT_DIR };
