/** README.md's fenced examples, for the tests that run them as written (readme-examples, readme-scenario). */
import { Kind, parse } from 'graphql';

/** The text of every ```graphql block, in order; blocks inside list items (indented) are dedented. */
export function graphqlBlocks(markdown: string): string[] {
  return fencedBlocks(markdown)
    .filter((b) => b.lang === 'graphql')
    .map((b) => b.text);
}

export interface FencedBlock {
  lang: string;
  text: string;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  return [...markdown.matchAll(/^( *)```(\w+)\n([\s\S]*?)^\1```/gm)].map((m) => ({
    lang: m[2],
    text: m[3]
      .split('\n')
      .map((line) => line.slice(m[1].length))
      .join('\n'),
  }));
}

/** The fenced blocks from `heading` to the next level-2 heading. */
export function sectionBlocks(markdown: string, heading: string): FencedBlock[] {
  const from = markdown.indexOf(heading);
  if (from < 0) throw new Error(`README.md: expected a section "${heading}", found none`);
  const rest = markdown.slice(from + heading.length);
  const end = rest.search(/^## /m);
  return fencedBlocks(end < 0 ? rest : rest.slice(0, end));
}

/** The block that defines the operation `name` (to run it alone, as a reader would from the explorer). */
export function blockDefining(markdown: string, name: string): string {
  const block = graphqlBlocks(markdown).find((text) =>
    parse(text).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name),
  );
  if (!block) throw new Error(`README.md: expected an operation named ${name}, found none`);
  return block;
}
