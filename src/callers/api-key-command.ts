/**
 * The `npm run api-key` commands, apart from the process around them (api-key-cli.ts): parsing the
 * arguments is pure, running a command needs only the service and somewhere to write.
 */
import type { ApiKeyRecord } from './api-key.entity';
import type { ApiKeyService } from './api-key.service';
import { CLI_OPERATOR, parseScopes, type ApiScope } from '../core/auth/principal';

export const API_KEY_USAGE = [
  'usage: npm run api-key -- <command>',
  '  create --name <name> --scopes <scope,scope...> [--tenants <tenant id,tenant id...>]',
  '  list',
  '  revoke <key id>',
  'scopes: tenants:admin, directory:read, directory:write, events:read; without --tenants the key reaches every tenant.',
].join('\n');

export type ApiKeyCommand =
  | { command: 'create'; name: string; scopes: ApiScope[]; tenantIds: string[] | null }
  | { command: 'list' }
  | { command: 'revoke'; id: string };

export class UsageError extends Error {
  override name = 'UsageError';
}

const CREATE_OPTIONS = new Set(['--name', '--scopes', '--tenants']);

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

/** Accepts `--option value` and `--option=value`. */
function parseOptions(args: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!CREATE_OPTIONS.has(flag)) throw new UsageError(`create: unknown argument ${args[i]}`);
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`create: ${flag} expects a value`);
    options.set(flag, value);
  }
  return options;
}

export function parseApiKeyCommand(argv: readonly string[]): ApiKeyCommand {
  const [command, ...args] = argv;
  switch (command) {
    case 'create': {
      const options = parseOptions(args);
      const name = options.get('--name');
      const scopes = options.get('--scopes');
      if (!name || !scopes) throw new UsageError('create: --name and --scopes are required');
      const tenants = options.get('--tenants');
      try {
        return { command, name, scopes: parseScopes(list(scopes)), tenantIds: tenants === undefined ? null : list(tenants) };
      } catch (error) {
        throw new UsageError(`create: --scopes: ${(error as Error).message}`);
      }
    }
    case 'list':
      if (args.length > 0) throw new UsageError(`list: takes no arguments, received ${args.join(' ')}`);
      return { command };
    case 'revoke':
      if (args.length !== 1) throw new UsageError('revoke: expects exactly one key id');
      return { command, id: args[0] };
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
}

export interface CommandOutput {
  /** What a script captures: the new key, the list. */
  out(line: string): void;
  /** What a person reads. */
  info(line: string): void;
}

function describeRights(key: Pick<ApiKeyRecord, 'scopes' | 'tenantIds'>): string {
  return `scopes ${key.scopes.join(',')}; ${key.tenantIds ? `tenants ${key.tenantIds.join(',')}` : 'all tenants'}`;
}

function describeKey(key: ApiKeyRecord): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`;
  return `${key.id}  ${JSON.stringify(key.name)}  ${describeRights(key)}  created ${key.createdAt.toISOString()} by ${key.createdBy}  ${state}`;
}

export async function runApiKeyCommand(command: ApiKeyCommand, apiKeys: ApiKeyService, output: CommandOutput): Promise<void> {
  switch (command.command) {
    case 'create': {
      const { apiKey, key } = await apiKeys.create(command, CLI_OPERATOR);
      output.info(`Created API key ${apiKey.id} ${JSON.stringify(apiKey.name)} (${describeRights(apiKey)}).`);
      output.info('This is the only time the key is shown. Store it now:');
      output.out(key);
      return;
    }
    case 'list': {
      let after: string | null = null;
      let count = 0;
      for (;;) {
        const page = await apiKeys.list(CLI_OPERATOR, { first: 100, after });
        page.keys.forEach((key) => output.out(describeKey(key)));
        count += page.keys.length;
        if (!page.hasNextPage) break;
        after = page.keys[page.keys.length - 1].id;
      }
      output.info(`${count} API key(s).`);
      return;
    }
    case 'revoke': {
      const key = await apiKeys.revoke(command.id, CLI_OPERATOR);
      output.out(`${key.id} revoked at ${key.revokedAt!.toISOString()}`);
      return;
    }
  }
}
