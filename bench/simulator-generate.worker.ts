/** Child process for the generation benchmark: builds one scale tenant and reports time and retained heap. */
import { generateTenant } from '../src/simulator/generator';

const [users, groups] = process.argv.slice(2).map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const tenant = generateTenant('scale', { users, groups });
const millis = performance.now() - started;
gc?.();
let memberships = 0;
for (const members of tenant.members.values()) memberships += members.size;
process.send!({
  users: tenant.users.size,
  groups: tenant.groups.size,
  memberships,
  millis,
  heapBytes: process.memoryUsage().heapUsed - heapBefore,
  rssBytes: process.memoryUsage().rss,
});
