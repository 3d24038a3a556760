/**
 * `layerwise check` as a user runs it, with the gate and the sweep loader replaced by fakes:
 * exit codes, the format-1 migration path, the --undecided policy and entries named by role.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readBaseline, writeBaseline } from '../../lib/check/baseline';
import type { MetricsTable } from '../../lib/check/baseline';
import { runCheck, CheckCommandDependencies } from '../../lib/cli/check';
import { CommandExit } from '../../lib/cli/exit-codes';
import type { TrialRecord } from '../../lib/sweep/record';

const seeds = [1, 2, 3, 4, 5];

function fakes(gate: MetricsTable, trials: TrialRecord[] = []): CheckCommandDependencies & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    loadTrials: async () => trials,
    gateNames: () => ['ci'],
    runGate: async () => gate,
    write: (text) => out.push(text),
    writeError: () => undefined,
  };
}

function temporaryFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-check-cli-')), name);
}

const healthy: MetricsTable = { 'moons/l2=0': { seeds, metrics: { testAccuracy: [0.94, 0.93, 0.95, 0.94, 0.92], testLoss: [0.25, 0.26, 0.24, 0.25, 0.27] } } };

async function exitOf(promise: Promise<number>): Promise<{ code: number; message: string }> {
  try {
    return { code: await promise, message: '' };
  } catch (error) {
    if (error instanceof CommandExit) return { code: error.exitCode, message: error.message };
    throw error;
  }
}

describe('layerwise check', () => {
  test('a format-1 baseline is refused (exit 2) with how to regenerate; --update converts it keeping its tolerances as margins', async () => {
    const file = temporaryFile('gate.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, tolerances: { accuracy: { absolute: 0.03 } }, entries: { 'moons/l2=0': { testAccuracy: 0.94 } } }));
    const refused = await exitOf(runCheck({ baseline: file, run: 'ci' }, fakes(healthy)));
    expect(refused.code).toBe(2);
    expect(refused.message).toContain('stores means only (format 1)');
    expect(refused.message).toContain(`layerwise check --baseline ${file} --run <gate> --update`);

    const dependencies = fakes(healthy);
    expect(await runCheck({ baseline: file, run: 'ci', update: true }, dependencies)).toBe(0);
    expect(dependencies.out.join('')).toContain('updated with 1 entries, seeds 1, 2, 3, 4, 5');
    const converted = readBaseline(file);
    expect(converted.version).toBe(2);
    expect(converted.margins).toEqual({ accuracy: { absolute: 0.03 } });
    expect(converted.entries).toEqual(healthy);
    // Arrays of numbers are written on one line, so a reviewer reads a seed's values across.
    expect(fs.readFileSync(file, 'utf8')).toContain('"seeds": [1, 2, 3, 4, 5]');
  });

  test('exit 0 on a rerun, 1 on an established regression, and --undecided decides what undecided does', async () => {
    const file = temporaryFile('gate.json');
    await runCheck({ baseline: file, run: 'ci', update: true }, fakes(healthy));
    expect(await runCheck({ baseline: file, run: 'ci', undecided: 'fail' }, fakes(healthy))).toBe(0);

    const broken: MetricsTable = { 'moons/l2=0': { seeds, metrics: { testAccuracy: [0.5, 0.52, 0.49, 0.5, 0.51], testLoss: [0.7, 0.69, 0.71, 0.7, 0.7] } } };
    const failing = fakes(broken);
    expect(await runCheck({ baseline: file, run: 'ci' }, failing)).toBe(1);
    expect(failing.out.join('')).toMatch(/testAccuracy .* REGRESSED/);

    // One seed only: nothing can be decided. Default policy passes and says so; --undecided fail fails.
    const oneSeed: MetricsTable = { 'moons/l2=0': { seeds: [1], metrics: { testAccuracy: [0.9], testLoss: [0.3] } } };
    const lenient = fakes(oneSeed);
    expect(await runCheck({ baseline: file, run: 'ci' }, lenient)).toBe(0);
    expect(lenient.out.join('')).toContain('2 undecided (not failing: --undecided pass)');
    expect(await runCheck({ baseline: file, run: 'ci', undecided: 'fail' }, fakes(oneSeed))).toBe(1);
    const bad = await exitOf(runCheck({ baseline: file, run: 'ci', undecided: 'maybe' }, fakes(healthy)));
    expect(bad).toEqual({ code: 2, message: '--undecided = "maybe": expected one of fail, pass' });
  });

  test('a sampled sweep checked by role passes after its sampler proposed different floats', async () => {
    const final = (accuracy: number, validationLoss: number) => ({
      epoch: 1,
      train: { loss: 0.1, accuracy: 1 },
      validation: { loss: validationLoss, accuracy: 0.9 },
      test: { loss: 0.3, accuracy },
      penalty: 0,
      penaltyPerLayer: {},
      weightNorms: {},
      lossGap: 0.2,
      accuracyGap: 1 - accuracy,
      seconds: 1,
    });
    const sweep = (l2: number): TrialRecord[] =>
      seeds.map((seed) => ({
        trialId: `t${seed}`,
        configId: `c${l2}`,
        sweepName: 'tpe',
        arm: 'uniform',
        index: 0,
        params: { l2 },
        seed,
        state: 'complete' as const,
        attempts: 1,
        epochs: [],
        final: final(0.9 + seed * 0.001, 0.2),
      }));
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-check-sweep-'));
    const file = temporaryFile('tpe.json');
    // Baseline from a "native" run that proposed l2 = 0.0012345678, keyed by role.
    await runCheck({ baseline: file, results: directory, entries: 'selected', update: true }, fakes({}, sweep(0.0012345678)));
    expect(Object.keys(readBaseline(file).entries)).toEqual(['uniform/selected']);
    expect(readBaseline(file).keys).toBe('selected');
    // A "pure-JS" run whose proposal differs in the 4th digit: same entry, compared, passes (no missing/new).
    const rerun = fakes({}, sweep(0.0012349));
    expect(await runCheck({ baseline: file, results: directory, undecided: 'fail' }, rerun)).toBe(0);
    expect(rerun.out.join('')).not.toMatch(/MISSING|new/);
  });

  test('--results accepts a per-seed JSON table and rejects a means-only one naming the field', async () => {
    const file = temporaryFile('gate.json');
    writeBaseline(file, { version: 2, alpha: 0.05, keys: 'configurations', margins: {}, entries: healthy });
    const results = temporaryFile('results.json');
    fs.writeFileSync(results, JSON.stringify({ entries: healthy }));
    expect(await runCheck({ baseline: file, results }, fakes({}))).toBe(0);
    fs.writeFileSync(results, JSON.stringify({ 'moons/l2=0': { testAccuracy: 0.9 } }));
    const refused = await exitOf(runCheck({ baseline: file, results }, fakes({})));
    expect(refused.code).toBe(2);
    expect(refused.message).toContain('moons/l2=0.seeds');
  });
});
