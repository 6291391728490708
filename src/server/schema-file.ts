/** schema.graphql at the repository root: the schema as the code builds it, sorted so that diffs stay small. */
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';

/** At the repository root. */
export const SCHEMA_FILE_NAME = 'schema.graphql';
export const SCHEMA_COMMAND = 'npm run schema';

export function renderSchemaFile(schema: GraphQLSchema): string {
  const header = [
    '# Generated from the resolvers in src/server/schema.ts. Do not edit by hand.',
    `# Regenerate with: ${SCHEMA_COMMAND}`,
  ].join('\n');
  return `${header}\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
