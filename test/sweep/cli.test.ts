/**
 * The sweep command as a separate process: killed with SIGKILL at several points and rerun, it
 * loses no finished trial and duplicates none; Ctrl-C (SIGINT) stops it cleanly; status reads it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { registerStatusCommand } from '../../lib/cli/status';
import { registerSweepCommand } from '../../lib/cli/sweep';
import type { TrialRecord } from '../../lib/sweep/record';
import { FIXTURE_OBJECTIVES, sweepConfig } from './fixtures/definitions';

const ENTRY = path.join(__dirname, 'fixtures', 'cli-entry.ts');

let directory: string;
let config: string;
let out: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-cli-'));
  config = path.join(directory, 'sweep.json');
  out = path.join(directory, 'out');
  // 24 trials of ~2 × 20 ms each: about a second of trials per full run.
  fs.writeFileSync(config, JSON.stringify(sweepConfig({ budget: 6, training: { epochs: 2, epochMilliseconds: 20 } })));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** Starts `layerwise sweep` as a child process (trials in-process unless `--workers` is given). */
function startSweep(...extra: string[]): ChildProcess {
  const workers = extra.includes('--workers') ? [] : ['--workers', '0'];
  return spawn(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), ENTRY, 'sweep', config, '--out', out, ...workers, '--objective-module', FIXTURE_OBJECTIVES, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

function finishedRecords(): TrialRecord[] {
  const file = path.join(out, 'journal.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const event = JSON.parse(line);
        return event.op === 'finish' ? [event.record as TrialRecord] : [];
      } catch {
        return [];
      }
    });
}

async function waitFor(condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('layerwise sweep (child process)', () => {
  test('SIGKILL at several points loses nothing finished and duplicates nothing', async () => {
    const seen = new Map<string, string>();
    const checkNothingLost = (): void => {
      const records = finishedRecords();
      const ids = records.map((record) => record.trialId);
      expect(new Set(ids).size).toBe(ids.length);
      // Every finish seen before stays, byte for byte the same record.
      for (const [id, text] of seen) expect(JSON.stringify(records.find((record) => record.trialId === id))).toBe(text);
      for (const record of records) seen.set(record.trialId, JSON.stringify(record));
    };
    // Kill before anything finished, then after 5 and 14 finished trials (mid-trial or mid-write: whatever the moment is).
    for (const killAfter of [0, 5, 14]) {
      const child = startSweep('--quiet');
      const exited = exit(child);
      if (killAfter === 0) await new Promise((resolve) => setTimeout(resolve, 300));
      else await waitFor(() => finishedRecords().length >= killAfter);
      child.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
      checkNothingLost();
    }
    const final = await exit(startSweep('--quiet'));
    expect(final.code).toBe(0);
    checkNothingLost();
    expect(finishedRecords()).toHaveLength(24);
    expect(new Set(finishedRecords().map((record) => record.trialId)).size).toBe(24);
  });

  test('SIGINT stops cleanly with exit 130 and a resumable store (worker processes)', async () => {
    const child = startSweep('--workers', '2');
    const exited = exit(child);
    await waitFor(() => finishedRecords().length >= 3);
    child.kill('SIGINT');
    const result = await exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/interrupted: stopping \d+ running trial\(s\); rerun the same command to resume/);
    expect(fs.existsSync(path.join(out, 'journal.jsonl.lock'))).toBe(false);
    const before = finishedRecords().length;
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(24);
    const rerun = await exit(startSweep('--quiet', '--workers', '2'));
    expect(rerun.code).toBe(0);
    expect(finishedRecords()).toHaveLength(24);
  });
});

describe('layerwise sweep and status (in process)', () => {
  function program(output: string[], codes: number[]): Command {
    const command = new Command().exitOverride();
    const options = { write: (text: string) => output.push(text), writeError: (text: string) => output.push(text), setExitCode: (code: number) => codes.push(code), isTTY: false };
    registerSweepCommand(command, options);
    registerStatusCommand(command, options);
    return command;
  }

  test('runs a sweep in-process, prints progress lines, and status summarizes the folder', async () => {
    const output: string[] = [];
    const codes: number[] = [];
    fs.writeFileSync(config, JSON.stringify(sweepConfig({ budget: 2, training: { epochs: 2, divergeIndex: 1 } })));
    await program(output, codes).parseAsync(['sweep', config, '--out', out, '--workers', '0', '--objective-module', FIXTURE_OBJECTIVES], { from: 'user' });
    expect(codes).toEqual([0]);
    const text = output.join('');
    expect(text).toMatch(/test-sweep: 0\/8 done · 0 running · 0 failed · 0 pruned · 0 diverged · ETA \?/);
    expect(text).toMatch(/test-sweep: 8\/8 done · 0 running · 0 failed · 0 pruned · 4 diverged · best val loss: per-layer [\d.]+, uniform [\d.]+/);
    expect(text).toMatch(/4 complete, 0 pruned, 4 diverged, 0 failed of 8/);

    output.length = 0;
    await program(output, codes).parseAsync(['status', out], { from: 'user' });
    const status = output.join('');
    expect(status).toMatch(/sweep test-sweep in/);
    expect(status).toMatch(/finished 8\/8 trials/);
    expect(status).toMatch(/uniform: 2 complete, 2 diverged \(planned 4\)/);
    expect(status).toMatch(/best mean validation loss [\d.]+ over 2 seed\(s\): l2=/);
  });

  test('bad configs and usage are errors naming the field', async () => {
    fs.writeFileSync(config, JSON.stringify(sweepConfig({ sampler: { type: 'bayesian' } })));
    await expect(program([], []).parseAsync(['sweep', config, '--out', out], { from: 'user' })).rejects.toThrow(/sampler\.type: "bayesian" is not allowed; allowed values: "grid", "random", "tpe"/);
    fs.writeFileSync(config, JSON.stringify(sweepConfig()));
    await expect(program([], []).parseAsync(['sweep', config, '--out', out, '--shard', '3/2'], { from: 'user' })).rejects.toThrow(/shard: "3\/2" is not a shard/);
    await expect(program([], []).parseAsync(['sweep', config, '--out', out, '--workers', '-1'], { from: 'user' })).rejects.toThrow(/--workers: "-1" is not allowed/);
  });
});
