/**
 * Issue 15, item 6: routine failures print ONE line naming the file, the cause and the fix, and
 * exit with the documented code (2: configuration/usage, nothing changed); `--debug` or
 * LAYERWISE_DEBUG=1 adds the trace. Runs the real `main` in-process (stderr captured), and in a
 * child process as an unprivileged user for permission errors.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { EXIT_USAGE } from '../../lib/cli/exit-codes';
import { describeFailure } from '../../lib/cli/failure';
import { encodeEvent, JOURNAL_VERSION } from '../../lib/sweep/storage/journal-format';
import { definitionFingerprint } from '../../lib/sweep/definition-config';
import { FIXTURE_OBJECTIVES, sweepConfig, sweepDefinition } from '../sweep/fixtures/definitions';
import { realisticSweep } from '../report/fixtures';

let directory: string;
let stderr: string;
let spy: jest.SpyInstance;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-failure-'));
  stderr = '';
  spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  spy.mockRestore();
  delete process.env.LAYERWISE_DEBUG;
  fs.rmSync(directory, { recursive: true, force: true });
});

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

function writeConfig(): string {
  const config = path.join(directory, 'sweep.json');
  fs.writeFileSync(config, JSON.stringify(sweepConfig({ budget: 1, seeds: [1], training: { epochs: 1 } })));
  return config;
}

describe('item 6: one line, documented exit code', () => {
  test('a held lock: one line naming the journal, the holder and the fix; exit 2', async () => {
    const out = path.join(directory, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'journal.jsonl.lock'), JSON.stringify({ pid: process.ppid, host: os.hostname(), at: 'earlier' }));
    const code = await main(['sweep', writeConfig(), '--out', out, '--workers', '0', '--objective-module', FIXTURE_OBJECTIVES, '--quiet']);
    expect(code).toBe(EXIT_USAGE);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain(path.join(out, 'journal.jsonl'));
    expect(stderr).toContain(`process ${process.ppid}`);
    expect(stderr).toMatch(/wait for it to finish.*remove .*journal\.jsonl\.lock/);
  });

  test('sweep merge into a running sweep: one line naming the holder; exit 2', async () => {
    const out = path.join(directory, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'journal.jsonl'), encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: 'test-sweep', definition: sweepDefinition(), fingerprint: definitionFingerprint(sweepDefinition()), at: 'x' }));
    fs.writeFileSync(path.join(out, 'journal.jsonl.lock'), JSON.stringify({ pid: process.ppid, host: os.hostname(), at: 'earlier' }));
    const code = await main(['sweep', 'merge', out, '--into', out]);
    expect(code).toBe(EXIT_USAGE);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain(`process ${process.ppid}`);
  });

  test.each([
    ['throws', "throw new Error('no data here');\n", /sweep definition module .*bad-definition\.js:1(:\d+)? threw while loading \(Error: no data here\); fix the module/],
    ['has a syntax error', 'module.exports = { name: ;\n', /sweep definition module .*bad-definition\.js(:\d+(:\d+)?)? does not compile \(SyntaxError: [^)]*\); fix the module/],
  ])('a definition module that %s: one line naming the file and the cause; exit 2; the trace only with --debug', async (_what, source, expected) => {
    const module = path.join(directory, 'bad-definition.js');
    fs.writeFileSync(module, source);
    expect(await main(['sweep', module, '--out', path.join(directory, 'out')])).toBe(EXIT_USAGE);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(expected);
    expect(stderr).toContain('--debug');

    stderr = '';
    jest.resetModules();
    expect(await main(['sweep', module, '--out', path.join(directory, 'out'), '--debug'])).toBe(EXIT_USAGE);
    expect(lines(stderr).length).toBeGreaterThan(3);
    expect(stderr).toMatch(/\n\s+at /);
    stderr = '';
    process.env.LAYERWISE_DEBUG = '1';
    expect(await main(['sweep', module, '--out', path.join(directory, 'out')])).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/\n\s+at /);
  });

  test('an objective module that throws: one line naming it; exit 2', async () => {
    const module = path.join(directory, 'bad-objective.js');
    fs.writeFileSync(module, "throw new TypeError('objective setup failed');\n");
    const code = await main(['sweep', writeConfig(), '--out', path.join(directory, 'out'), '--workers', '0', '--objective-module', module, '--quiet']);
    expect(code).toBe(EXIT_USAGE);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/module: the module .*bad-objective\.js:1(:\d+)? threw while loading \(TypeError: objective setup failed\)/);
  });

  test('file-system errors map to one line with the path, the cause and the fix', () => {
    const error = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/sweeps/x'"), { code: 'EACCES', syscall: 'mkdir', path: '/srv/sweeps/x', errno: -13 });
    expect(describeFailure(error)).toEqual({
      exitCode: EXIT_USAGE,
      message: 'cannot mkdir /srv/sweeps/x: permission denied (EACCES); give a folder you can write (e.g. --out <dir>), or change its permissions',
    });
    expect(describeFailure(new Error('a bug'))).toBeUndefined();
  });
});

describe('item 6: read-only folders, without permission overrides (real EACCES)', () => {
  const entry = path.join(__dirname, 'main-entry.ts');
  /**
   * Runs the CLI without the power to ignore permission bits. As root (which ignores them) it drops
   * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH with util-linux's `setpriv`, staying root otherwise, so
   * it can still read a checkout in a folder only root may enter (a CI clone in a 0700 temp folder);
   * as any other user it runs as that user.
   */
  function runCli(args: string[]): { status: number | null; stderr: string } {
    const asRoot = process.getuid?.() === 0;
    const node = [process.execPath, '-r', require.resolve('ts-node/register/transpile-only'), entry, ...args];
    const dropped = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
    const [command, ...rest] = asRoot ? ['setpriv', ...dropped, ...node] : node;
    const result = spawnSync(command, rest, {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', LAYERWISE_DEBUG: '' },
    });
    if (result.error) throw new Error(`cannot run the CLI${asRoot ? ' through setpriv (util-linux)' : ''}: ${result.error.message}`);
    return { status: result.status, stderr: result.stderr };
  }

  beforeEach(() => {
    // The unprivileged user may read the folder but not write it.
    fs.chmodSync(directory, 0o755);
  });

  test(
    '`sweep` into a read-only folder and `report --format all` into one: one line with the path, EACCES and the fix; exit 2',
    () => {
      const readOnly = path.join(directory, 'read-only');
      fs.mkdirSync(readOnly, { mode: 0o555 });
      fs.chmodSync(readOnly, 0o555);
      const config = writeConfig();
      fs.chmodSync(config, 0o644);
      const sweep = runCli(['sweep', config, '--out', path.join(readOnly, 'out'), '--workers', '0', '--objective-module', FIXTURE_OBJECTIVES, '--quiet']);
      expect(sweep.stderr).not.toContain('UNHANDLED');
      expect(lines(sweep.stderr)).toEqual([`layerwise: cannot mkdir ${path.join(readOnly, 'out')}: permission denied (EACCES); give a folder you can write (e.g. --out <dir>), or change its permissions`]);
      expect(sweep.status).toBe(EXIT_USAGE);

      // A finished sweep's folder, readable by anyone.
      const sweepFolder = path.join(directory, 'finished');
      fs.mkdirSync(sweepFolder, { mode: 0o755 });
      const definition = sweepDefinition();
      const records = realisticSweep();
      let text = encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: definition.name, definition, fingerprint: definitionFingerprint(definition), at: 'x' });
      for (const record of records) text += encodeEvent({ op: 'finish', trialId: record.trialId, attempt: 1, record });
      fs.writeFileSync(path.join(sweepFolder, 'journal.jsonl'), text, { mode: 0o644 });
      const report = runCli(['report', sweepFolder, '--format', 'all', '--out', path.join(readOnly, 'report'), '--bootstrap', '200', '--no-tensorboard']);
      expect(report.stderr).not.toContain('UNHANDLED');
      expect(lines(report.stderr)).toHaveLength(1);
      expect(report.stderr).toMatch(new RegExp(`^layerwise: cannot \\w+ ${path.join(readOnly, 'report').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\S*: permission denied \\(EACCES\\); give a folder you can write`));
      expect(report.status).toBe(EXIT_USAGE);
    },
    240_000,
  );
});
