/**
 * The README's "TypeScript client" sample type-checks against the client's sources, as written: its import of
 * '@entra-gateway/client' resolves to src/index.ts, its statements run inside an async function (the sample uses
 * top-level await), and the names it leaves to the reader are declared below with the types a backend would have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const CLIENT = join(__dirname, '..');
const README = readFileSync(join(CLIENT, '..', '..', 'README.md'), 'utf8');
const SAMPLE_FILE = join(CLIENT, 'test', '__readme_sample__.ts');

/** The ```ts blocks of the README's "## TypeScript client" section. */
export function clientSamples(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('TypeScript client\n'));
  if (!section) throw new Error('README.md: expected a "## TypeScript client" section, found none');
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
}

const PRELUDE = `import type { DirectoryEventType } from '@entra-gateway/client';
declare const tenantId: string;
declare function loadCursor(): Promise<string | null>;
declare function saveCursor(cursor: string): Promise<void>;
declare function handle(type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>): Promise<void>;
`;

function asModule(sample: string): string {
  const lines = sample.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import '));
  return `${imports.join('\n')}\n${PRELUDE}\nexport async function readmeSample(): Promise<void> {\n${body.join('\n')}\n}\n`;
}

/** Parsed once for every check: the client's sources, graphql's and node's declarations. */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** tsc's diagnostics for `source` as one file beside the client's sources, with the client's compiler options. */
function diagnostics(source: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    ignoreDeprecations: '6.0',
    baseUrl: CLIENT,
    paths: { '@entra-gateway/client': ['src/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (fileName === SAMPLE_FILE) return ts.createSourceFile(fileName, source, languageVersion, true);
    if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, languageVersion, ...rest));
    return parsed.get(fileName);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === SAMPLE_FILE || fileExists(fileName);
  const program = ts.createProgram([SAMPLE_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName.replace(CLIENT, '')}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

it("the README's TypeScript client sample type-checks against the client (and a wrong one would not)", () => {
  const samples = clientSamples(README);
  expect(samples).toHaveLength(1);
  const sample = samples[0]!;
  expect(sample.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(10);
  expect(diagnostics(asModule(sample))).toEqual([]);
  // The check can fail: the same sample with a method the client does not have, or a wrong event type.
  expect(diagnostics(asModule(sample.replace('gw.accessTier(', 'gw.accessTierOf(')))).toEqual([expect.stringContaining("Property 'accessTierOf' does not exist")]);
  expect(diagnostics(asModule(sample.replace("'ACCESS_TIER_CHANGED'", "'TIER_CHANGED'"))).join('\n')).toMatch(/TIER_CHANGED/);
}, 180_000);
