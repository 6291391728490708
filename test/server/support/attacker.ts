/**
 * Hostile clients in a process of their own: building and sending megabytes takes CPU, and in the test's
 * process it would stall the /healthz probe itself rather than the gateway.
 */
import { execFile } from 'node:child_process';

const WS_ATTACK = `
const WebSocket = require('ws');
const [url, count, size] = process.argv.slice(1);
const subscribe = Buffer.from(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { ' + 'heartbeat { sequence } '.repeat(Number(size) / 23) + ' }' } }));
Promise.all(Array.from({ length: Number(count) }, () => new Promise((resolve) => {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received = [];
  socket.on('open', () => { socket.send(JSON.stringify({ type: 'connection_init' })); socket.send(subscribe, { binary: false }); });
  socket.on('message', (data) => received.push(data.toString()));
  socket.on('close', (code) => resolve({ code, received }));
  socket.on('error', () => undefined);
}))).then((outcomes) => process.stdout.write(JSON.stringify({ bytes: subscribe.length, outcomes })));
`;

const HTTP_ATTACK = `
const [url, count, size] = process.argv.slice(1);
const query = '{ ' + 'gateway { version } '.repeat(Number(size) / 20) + ' }';
const body = JSON.stringify({ query });
Promise.all(Array.from({ length: Number(count) }, () =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(async (r) => ({ status: r.status, body: await r.json() })),
)).then((answers) => process.stdout.write(JSON.stringify({ queryLength: query.length, answers })));
`;

function run<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, ...args], { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout) as T),
    );
  });
}

/** `count` anonymous sockets, each sending connection_init then a subscribe of about `size` bytes at once. */
export function anonymousWsFlood(wsUrl: string, count: number, size: number) {
  return run<{ bytes: number; outcomes: Array<{ code: number; received: string[] }> }>(WS_ATTACK, [wsUrl, String(count), String(size)]);
}

/** `count` anonymous POSTs of a document of about `size` characters. */
export function anonymousHttpFlood(graphqlUrl: string, count: number, size: number) {
  return run<{ queryLength: number; answers: Array<{ status: number; body: { errors: Array<{ message: string }> } }> }>(HTTP_ATTACK, [graphqlUrl, String(count), String(size)]);
}
