/**
 * Regenerates documented-properties.json from Microsoft's CSDL:
 *   npx tsc -p tsconfig.build.json && node dist/src/simulator/graph/metadata/documented-properties-cli.js [metadata.xml]
 * (default: /work/shared/reference/graph-v1.0-metadata.xml). The test that compares the two says when to run it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { documentedProperties } from './csdl';

const source = process.argv[2] ?? '/work/shared/reference/graph-v1.0-metadata.xml';
const target = path.resolve(__dirname, '../../../../../src/simulator/graph/metadata/documented-properties.json');
writeFileSync(target, `${JSON.stringify(documentedProperties(readFileSync(source, 'utf8')), null, 1)}\n`);
process.stdout.write(`wrote ${target} from ${source}\n`);
