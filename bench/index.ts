/** The benchmark list `npm run bench` runs, in order. */
import { accessTierBenchmark } from './access-tier.bench';
import { directoryReadsBenchmark } from './directory-reads.bench';
import { eventsBenchmark } from './events.bench';
import { graphBatchingBenchmark } from './graph-batching.bench';
import { notificationsBenchmark } from './notifications.bench';
import { provisioningBenchmark } from './provisioning.bench';
import type { Benchmark } from './report';
import { simulatorBenchmark } from './simulator.bench';
import { syncBenchmark } from './sync.bench';

export const benchmarks: Benchmark[] = [simulatorBenchmark, graphBatchingBenchmark, directoryReadsBenchmark, accessTierBenchmark, provisioningBenchmark, syncBenchmark, eventsBenchmark, notificationsBenchmark];
