/**
 * The package's public face stays small and cheap to import:
 *  - requiring the root loads none of the heavy dependencies of sweeps, reports, the check and the
 *    PostgreSQL store (pg, vega, vega-lite, ajv); each subpath loads only its own;
 *  - the root exports no whole-module namespaces, every root name has a doc comment, and every
 *    root value is exercised through the root in test/index.test.ts;
 *  - package.json's subpath exports (and `typesVersions` for TypeScript's node10 resolution) point
 *    at the compiled form of an existing lib/ entry file.
 * Loading is checked in a fresh child process, since jest's own module registry is shared.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { publicNames } from './public-names';

const ROOT = path.resolve(__dirname, '..', '..');
const HEAVY = ['pg', 'vega', 'vega-lite', 'ajv'];

/** The subpath exports and the lib/ file each one compiles from. */
const SUBPATHS: Record<string, string> = {
  './sweep': 'lib/sweep/index.ts',
  './report': 'lib/report/index.ts',
  './check': 'lib/check/index.ts',
  './postgres': 'lib/sweep/postgres/index.ts',
};

/**
 * Requires `entry` in a fresh Node process and returns every bare package name that was asked
 * for through `Module._load` (so a package counts even when something catches its failure).
 */
function packagesLoadedBy(entry: string): string[] {
  const script = `
    const Module = require('module');
    const seen = new Set();
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (!request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:')) {
        const parts = request.split('/');
        seen.add(request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
      }
      return load.call(this, request, ...rest);
    };
    require(${JSON.stringify(path.join(ROOT, entry))});
    for (const key of Object.keys(require.cache)) {
      const match = key.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/);
      if (match) seen.add(match[1]);
    }
    process.stdout.write(JSON.stringify([...seen].sort()));
  `;
  const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    timeout: 120_000,
  });
  return JSON.parse(output) as string[];
}

describe('public face: lazy heavy dependencies', () => {
  it('requiring the root loads none of pg, vega, vega-lite, ajv', () => {
    const loaded = packagesLoadedBy('lib/index.ts');
    expect(loaded).toContain('@tensorflow/tfjs'); // the probe sees packages at all
    expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it('each subpath loads only the heavy dependencies it needs', () => {
    const heavyOf = (entry: string): string[] => packagesLoadedBy(entry).filter((name) => HEAVY.includes(name));
    // ajv's compiler loads at the first validation, and not at all where `npm run build` generated the validator.
    expect(heavyOf(SUBPATHS['./sweep'])).toEqual([]);
    expect(heavyOf(SUBPATHS['./report'])).toEqual(['vega', 'vega-lite']);
    expect(heavyOf(SUBPATHS['./postgres'])).toEqual(['pg']);
    // The trial table is the store's queue (issue 13): pg-boss is neither a dependency nor loaded.
    expect(packagesLoadedBy(SUBPATHS['./postgres'])).not.toContain('pg-boss');
  });
});

describe('public face: root names', () => {
  const names = publicNames(path.join(ROOT, 'lib/index.ts'));

  it('exports no whole-module namespaces', () => {
    expect(names.filter((name) => name.kind === 'namespace').map((name) => name.name)).toEqual([]);
  });

  it('stays small: at most 60 values and 60 types at the root', () => {
    expect(names.filter((name) => name.kind === 'value').length).toBeLessThanOrEqual(60);
    expect(names.filter((name) => name.kind === 'type').length).toBeLessThanOrEqual(60);
  });

  it('every root name has a doc comment at its declaration', () => {
    expect(names.filter((name) => !name.documented).map((name) => `${name.name} (${name.declaredAt})`)).toEqual([]);
  });

  it('every root value is exercised through the root in test/index.test.ts', () => {
    const indexTest = fs.readFileSync(path.join(ROOT, 'test/index.test.ts'), 'utf8');
    const unexercised = names
      .filter((name) => name.kind === 'value')
      .map((name) => name.name)
      .filter((name) => !new RegExp(`layerwise\\.${name}\\b`).test(indexTest));
    expect(unexercised).toEqual([]);
  });
});

describe('public face: package.json exports', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string; default: string }>;
    typesVersions: Record<string, Record<string, string[]>>;
    files: string[];
  };
  const compiled = (libFile: string, extension: '.js' | '.d.ts'): string =>
    `./${libFile.replace(/^lib\//, 'dist/').replace(/\.ts$/, extension)}`;

  it.each(Object.entries(SUBPATHS))('%s resolves to the compiled %s, for require and for types', (subpath, libFile) => {
    expect(fs.existsSync(path.join(ROOT, libFile))).toBe(true);
    expect(manifest.exports[subpath]).toEqual({ types: compiled(libFile, '.d.ts'), default: compiled(libFile, '.js') });
    expect(manifest.typesVersions['*'][subpath.slice(2)]).toEqual([compiled(libFile, '.d.ts').slice(2)]);
  });

  it('lists no other subpath than the root, the four above, package.json and the sweep schema', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './check', './package.json', './postgres', './report', './sweep', './sweep-definition.schema.json']);
  });

  it('ships no benchmark: bench/ lives outside lib/ and outside "files"', () => {
    expect(fs.existsSync(path.join(ROOT, 'lib/bench'))).toBe(false);
    expect(fs.existsSync(path.join(ROOT, 'lib/sweep/bench'))).toBe(false);
    expect(fs.existsSync(path.join(ROOT, 'bench/main.ts'))).toBe(true);
    expect(manifest.files).not.toContain('bench');
  });
});
