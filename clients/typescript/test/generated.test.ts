/**
 * The checked-in generated code matches what GraphQL Code Generator makes now from schema.graphql and
 * src/operations (run in a child process, written nowhere), and the client's error codes match the gateway's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/core/errors';
import { GATEWAY_ERROR_CODES } from '../src/errors';

const ROOT = join(__dirname, '..', '..', '..');
const CONFIG = join(__dirname, '..', 'codegen.config.js');

it('src/generated/graphql.ts is what codegen makes from schema.graphql now (else: npm run client:generate)', () => {
  const script = `require('@graphql-codegen/cli').generate(require(${JSON.stringify(CONFIG)}), false)
    .then((files) => process.stdout.write(JSON.stringify(files)), (e) => { console.error(e && (e.details || e.message || e)); process.exit(1); });`;
  const files = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Array<{ filename: string; content: string }>;
  const { GENERATED } = require(CONFIG) as { GENERATED: string };
  expect(files.map((f) => f.filename)).toEqual([GENERATED]);
  const checkedIn = readFileSync(GENERATED, 'utf8');
  if (files[0]!.content !== checkedIn) {
    throw new Error('clients/typescript/src/generated/graphql.ts is stale against schema.graphql or src/operations: run `npm run client:generate` at the repository root and commit the result');
  }
});

it("the client's error codes are the gateway's extensions.code values", () => {
  expect([...GATEWAY_ERROR_CODES].sort()).toEqual(Object.values(ErrorCode).sort());
});
