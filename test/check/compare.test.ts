/** The regression gate's comparison, formatting and baseline validation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Baseline,
  compareToBaseline,
  formatCheckTable,
  MetricsTable,
  parseBaseline,
  readBaseline,
  toJUnitXml,
  toMatchBaseline,
  updatedBaseline,
  writeBaseline,
  metricsFromTrials,
} from '../../lib/check';
import type { TrialRecord } from '../../lib/sweep/record';

expect.extend({ toMatchBaseline });

const seeds = [1, 2, 3, 4, 5];
const constant = (value: number): number[] => seeds.map(() => value);

const baseline: Baseline = {
  version: 2,
  alpha: 0.05,
  keys: 'configurations',
  margins: {
    accuracy: { absolute: 0.02 },
    loss: { relative: 0.1 },
    gap: { absolute: 0.05 },
  },
  entries: {
    moons: {
      seeds,
      metrics: { testAccuracy: [0.9, 0.91, 0.89, 0.9, 0.9], testLoss: [0.3, 0.31, 0.29, 0.3, 0.3], lossGap: constant(0.1) },
    },
  },
};

/** The baseline's values shifted per metric by `shift` (plus a little per-seed noise from `noise`). */
function shifted(shift: Record<string, number>, noise: number[] = [0, 0, 0, 0, 0]): MetricsTable {
  const metrics = Object.fromEntries(
    Object.entries(baseline.entries.moons.metrics).map(([metric, values]) => [metric, values.map((value, index) => value + (shift[metric] ?? 0) + noise[index])]),
  );
  return { moons: { seeds, metrics } };
}

function verdicts(table: MetricsTable, options = {}): Record<string, string> {
  const report = compareToBaseline(table, baseline, options);
  return Object.fromEntries(report.rows.map((row) => [row.metric, row.verdict]));
}

describe('compareToBaseline (non-inferiority per metric)', () => {
  it('passes a rerun within the margin: accuracy −1 point, loss +5%, gap +0.02 with small noise', () => {
    const noise = [0.001, -0.001, 0.002, -0.002, 0];
    expect(verdicts(shifted({ testAccuracy: -0.01, testLoss: 0.015, lossGap: 0.02 }, noise))).toEqual({ testAccuracy: 'ok', testLoss: 'ok', lossGap: 'ok' });
  });

  it('fails accuracy by absolute points, loss relatively and a grown gap once the regression is established', () => {
    const noise = [0.001, -0.001, 0.002, -0.002, 0];
    expect(verdicts(shifted({ testAccuracy: -0.05, testLoss: 0.06, lossGap: 0.1 }, noise))).toEqual({ testAccuracy: 'regressed', testLoss: 'regressed', lossGap: 'regressed' });
  });

  it('does not call noise or a change smaller than the margin "improved"; only an established improvement beyond it', () => {
    const noise = [0.002, -0.002, 0.002, -0.001, 0];
    expect(verdicts(shifted({}, noise)).testAccuracy).toBe('ok');
    // Consistently 1 point better: established, but within the 2-point margin, so just "ok".
    expect(verdicts(shifted({ testAccuracy: 0.01 })).testAccuracy).toBe('ok');
    expect(verdicts(shifted({ testAccuracy: 0.05, testLoss: -0.1, lossGap: -0.1 }, noise))).toEqual({ testAccuracy: 'improved', testLoss: 'improved', lossGap: 'improved' });
  });

  it('an interval straddling the margin is undecided; it passes by default and fails under undecided: fail', () => {
    // Worsening of accuracy per seed [0, 0.04, 0, 0.04, 0.02]: mean 0.02 = the margin ± a wide interval.
    const table = shifted({}, [0, 0, 0, 0, 0]);
    table.moons.metrics.testAccuracy = baseline.entries.moons.metrics.testAccuracy.map((value, index) => value - [0, 0.04, 0, 0.04, 0.01][index]);
    const lenient = compareToBaseline(table, baseline);
    const row = lenient.rows.find((candidate) => candidate.metric === 'testAccuracy')!;
    expect(row.verdict).toBe('undecided');
    expect(lenient.passed).toBe(true);
    expect(lenient.undecided).toBe(1);
    expect(formatCheckTable(lenient)).toMatch(/undecided: about \d+ more paired seeds \(baseline and run\) would decide/);
    const strict = compareToBaseline(table, baseline, { undecided: 'fail' });
    expect(strict.passed).toBe(false);
    expect(formatCheckTable(strict)).toMatch(/UNDECIDED: about \d+ more/);
    expect(formatCheckTable(strict)).toMatch(/check FAILED: 1 failing metric\(s\) out of 3; 1 undecided \(counted as failures: --undecided fail\)/);
  });

  it('uses Welch when the fresh seeds are not the baseline\'s', () => {
    const fresh: MetricsTable = { moons: { seeds: [11, 12, 13, 14, 15], metrics: shifted({}, [0.001, -0.001, 0.002, -0.002, 0]).moons.metrics } };
    const report = compareToBaseline(fresh, baseline);
    expect(report.rows.every((row) => row.test?.test === 'welch-t')).toBe(true);
    expect(report.passed).toBe(true);
  });

  it('fails when a metric or entry disappears, passes new ones', () => {
    const table = shifted({});
    delete table.moons.metrics.lossGap;
    table.circles = { seeds, metrics: { testAccuracy: constant(0.5) } };
    const report = compareToBaseline(table, baseline);
    expect(report.passed).toBe(false);
    expect(report.rows.find((row) => row.metric === 'lossGap')?.verdict).toBe('missing');
    expect(report.rows.find((row) => row.entry === 'circles')?.verdict).toBe('new');
  });

  it('renders a readable table with means, worsening and interval, margin, test and verdict', () => {
    const table = formatCheckTable(compareToBaseline(shifted({ testAccuracy: -0.1 }), baseline));
    expect(table).toMatch(/entry\s+metric\s+baseline\s+now\s+worsening \[90% CI\]\s+margin\s+test\s+verdict/);
    expect(table).toMatch(/moons\s+testAccuracy\s+0\.9000\s+0\.8000\s+0\.1000 \[0\.1000, 0\.1000\]\s+0\.0200 \(0\.02 abs\)\s+paired t, n=5\s+REGRESSED/);
    expect(table).toMatch(/check FAILED: 1 failing metric/);
  });

  it('writes JUnit XML with one failure per failing metric, undecided as skipped, escaping names', () => {
    const odd: Baseline = { ...baseline, entries: { 'a<b': { seeds, metrics: { testAccuracy: constant(0.9) } } } };
    const xml = toJUnitXml(compareToBaseline({ 'a<b': { seeds, metrics: { testAccuracy: constant(0.5) } } }, odd));
    expect(xml).toContain('<testsuites name="layerwise check" tests="1" failures="1">');
    expect(xml).toContain('classname="a&lt;b"');
    expect(xml).toContain('<failure message="baseline 0.9000, now 0.5000, worsening 0.4000 [0.4000, 0.4000], margin 0.0200');
    const undecided = toJUnitXml(compareToBaseline({ 'a<b': { seeds: [1], metrics: { testAccuracy: [0.9] } } }, odd));
    expect(undecided).toContain('failures="0" skipped="1"');
    expect(undecided).toMatch(/<skipped message="[^"]*undecided: about 1 more seeds per side would decide/);
  });

  it('the jest matcher applies the same rule and policy', () => {
    expect(shifted({})).toMatchBaseline(baseline);
    expect(shifted({ testAccuracy: -0.4 })).not.toMatchBaseline(baseline);
    const failure = toMatchBaseline(shifted({ testAccuracy: -0.4 }), baseline);
    expect(failure.message()).toMatch(/testAccuracy .* REGRESSED/);
    const single: MetricsTable = { moons: { seeds: [1], metrics: { testAccuracy: [0.9], testLoss: [0.3], lossGap: [0.1] } } };
    expect(single).toMatchBaseline(baseline);
    expect(single).not.toMatchBaseline(baseline, { undecided: 'fail' });
  });
});

describe('baseline files', () => {
  it('rejects malformed baselines naming the field', () => {
    expect(() => parseBaseline({ version: 3, entries: {} }, 'b.json')).toThrow('b.json.version = 3: expected 2');
    expect(() => parseBaseline({ version: 2, entries: { x: { seeds: [1], metrics: { acc: ['high'] } } } }, 'b.json')).toThrow(
      'b.json.entries.x.metrics.acc = ["high"]: expected 1 finite numbers, one per seed',
    );
    expect(() => parseBaseline({ version: 2, entries: { x: { testAccuracy: 0.9 } } }, 'b.json')).toThrow('b.json.entries.x.seeds');
    expect(() => parseBaseline({ version: 2, margins: { loss: { relative: -1 } }, entries: {} }, 'b.json')).toThrow(
      'b.json.margins.loss.relative = -1: expected a finite number >= 0',
    );
    expect(() => parseBaseline({ version: 2, alpha: 0.7, entries: {} }, 'b.json')).toThrow('b.json.alpha = 0.7: expected a number in (0, 0.5)');
  });

  it('refuses a format-1 (means only) baseline with how to regenerate it, and --update keeps its tolerances as margins', () => {
    const old = { version: 1, tolerances: { accuracy: { absolute: 0.03 } }, entries: { moons: { testAccuracy: 0.9 } } };
    expect(() => parseBaseline(old, 'gate.json')).toThrow(/gate.json.version = 1: this baseline stores means only .* --update/);
    const converted = parseBaseline(old, 'gate.json', { marginsOnly: true });
    expect(converted.margins).toEqual({ accuracy: { absolute: 0.03 } });
    expect(converted.entries).toEqual({});
  });

  it('round-trips through writeBaseline/readBaseline, and --update keeps margins, alpha and keys', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-check-'));
    const file = path.join(directory, 'baseline.json');
    const fresh: MetricsTable = { moons: { seeds: [1, 2], metrics: { testAccuracy: [0.95, 0.96] } } };
    writeBaseline(file, updatedBaseline(fresh, { ...baseline, alpha: 0.025, keys: 'selected' }));
    const reread = readBaseline(file);
    expect(reread.entries).toEqual(fresh);
    expect(reread.margins).toEqual(baseline.margins);
    expect(reread.alpha).toBe(0.025);
    expect(reread.keys).toBe('selected');
    fs.rmSync(directory, { recursive: true });
  });
});

describe('metricsFromTrials', () => {
  const final = (testAccuracy: number, validationLoss?: number) => ({
    epoch: 3,
    train: { loss: 0.1, accuracy: 1 },
    ...(validationLoss === undefined ? {} : { validation: { loss: validationLoss, accuracy: 0.9 } }),
    test: { loss: 0.3, accuracy: testAccuracy },
    penalty: 0,
    penaltyPerLayer: {},
    weightNorms: {},
    lossGap: 0.2,
    accuracyGap: 1 - testAccuracy,
    seconds: 1,
  });
  const trial = (args: { seed: number; testAccuracy: number; arm?: string; l2?: number; validationLoss?: number; state?: TrialRecord['state'] }): TrialRecord => ({
    trialId: `t${args.arm ?? 'uniform'}${args.l2 ?? 0.001}-${args.seed}`,
    configId: `c${args.arm ?? 'uniform'}${args.l2 ?? 0.001}`,
    sweepName: 's',
    arm: args.arm ?? 'uniform',
    index: 0,
    params: { l2: args.l2 ?? 0.001 },
    seed: args.seed,
    state: args.state ?? 'complete',
    attempts: 1,
    epochs: [],
    final: final(args.testAccuracy, args.validationLoss),
  });

  it('keeps every completed seed per grid point, in seed order, and ignores failed ones', () => {
    const table = metricsFromTrials([trial({ seed: 2, testAccuracy: 0.9 }), trial({ seed: 1, testAccuracy: 0.8 }), trial({ seed: 3, testAccuracy: 0.1, state: 'failed' })]);
    expect(Object.keys(table)).toEqual(['uniform/l2=0.001']);
    expect(table['uniform/l2=0.001'].seeds).toEqual([1, 2]);
    expect(table['uniform/l2=0.001'].metrics.testAccuracy).toEqual([0.8, 0.9]);
    expect(table['uniform/l2=0.001'].metrics.lossGap).toEqual([0.2, 0.2]);
  });

  it('names sampled sweeps by role: each arm\'s validation-selected configuration is `arm/selected`, whatever its floats', () => {
    const trials = [
      // uniform: l2=0.0012345678 has the lower mean validation loss, so it is selected.
      trial({ seed: 1, testAccuracy: 0.8, l2: 0.0012345678, validationLoss: 0.2 }),
      trial({ seed: 2, testAccuracy: 0.82, l2: 0.0012345678, validationLoss: 0.3 }),
      trial({ seed: 1, testAccuracy: 0.7, l2: 0.1, validationLoss: 0.4 }),
      trial({ seed: 2, testAccuracy: 0.71, l2: 0.1, validationLoss: 0.4 }),
      trial({ seed: 1, testAccuracy: 0.9, arm: 'per-layer', l2: 0.00987654, validationLoss: 0.1 }),
    ];
    const table = metricsFromTrials(trials, 'selected');
    expect(Object.keys(table)).toEqual(['per-layer/selected', 'uniform/selected']);
    expect(table['uniform/selected'].metrics.testAccuracy).toEqual([0.8, 0.82]);
    // A sampler that proposes 0.0012345679 instead gives the same entry names, so checks compare like with like.
    const resampled = trials.map((record) => (record.params.l2 === 0.0012345678 ? { ...record, params: { l2: 0.0012345679 } } : record));
    expect(Object.keys(metricsFromTrials(resampled, 'selected'))).toEqual(Object.keys(table));
  });

  it('leaves evaluation re-runs (fresh seeds) out: they neither select nor add seeds', () => {
    const selection = [
      trial({ seed: 1, testAccuracy: 0.8, l2: 0.01, validationLoss: 0.3 }),
      trial({ seed: 1, testAccuracy: 0.7, l2: 0.1, validationLoss: 0.4 }),
    ];
    // A re-run of l2=0.1 on fresh seed 4 with a validation loss that would win the selection if it counted.
    const evaluation: TrialRecord = { ...trial({ seed: 4, testAccuracy: 0.99, l2: 0.1, validationLoss: 0.01 }), trialId: 'eval-4', role: 'evaluation' };
    const table = metricsFromTrials([...selection, evaluation], 'selected');
    expect(table['uniform/selected']).toMatchObject({ seeds: [1], metrics: { testAccuracy: [0.8] } });
    expect(metricsFromTrials([...selection, evaluation])['uniform/l2=0.1'].seeds).toEqual([1]);
  });

  it('refuses `selected` without validation losses, pointing to --entries configurations', () => {
    expect(() => metricsFromTrials([trial({ seed: 1, testAccuracy: 0.8 })], 'selected')).toThrow(/--entries = "selected": arm\(s\) uniform .* --entries configurations/);
  });
});
