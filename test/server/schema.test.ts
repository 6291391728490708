import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGatewaySchema } from '../../src/server/schema';
import { renderSchemaFile, SCHEMA_COMMAND, SCHEMA_FILE_NAME } from '../../src/server/schema-file';

describe(SCHEMA_FILE_NAME, () => {
  it('matches the schema the code builds', async () => {
    const committed = await readFile(join(__dirname, '..', '..', SCHEMA_FILE_NAME), 'utf8').catch(() => '(missing)');
    const generated = renderSchemaFile(await buildGatewaySchema());
    if (committed !== generated) {
      throw new Error(`${SCHEMA_FILE_NAME} is stale: run ${SCHEMA_COMMAND}`);
    }
  });

  it('is rendered stably, with a header naming the command', async () => {
    const [first, second] = await Promise.all([buildGatewaySchema(), buildGatewaySchema()]);
    const rendered = renderSchemaFile(first);
    expect(renderSchemaFile(second)).toBe(rendered);
    expect(rendered.split('\n').slice(0, 2)).toEqual([
      '# Generated from the resolvers in src/server/schema.ts. Do not edit by hand.',
      '# Regenerate with: npm run schema',
    ]);
  });
});
