/**
 * Bundles the development explorer (src/server/explorer/client.js: GraphiQL, React, graphql-ws, all from npm)
 * into dist/explorer/explorer.js and explorer.css with esbuild, so the page works offline. Called by
 * scripts/build.js when the client or the lock file changed. esbuild is a dev dependency: a production install
 * (npm ci --omit=dev) keeps whatever dist/explorer it was given (the Docker build stage builds it).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'src', 'server', 'explorer', 'client.js');
const OUT_DIR = path.join(ROOT, 'dist', 'explorer');
const OUT = path.join(OUT_DIR, 'explorer.js');
const INPUTS = [ENTRY, path.join(ROOT, 'package-lock.json'), __filename];

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

function available() {
  try {
    require.resolve('esbuild');
    require.resolve('graphiql');
    return true;
  } catch {
    return false;
  }
}

function isStale(clean) {
  if (!available()) return false;
  return clean || Math.max(...INPUTS.map(mtime)) > mtime(OUT);
}

async function bundle() {
  const esbuild = require('esbuild');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: [ENTRY],
    outfile: OUT,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
    logLevel: 'warning',
    legalComments: 'none',
  });
}

module.exports = { isStale, bundle, OUT_DIR };
