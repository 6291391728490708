/**
 * `npm run bench`: runs every benchmark in this folder in sequence and prints its figures.
 * Each benchmark compares against a baseline measured in the same run; nothing here asserts a time.
 * Pass names to run a subset: `npm run bench -- simulator`.
 */
import { benchmarks } from './index';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = benchmarks.filter((b) => only.length === 0 || only.includes(b.name));
  if (selected.length === 0) {
    console.error(`no benchmark named ${only.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  for (const bench of selected) {
    console.log(`\n## ${bench.name}: ${bench.description}`);
    await bench.run();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
