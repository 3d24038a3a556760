/**
 * Every ```ts block in README.md and docs/*.md compiles as written (strict, this project's
 * tsconfig, `layerwise` resolved through package.json "exports" to lib/) and runs to completion in
 * a fresh node process (its own backend choice, exit code 0), so the examples users copy work.
 * A block flagged ```ts no-run is type-checked only.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { CodeBlock, extractCodeBlocks, typescriptBlocks } from './markdown-code-blocks';

const ROOT = path.resolve(__dirname, '..', '..');
/** Inside the repository (git-ignored), so the blocks resolve node_modules like the project does. */
const WORK = path.join(ROOT, 'test-artifacts', 'docs-code-blocks');

const markdownFiles = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const blocks: CodeBlock[] = markdownFiles.flatMap((file) => typescriptBlocks(readFileSync(path.join(ROOT, file), 'utf8'), file));

function blockFile(block: CodeBlock): string {
  return path.join(WORK, `${block.file.replace(/[/.]/g, '_')}_line${block.line}.ts`);
}
const label = (block: CodeBlock): string => `${block.file}:${block.line}`;

/** tsconfig.json's options, plus `paths` mapping 'layerwise' and its subpath exports to lib/ sources. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = path.join(ROOT, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, ROOT);
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const file = typeof target === 'string' ? target : (target.types ?? target.require ?? target.default);
    if (subpath === './package.json' || typeof file !== 'string') continue;
    const source = file.replace(/^\.\/dist\//, './lib/').replace(/\.d\.ts$/, '.ts').replace(/\.js$/, '.ts');
    paths[subpath === '.' ? 'layerwise' : `layerwise/${subpath.slice(2)}`] = [source];
  }
  return { ...parsed.options, noEmit: true, baseUrl: ROOT, paths, rootDir: undefined, outDir: undefined };
}

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  for (const block of blocks) writeFileSync(blockFile(block), `${block.code}\n`);
});

describe('extractCodeBlocks', () => {
  it('finds fenced blocks with their language, flags and opening line; an unclosed fence is an error', () => {
    const markdown = ['# t', '```ts', 'const a = 1;', '```', 'text', '```ts no-run', 'declare const b: number;', '```', '```bash', 'ls', '```'].join('\n');
    expect(extractCodeBlocks(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 2, language: 'ts', flags: [], code: 'const a = 1;' },
      { file: 'x.md', line: 6, language: 'ts', flags: ['no-run'], code: 'declare const b: number;' },
      { file: 'x.md', line: 9, language: 'bash', flags: [], code: 'ls' },
    ]);
    expect(() => extractCodeBlocks('```ts\nopen', 'y.md')).toThrow('y.md: the code fence opened on line 1 is never closed');
  });
});

describe('README and docs code blocks', () => {
  it('README has the TypeScript examples this test is meant to check', () => {
    expect(blocks.filter((block) => block.file === 'README.md').length).toBeGreaterThanOrEqual(2);
    // "no-run" is for the rare block that cannot run here; every flag must be one this test knows.
    for (const block of blocks) expect(block.flags.filter((flag) => flag !== 'no-run')).toEqual([]);
  });

  it('every ```ts block type-checks under the project tsconfig (strict), importing layerwise as a user does', () => {
    const program = ts.createProgram(blocks.map(blockFile), compilerOptions());
    const problems = blocks.flatMap((block) => {
      const source = program.getSourceFile(blockFile(block));
      if (source === undefined) return [`${label(block)}: not compiled`];
      return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
        const where = diagnostic.file !== undefined && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
        // Report the Markdown line: the block's code starts on the line after its fence.
        const at = where === undefined ? label(block) : `${block.file}:${block.line + 1 + where.line}:${where.character + 1}`;
        return `${at} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    });
    expect(problems).toEqual([]);
  });

  const runnable = blocks.filter((block) => !block.flags.includes('no-run'));
  test.each(runnable.map((block) => [label(block), block] as const))('%s runs to completion on small data', (_name, block) => {
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', path.join(__dirname, 'layerwise-alias.js'), blockFile(block)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180000,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    });
    if (result.status !== 0) throw new Error(`${label(block)} exited ${String(result.status ?? result.signal)}:\n${result.stderr.slice(-3000)}`);
    expect(result.status).toBe(0);
    // Each example prints what it computed; an empty output would mean it never reached that point.
    expect(result.stdout.trim()).not.toBe('');
  }, 200000);
});
