/**
 * The simulator's state on disk, so a restarted simulator is the same Entra: the directory (every tenant's
 * objects, memberships, grants and service principals, and each tenant's change log and delta epoch), the
 * consents, the registered apps (secrets included), the refresh tokens it issued, Graph change-notification
 * subscriptions, and the keys its tokens depend on (the access-token signing key, the key sealing $skiptoken and
 * $deltatoken). With all of that kept, a client's stored refresh token and deltaLink still work after a restart,
 * and the next delta round reports only what changed since, as it would against Microsoft.
 *
 * One JSON snapshot with a version field, written atomically (a temporary file renamed over the old one, so a
 * crash leaves the previous snapshot whole), shortly after every change (debounced) and on close. Maps and Sets
 * are written as tagged arrays. What is not kept: pending consent pages and authorization codes (minutes-long
 * browser flows), injected faults, counters, clock shifts and paging rounds in flight (a nextLink from before a
 * restart answers syncStateNotFound; a deltaLink stays valid).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConsentRecord, RegisteredApp, SigningKey } from './context';
import type { SimSubscription } from './graph/subscriptions/store';
import type { RefreshTokenRecord } from './identity/grants';
import type { SimTenant } from './model';
import type { TenantSnapshot } from './store';

/** Bump when the shape changes; a snapshot of another version is set aside, never misread. */
export const SNAPSHOT_VERSION = 1;

export interface SimulatorSnapshot {
  version: typeof SNAPSHOT_VERSION;
  savedAt: string;
  keys: { signingKid: string; signingKeyPem: string; sealKey: string };
  tenants: Array<{ tenant: SimTenant; state: TenantSnapshot }>;
  apps: RegisteredApp[];
  consents: ConsentRecord[];
  refreshTokens: Array<[string, RefreshTokenRecord]>;
  subscriptions: SimSubscription[];
}

/** JSON.stringify replacer: Maps and Sets as tagged arrays (plain JSON has neither). */
export function tagCollections(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value] };
  return value;
}

/** JSON.parse reviver: the inverse of tagCollections. */
export function untagCollections(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$map' && Array.isArray((value as { $map: unknown }).$map)) return new Map((value as { $map: [unknown, unknown][] }).$map);
    if (keys.length === 1 && keys[0] === '$set' && Array.isArray((value as { $set: unknown }).$set)) return new Set((value as { $set: unknown[] }).$set);
  }
  return value;
}

export function serializeSnapshot(snapshot: SimulatorSnapshot): string {
  return JSON.stringify(snapshot, tagCollections);
}

export type SnapshotRead =
  | { kind: 'none' }
  | { kind: 'loaded'; snapshot: SimulatorSnapshot }
  | { kind: 'unusable'; reason: string };

/** Decides what a file's text is: a snapshot of this version, or unusable (and why). Pure. */
export function parseSnapshot(text: string): SnapshotRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, untagCollections);
  } catch (error) {
    return { kind: 'unusable', reason: `not JSON (${(error as Error).message})` };
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'unusable', reason: 'expected a JSON object' };
  const version = (parsed as { version?: unknown }).version;
  if (version !== SNAPSHOT_VERSION) return { kind: 'unusable', reason: `expected version ${SNAPSHOT_VERSION}, got ${JSON.stringify(version ?? null)}` };
  const s = parsed as Partial<SimulatorSnapshot>;
  const missing = (['keys', 'tenants', 'apps', 'consents', 'refreshTokens', 'subscriptions'] as const).filter((k) => s[k] === undefined);
  if (missing.length) return { kind: 'unusable', reason: `missing ${missing.join(', ')}` };
  return { kind: 'loaded', snapshot: parsed as SimulatorSnapshot };
}

export function signingKeyFrom(snapshot: SimulatorSnapshot): SigningKey {
  const privateKey = createPrivateKey(snapshot.keys.signingKeyPem);
  return { kid: snapshot.keys.signingKid, privateKey, publicKey: createPublicKey(privateKey) };
}

export function exportSigningKey(key: SigningKey): { signingKid: string; signingKeyPem: string } {
  return { signingKid: key.kid, signingKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * Reads the snapshot at `file`. An unusable one (corrupt, another version) is renamed aside to
 * `<file>.unusable-<time>` and reported, so the simulator starts fresh without destroying it.
 */
export function readSnapshot(file: string, now: () => number = Date.now): SnapshotRead & { setAside?: string } {
  if (!existsSync(file)) return { kind: 'none' };
  const read = parseSnapshot(readFileSync(file, 'utf8'));
  if (read.kind !== 'unusable') return read;
  const setAside = `${file}.unusable-${now()}`;
  renameSync(file, setAside);
  return { ...read, setAside };
}

/** Writes the snapshot whole or not at all: a temporary file beside it, then a rename over it. */
export function writeSnapshotAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  // The snapshot holds client secrets and refresh tokens of this local test double: owner-only, like the CA key.
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Saves `take()` to `file` at most once per `debounceMs` after changes were reported (changed()), and at once on
 * flush(). Writes are synchronous: the snapshot is taken and written in one step, so no change can slip between.
 */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  writes = 0;

  constructor(
    private readonly file: string,
    private readonly take: () => string,
    private readonly debounceMs = 200,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  changed(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Writes now if anything changed since the last write (or `force`). */
  flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty && !force) return;
    this.dirty = false;
    try {
      writeSnapshotAtomically(this.file, this.take());
      this.writes += 1;
    } catch (error) {
      this.dirty = true;
      this.onError(error as Error);
    }
  }
}
