/**
 * The gateway's configuration: parsed once from the environment at start, every problem reported together,
 * returned as a frozen typed object. `loadConfig` is pure: it reads only the env object it is given.
 */
import { AdminConfig, adminSection } from './admin.config';
import { DatabaseConfig, databaseSection } from './database.config';
import { EncryptionConfig, encryptionSection } from './encryption.config';
import { EntraConfig, entraSection } from './entra.config';
import { EventsConfig, eventsSection } from './events.config';
import { Env, SectionContext, SectionResult, withoutEmptyValues } from './env';
import { JwtConfig, jwtSection } from './jwt.config';
import { NotificationsConfig, notificationsSection } from './notifications.config';
import { ObservabilityConfig, observabilitySection } from './observability.config';
import { PortalConfig, portalSection } from './portal.config';
import { ConfigError, ConfigProblem } from './problems';
import { RuntimeConfig, runtimeSection } from './runtime.config';
import { ServerConfig, serverSection } from './server.config';
import { SimulatorConfig, simulatorEnabled, simulatorSection } from './simulator.config';
import { SyncConfig, syncSection } from './sync.config';
import { WebhooksConfig, webhooksSection } from './webhooks.config';

export interface Config {
  runtime: RuntimeConfig;
  server: ServerConfig;
  database: DatabaseConfig;
  entra: EntraConfig;
  encryption: EncryptionConfig;
  admin: AdminConfig;
  /** Null: JWT bearer tokens are off. */
  jwt: JwtConfig | null;
  simulator: SimulatorConfig;
  events: EventsConfig;
  sync: SyncConfig;
  /** Graph change notifications (issue 16). */
  notifications: NotificationsConfig;
  /** /metrics and OpenTelemetry traces (issue 14). */
  observability: ObservabilityConfig;
  /** Webhook delivery (issue 14). */
  webhooks: WebhooksConfig;
  /** The hosted admin portal (issue 15): link and session lifetimes, branding. */
  portal: PortalConfig;
}

/** Throws ConfigError listing every problem found in `env`. */
export function loadConfig(env: NodeJS.ProcessEnv): Readonly<Config> {
  const vars = withoutEmptyValues(env);
  const runtime = runtimeSection(vars);
  // The other sections depend on the runtime; when it is itself invalid they still run (with the
  // non-production defaults), so that one start reports every problem.
  const ctx: SectionContext = runtime.ok
    ? { production: runtime.value.production, dataDir: runtime.value.dataDir }
    : { production: false, dataDir: vars.DATA_DIR ?? '.data' };
  const sections = {
    runtime,
    server: serverSection(vars, ctx),
    database: databaseSection(vars, ctx),
    entra: entraSection(vars, ctx, simulatorEnabled(vars, ctx)),
    encryption: encryptionSection(vars, ctx),
    admin: adminSection(vars),
    jwt: jwtSection(vars),
    simulator: simulatorSection(vars, ctx),
    events: eventsSection(vars),
    sync: syncSection(vars),
    notifications: notificationsSection(vars),
    observability: observabilitySection(vars, ctx),
    webhooks: webhooksSection(vars),
    portal: portalSection(vars, ctx),
  };
  const problems = Object.values(sections).flatMap((section: SectionResult<unknown>) => (section.ok ? [] : section.problems));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(unwrap(sections));
}

/** A copy of `config` with whole sections replaced (main.ts: the simulator's app, the development key). */
export function withSections(config: Readonly<Config>, sections: Partial<Config>): Readonly<Config> {
  return deepFreeze({ ...config, ...sections });
}

type Unwrapped<T> = { [K in keyof T]: T[K] extends SectionResult<infer V> ? V : never };

function unwrap<T extends Record<string, SectionResult<unknown>>>(sections: T): Unwrapped<T> {
  return Object.fromEntries(
    Object.entries(sections).map(([name, section]) => [name, section.ok ? section.value : undefined]),
  ) as Unwrapped<T>;
}

/** Buffers (key material) cannot be frozen; everything else is. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

export { ConfigError };
export type { ConfigProblem, Env };
export type { NotificationsConfig } from './notifications.config';
export type { MetricsConfig, ObservabilityConfig, TracingConfig } from './observability.config';
export type { WebhooksConfig } from './webhooks.config';
export type { PortalBranding, PortalConfig } from './portal.config';
export type { AdminConfig, DatabaseConfig, EventsConfig, JwtConfig, EncryptionConfig, EntraConfig, RuntimeConfig, ServerConfig, SimulatorConfig, SyncConfig };
export type { EntraCredentials, SimulatedEntra } from './entra.config';
export { simulatorEntraConfig } from './entra.config';
export type { EncryptionKey } from './encryption-keys';
export type { LogLevel } from './server.config';
export { describeDatabaseUrl } from './database.config';
export { loadOrCreateDevelopmentKeys } from './development-keys';
export { parseEncryptionKeys } from './encryption-keys';
