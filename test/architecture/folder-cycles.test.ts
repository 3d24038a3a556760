/**
 * No import cycles between the folders of lib/: DESIGN.md's data flow
 * (`spec + policy -> model -> train -> record -> store -> report/check`) must be readable in the
 * tree, so a folder never imports (directly or through other folders) a folder that imports it.
 * Relative imports and re-exports (`import ... from`, `export ... from`, `import('...')`,
 * `require('...')`) of every lib/**\/*.ts file are parsed; each resolves to the first folder under
 * lib/ it lands in. lib/index.ts (the package root that re-exports folders) is not a folder.
 */
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '../../lib');
const IMPORT = /(?:import|export)\s[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|require\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The top folder under lib/ that `file` (a file or a directory) is in, or null for lib/ itself and outside. */
function folderOf(file: string): string | null {
  const relative = path.relative(LIB, file);
  if (relative.startsWith('..') || relative === '') return null;
  const parts = relative.split(path.sep);
  if (parts.length === 1) {
    // lib/foo imported as a directory (lib/foo/index.ts) is folder foo; lib/index.ts is no folder.
    return fs.existsSync(file) && fs.statSync(file).isDirectory() ? parts[0] : null;
  }
  return parts[0];
}

/** folder -> folder -> the imports that make that edge (file -> specifier), for messages. */
export function folderGraph(files: readonly string[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const from = folderOf(file);
    if (from == null) continue;
    const source = fs.readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
      const to = folderOf(path.resolve(path.dirname(file), specifier));
      if (to == null || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), `${path.relative(LIB, file)} -> ${specifier}`]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every cycle, as the list of folders on it, found by depth-first search (each cycle reported once). */
export function folderCycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (state.get(next) == null) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  [...graph.keys()].sort().forEach((node) => {
    if (state.get(node) == null) visit(node);
  });
  return cycles;
}

describe('folders of lib/', () => {
  it('the cycle finder finds a planted cycle and the edge that makes it (so an empty answer means something)', () => {
    const graph = new Map([
      ['loss', new Map([['activity', ['loss/a.ts -> ../activity/b']]])],
      ['activity', new Map([['layers', ['activity/b.ts -> ../layers/c']]])],
      ['layers', new Map([['loss', ['layers/c.ts -> ../loss']]])],
      ['train', new Map([['loss', ['train/d.ts -> ../loss']]])],
    ]);
    expect(folderCycles(graph)).toEqual([['activity', 'layers', 'loss', 'activity']]);
  });

  it('the import parser sees lib/ edges (e.g. loss -> penalty, train -> optimizers)', () => {
    const graph = folderGraph(sourceFiles(LIB));
    expect(graph.get('loss')?.has('penalty')).toBe(true);
    expect(graph.get('train')?.has('optimizers')).toBe(true);
  });

  it('have no import cycles between them', () => {
    const graph = folderGraph(sourceFiles(LIB));
    const described = folderCycles(graph).map((cycle) =>
      cycle
        .slice(0, -1)
        .map((folder, index) => `${folder} -> ${cycle[index + 1]} (${graph.get(folder)!.get(cycle[index + 1])![0]})`)
        .join('; '),
    );
    expect(described).toEqual([]);
  });
});
