/**
 * `npm run sim -- <command>`: the arguments, parsed and resolved against the Verafield fixture as pure functions
 * (sim-cli.ts does the HTTP). Users and groups may be named by id, by the fixture's key ("financeEmployee",
 * "finance"), by user principal name, or by a department group's display name ("Engineering").
 */
import type { VerafieldFixture } from './generator';

/** Where `npm start` tells the sim CLI how to reach its simulator: <DATA_DIR>/simulator/control.json. */
export const CONTROL_FILE = 'control.json';

export interface ControlFile {
  baseUrl: string;
  controlKey: string;
  caCertPath: string;
  tenantId: string;
}

export const SIM_USAGE = `usage: npm run sim -- <command>
  tenants                              the simulator's tenants
  users                                Verafield's named users (key, user principal name, id)
  groups                               Verafield's named groups (key, id)
  move <user> <from group> <to group>  moves a user between groups (one removal, one addition)
  add <group> <user>                   adds a member
  remove <group> <user>                removes a member
A user is an id, a fixture key (financeEmployee) or a user principal name; a group an id or a key (finance, engineering).
Reads the running gateway's simulator from DATA_DIR (default .data): start it with npm start first.`;

export type SimCommand =
  | { kind: 'tenants' | 'users' | 'groups' }
  | { kind: 'move'; user: string; from: string; to: string }
  | { kind: 'add' | 'remove'; group: string; user: string };

export class SimUsageError extends Error {
  override readonly name = 'SimUsageError';
}

export function parseSimCommand(argv: readonly string[]): SimCommand {
  const [command, ...args] = argv;
  const expect = (count: number, shape: string) => {
    if (args.length !== count) throw new SimUsageError(`${command}: expected ${shape}, got ${args.length ? args.map((a) => JSON.stringify(a)).join(' ') : 'nothing'}`);
  };
  switch (command) {
    case 'tenants':
    case 'users':
    case 'groups':
      expect(0, 'no arguments');
      return { kind: command };
    case 'move':
      expect(3, '<user> <from group> <to group>');
      return { kind: 'move', user: args[0], from: args[1], to: args[2] };
    case 'add':
    case 'remove':
      expect(2, '<group> <user>');
      return { kind: command, group: args[0], user: args[1] };
    default:
      throw new SimUsageError(`expected a command (tenants, users, groups, move, add, remove), got ${command === undefined ? 'nothing' : JSON.stringify(command)}`);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function resolveUser(fixture: Pick<VerafieldFixture, 'users'>, name: string): string {
  if (GUID.test(name)) return name.toLowerCase();
  const entry = Object.entries(fixture.users).find(([key, user]) => key === name || user.userPrincipalName.toLowerCase() === name.toLowerCase());
  if (!entry) throw new SimUsageError(`user: expected an id, a fixture key or a user principal name (see npm run sim -- users), got ${JSON.stringify(name)}`);
  return entry[1].id;
}

export function resolveGroup(fixture: Pick<VerafieldFixture, 'groups'>, name: string): string {
  if (GUID.test(name)) return name.toLowerCase();
  const entry = Object.entries(fixture.groups).find(([key]) => key.toLowerCase() === name.toLowerCase());
  if (!entry) throw new SimUsageError(`group: expected an id or a fixture key (see npm run sim -- groups), got ${JSON.stringify(name)}`);
  return entry[1];
}
