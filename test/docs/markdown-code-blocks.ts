/**
 * Finds the fenced code blocks of a Markdown file, with the line each starts on, so that a test can
 * compile and run the examples users copy. A block's info string is its language followed by
 * optional flags: ```ts no-run marks a block that is type-checked but not run (keep that rare).
 */

/** One fenced code block. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string, lower-cased ('ts', 'bash', '' when none). */
  language: string;
  /** Words after the language in the info string, e.g. ['no-run']. */
  flags: string[];
  /** The block's text, without the fences. */
  code: string;
}

const TYPESCRIPT = new Set(['ts', 'typescript']);

/** Every fenced (```) block of `markdown`; an unclosed fence is an error naming its line. */
export function extractCodeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = /^(\s*)(`{3,})\s*([^`]*)$/.exec(lines[index]);
    if (opening === null) continue;
    const fence = opening[2];
    const [language = '', ...flags] = opening[3].trim().split(/\s+/).filter((word) => word !== '');
    const body: string[] = [];
    let closed = false;
    for (index++; index < lines.length; index++) {
      if (lines[index].trim() === fence || (lines[index].trim().startsWith(fence) && lines[index].trim().replace(/`/g, '') === '')) {
        closed = true;
        break;
      }
      body.push(lines[index]);
    }
    if (!closed) throw new Error(`${file}: the code fence opened on line ${index - body.length} is never closed`);
    blocks.push({ file, line: index - body.length, language: language.toLowerCase(), flags, code: body.join('\n') });
  }
  return blocks;
}

/** The TypeScript blocks (```ts / ```typescript). */
export function typescriptBlocks(markdown: string, file: string): CodeBlock[] {
  return extractCodeBlocks(markdown, file).filter((block) => TYPESCRIPT.has(block.language));
}
