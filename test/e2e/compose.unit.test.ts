/**
 * docker-compose.yml's `dev` profile wiring, read from the file (no Docker engine runs on these machines; .ci/run
 * also has a compose client parse both profiles): the simulator is its own service, listens on 0.0.0.0 under its
 * service name, shares its CA through a volume the gateway mounts and trusts, and the gateway's SIMULATOR_URL and
 * secret match what the simulator was given. simulator-service.integration.test.ts runs the same settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// js-yaml comes with jest (a dev dependency of a dev dependency): enough to read a file in a test.
const yaml = require('js-yaml') as { safeLoad?(text: string): unknown; load(text: string): unknown };

interface Service {
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const file = (yaml.safeLoad ?? yaml.load)(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

/** ${VAR:-default} as compose resolves it with VAR unset. */
const resolved = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');

describe('docker-compose.yml, profile dev', () => {
  const simulator = file.services.simulator;
  const gateway = file.services['gateway-dev'];
  const env = (s: Service, name: string) => resolved(String(s.environment?.[name] ?? ''));
  const mount = (s: Service, volume: string) => s.volumes?.find((v) => v.startsWith(`${volume}:`))?.split(':');

  it('runs gateway, PostgreSQL and the simulator as three services, the simulator with node alone', () => {
    expect(simulator.profiles).toEqual(['dev']);
    expect(gateway.profiles).toEqual(['dev']);
    expect(simulator.command).toEqual(['node', 'dist/src/simulator/main.js']);
    expect(gateway.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, simulator: { condition: 'service_healthy' } });
    expect(env(gateway, 'SIMULATOR')).toBe('');
  });

  it('the simulator listens on 0.0.0.0 under its service name, the name the gateway reaches it by', () => {
    expect(env(simulator, 'SIMULATOR_HOST')).toBe('0.0.0.0');
    expect(env(simulator, 'SIMULATOR_PUBLIC_HOST')).toBe('simulator');
    expect(env(gateway, 'SIMULATOR_URL')).toBe(`https://simulator:${env(simulator, 'SIMULATOR_PORT')}`);
    expect(env(gateway, 'SIMULATOR_CLIENT_SECRET')).toBe(env(simulator, 'SIMULATOR_CLIENT_SECRET'));
    expect(env(gateway, 'SIMULATOR_CLIENT_SECRET')).not.toBe('');
  });

  it('shares the CA through a volume: the simulator copies it there, the gateway mounts it read-only and trusts it', () => {
    const written = mount(simulator, 'simulator-ca');
    const read = mount(gateway, 'simulator-ca');
    expect(written).toBeDefined();
    expect(read?.[2]).toBe('ro');
    expect(env(simulator, 'SIMULATOR_CA_COPY')).toBe(`${written![1]}/ca.pem`);
    expect(env(gateway, 'SIMULATOR_CA_CERT_PATH')).toBe(`${read![1]}/ca.pem`);
    expect(Object.keys(file.volumes)).toEqual(expect.arrayContaining(['simulator-ca', 'simdata']));
  });

  it('keeps the redirect URIs the simulator accepts on the gateway PUBLIC_URL', () => {
    const publicUrl = env(gateway, 'PUBLIC_URL');
    expect(env(simulator, 'SIMULATOR_REDIRECT_URIS').split(',')).toEqual([`${publicUrl}/oauth/callback`, `${publicUrl}/oauth/admin-callback`]);
  });
});
