/**
 * The `layerwise` entry loads only the command being run (lib/cli/main.ts): `status` and `report`
 * of a sweep folder never load tfjs, vega or the PostgreSQL driver, which were most of the CLI's
 * start-up time when every command was imported up front.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commandNameOf } from '../../lib/cli/main';
import { encodeEvent, JOURNAL_VERSION } from '../../lib/sweep/storage/journal-format';
import { definitionFingerprint } from '../../lib/sweep/definition-config';
import { sweepDefinition } from '../sweep/fixtures/definitions';
import { realisticSweep } from '../report/fixtures';

/** Packages no folder `status` or `report` (other than html) needs. */
const HEAVY = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-node', 'vega', 'vega-lite', 'pg', 'pg-boss'];

/** Runs the CLI in a child (ts-node) and returns its exit code, its output and the packages it loaded. */
function runCli(args: string[]): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  const probe = path.join(__dirname, 'main-entry.ts');
  // `probe` stands in for the script path in process.argv, as when main-entry.ts runs as a file.
  // After the command ends, print the packages in the module cache (node_modules/<name>/ or node_modules/@scope/<name>/).
  const report = `process.on('exit',()=>{const names=new Set();for(const file of Object.keys(require.cache)){const m=/node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);if(m)names.add(m[1].replace(/\\\\/g,'/'));}process.stderr.write('LOADED '+JSON.stringify([...names])+'\\n');});`;
  const result = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', `${report}require(${JSON.stringify(probe)})`, '--', probe, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', LAYERWISE_DEBUG: '' },
  });
  const line = /LOADED (.*)/.exec(result.stderr);
  if (line === null) throw new Error(`the CLI child printed no module list: ${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, loaded: JSON.parse(line[1]) as string[] };
}

describe('commandNameOf', () => {
  test.each([
    [['status', 'runs/x'], 'status'],
    [['--debug', 'report', 'runs/x', '--format', 'md'], 'report'],
    [['help', 'check'], 'check'],
    [['sweep', 'merge', 'a', '--into', 'b'], 'sweep'],
    [['--help'], undefined],
    [[], undefined],
    [['statsu', 'runs/x'], undefined],
  ])('%j → %s', (argv, expected) => {
    expect(commandNameOf(argv)).toBe(expected);
  });
});

describe('each command loads only what it uses', () => {
  let directory: string;
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-cli-main-'));
    const definition = sweepDefinition();
    const lines = [encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: definition.name, definition, fingerprint: definitionFingerprint(definition), at: '2026-01-01T00:00:00.000Z' })];
    for (const record of realisticSweep({ sweepName: definition.name, seeds: [1, 2, 3], epochs: 3 })) {
      const { trialId, configId, sweepName, arm, index, params, seed } = record;
      lines.push(encodeEvent({ op: 'enqueue', trial: { trialId, configId, sweepName, arm, index, params, seed }, at: '2026-01-01T00:00:00.000Z' }));
      lines.push(encodeEvent({ op: 'finish', trialId, attempt: 1, record }));
    }
    fs.writeFileSync(path.join(directory, 'journal.jsonl'), lines.join(''));
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  test('`status <folder>` loads none of tfjs, vega, pg, pg-boss', () => {
    const run = runCli(['status', directory]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('finished');
    expect(run.loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
    // Sanity of the probe itself: the command did load what it uses.
    expect(run.loaded).toContain('commander');
  }, 120_000);

  test('`report <folder> --format md` loads none of tfjs, vega, pg, pg-boss', () => {
    const run = runCli(['report', directory, '--format', 'md', '--bootstrap', '200']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^#/m);
    expect(run.loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  }, 120_000);

  test('`--help` still lists every command', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    for (const name of ['sweep', 'status', 'report', 'check', 'worker', 'schema', 'native-install', 'export']) expect(run.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  }, 120_000);

  test('a mistyped command still gets its suggestion (every command registered)', () => {
    const run = runCli(['statsu', directory]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('status');
  }, 120_000);
});
