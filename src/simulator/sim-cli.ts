/**
 * `npm run sim -- <command>`: lists and changes the running gateway's simulated Verafield tenant through the
 * simulator's control API (/_control, header x-simulator-key). `npm start` writes where the simulator listens, its
 * control key and CA to <DATA_DIR>/simulator/control.json (mode 0600); the banner prints the key too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatorControl } from './control/client';
import type { VerafieldFixture } from './generator';
import { CONTROL_FILE, type ControlFile, parseSimCommand, resolveGroup, resolveUser, SIM_USAGE, SimUsageError } from './sim-command';

async function main(argv: readonly string[]): Promise<void> {
  const command = parseSimCommand(argv);
  const dataDir = process.env.DATA_DIR || '.data';
  const file = join(dataDir, 'simulator', CONTROL_FILE);
  const info = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as ControlFile,
    () => {
      throw new Error(`no running simulator: expected ${file} (written by npm start in simulator mode), found none. Start the gateway with npm start first.`);
    },
  );
  const control = new SimulatorControl({ baseUrl: info.baseUrl, key: info.controlKey, ca: await readFile(info.caCertPath, 'utf8') });
  try {
    const tenant = await control.getTenant(info.tenantId).catch((error: Error) => {
      throw new Error(`the simulator at ${info.baseUrl} does not answer (${error.message}): is npm start still running?`);
    });
    const fixture = (tenant as { fixture?: VerafieldFixture }).fixture;
    const needFixture = (): VerafieldFixture => {
      if (!fixture) throw new Error(`tenant ${info.tenantId} was not generated from the verafield preset: name users and groups by id`);
      return fixture;
    };
    const out = (line: string) => process.stdout.write(`${line}\n`);
    switch (command.kind) {
      case 'tenants':
        for (const t of await control.listTenants()) out(JSON.stringify(t));
        return;
      case 'users':
        for (const [key, user] of Object.entries(needFixture().users)) out(`${key.padEnd(22)} ${user.userPrincipalName.padEnd(48)} ${user.id}`);
        return;
      case 'groups':
        for (const [key, id] of Object.entries(needFixture().groups)) out(`${key.padEnd(22)} ${id}`);
        return;
      case 'move': {
        const [user, from, to] = [resolveUser(needFixture(), command.user), resolveGroup(needFixture(), command.from), resolveGroup(needFixture(), command.to)];
        await control.moveUser(info.tenantId, user, from, to);
        out(`moved ${command.user} (${user}) from ${command.from} to ${command.to}`);
        return;
      }
      case 'add':
      case 'remove': {
        const [group, user] = [resolveGroup(needFixture(), command.group), resolveUser(needFixture(), command.user)];
        if (command.kind === 'add') await control.addMember(info.tenantId, group, user);
        else await control.removeMember(info.tenantId, group, user);
        out(`${command.kind === 'add' ? 'added' : 'removed'} ${command.user} (${user}) ${command.kind === 'add' ? 'to' : 'from'} ${command.group}`);
        return;
      }
    }
  } finally {
    control.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof SimUsageError) process.stderr.write(`${error.message}\n${SIM_USAGE}\n`);
  else process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof SimUsageError ? 2 : 1);
});
