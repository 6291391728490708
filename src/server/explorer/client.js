/**
 * The development explorer in the browser: GraphiQL (from npm, bundled by scripts/build-explorer.js; no CDN), with
 * the headers the page was given pre-filled (the local development key), queries over HTTP and subscriptions over
 * graphql-ws on the same /graphql path. The Authorization header of the headers editor is also what the WebSocket's
 * connection_init carries, so one place holds the credential for both.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';

const settings = JSON.parse(document.getElementById('explorer-settings').textContent);
const httpUrl = new URL(settings.graphqlPath, window.location.href).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws');

/** One graphql-ws client per credential: changing the Authorization header reconnects with the new one. */
const wsClients = new Map();
function wsClientFor(authorization) {
  const key = authorization || '';
  if (!wsClients.has(key)) {
    wsClients.set(key, createClient({ url: wsUrl, connectionParams: authorization ? { authorization } : {}, retryAttempts: 5 }));
  }
  return wsClients.get(key);
}

function operationOf(params, documentAST) {
  const operations = (documentAST?.definitions ?? []).filter((d) => d.kind === 'OperationDefinition');
  return operations.find((d) => !params.operationName || d.name?.value === params.operationName) ?? operations[0];
}

function authorizationOf(headers) {
  for (const [name, value] of Object.entries(headers ?? {})) if (name.toLowerCase() === 'authorization') return String(value);
  return undefined;
}

async function* subscribe(client, params) {
  yield* client.iterate({ query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined });
}

function fetcher(params, options) {
  const headers = options?.headers ?? {};
  const operation = operationOf(params, options?.documentAST);
  if (operation?.operation === 'subscription') return subscribe(wsClientFor(authorizationOf(headers)), params);
  return fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

function Explorer() {
  return React.createElement(
    GraphiQL,
    {
      fetcher,
      defaultHeaders: settings.headers ? JSON.stringify(settings.headers, null, 2) : undefined,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: settings.defaultQuery,
      shouldPersistHeaders: false,
    },
    React.createElement(
      GraphiQL.Logo,
      null,
      React.createElement('span', null, 'Entra Gateway '),
      React.createElement('a', { href: settings.sandboxUrl, target: '_blank', rel: 'noreferrer', style: { fontSize: '0.6em' } }, 'Apollo Sandbox (online)'),
    ),
  );
}

createRoot(document.getElementById('explorer')).render(React.createElement(Explorer));
