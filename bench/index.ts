/** The benchmark list `npm run bench` runs, in order. */
import { accessTierBenchmark } from './access-tier.bench';
import { deltaPagesBenchmark } from './delta-pages.bench';
import { directoryReadsBenchmark } from './directory-reads.bench';
import { directorySnapshotBenchmark } from './directory-snapshot.bench';
import { eventsBenchmark } from './events.bench';
import { graphBatchingBenchmark } from './graph-batching.bench';
import { notificationsBenchmark } from './notifications.bench';
import { observabilityBenchmark } from './observability.bench';
import { portalBenchmark } from './portal.bench';
import { provisioningBenchmark } from './provisioning.bench';
import type { Benchmark } from './report';
import { simulatorBenchmark } from './simulator.bench';
import { syncBenchmark } from './sync.bench';
import { syncTenantsBenchmark } from './sync-tenants.bench';
import { webhooksBenchmark } from './webhooks.bench';
import { tierChangesBenchmark } from './tier-changes.bench';

export const benchmarks: Benchmark[] = [simulatorBenchmark, graphBatchingBenchmark, directoryReadsBenchmark, accessTierBenchmark, provisioningBenchmark, syncBenchmark, eventsBenchmark, deltaPagesBenchmark, syncTenantsBenchmark, directorySnapshotBenchmark, notificationsBenchmark, tierChangesBenchmark, observabilityBenchmark, webhooksBenchmark, portalBenchmark];
