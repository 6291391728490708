/** `npm run schema`: writes schema.graphql from the code. */
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { buildGatewaySchema } from './schema';
import { renderSchemaFile, SCHEMA_FILE_NAME } from './schema-file';

async function main(): Promise<void> {
  // npm runs scripts from the repository root, whichever folder it was called from.
  const file = resolve(process.cwd(), SCHEMA_FILE_NAME);
  await writeFile(file, renderSchemaFile(await buildGatewaySchema()));
  process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
