/** The regression gate's comparison, formatting and baseline validation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Baseline,
  compareToBaseline,
  formatCheckTable,
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

const baseline: Baseline = {
  version: 1,
  tolerances: {
    accuracy: { absolute: 0.02 },
    loss: { relative: 0.1 },
    gap: { absolute: 0.05 },
  },
  entries: { moons: { testAccuracy: 0.9, testLoss: 0.3, lossGap: 0.1 } },
};

function verdicts(now: Record<string, number>): Record<string, string> {
  const report = compareToBaseline({ moons: now }, baseline);
  return Object.fromEntries(report.rows.map((row) => [row.metric, row.verdict]));
}

describe('compareToBaseline', () => {
  it('passes within tolerance and at its edge', () => {
    // accuracy 0.88 is exactly 2 points down; loss 0.33 is exactly 10% up; gap 0.15 is exactly +0.05.
    expect(verdicts({ testAccuracy: 0.88, testLoss: 0.33, lossGap: 0.15 })).toEqual({ testAccuracy: 'ok', testLoss: 'ok', lossGap: 'ok' });
  });

  it('fails accuracy by absolute points, loss relatively and a grown gap', () => {
    expect(verdicts({ testAccuracy: 0.87, testLoss: 0.3, lossGap: 0.1 }).testAccuracy).toBe('regressed');
    expect(verdicts({ testAccuracy: 0.9, testLoss: 0.331, lossGap: 0.1 }).testLoss).toBe('regressed');
    expect(verdicts({ testAccuracy: 0.9, testLoss: 0.3, lossGap: 0.16 }).lossGap).toBe('regressed');
  });

  it('never fails an improvement', () => {
    expect(verdicts({ testAccuracy: 0.99, testLoss: 0.01, lossGap: -0.2 })).toEqual({ testAccuracy: 'improved', testLoss: 'improved', lossGap: 'improved' });
  });

  it('fails when a metric or entry disappears, passes new ones', () => {
    const report = compareToBaseline({ moons: { testAccuracy: 0.9, testLoss: 0.3 }, circles: { testAccuracy: 0.5 } }, baseline);
    expect(report.passed).toBe(false);
    expect(report.rows.find((row) => row.metric === 'lossGap')?.verdict).toBe('missing');
    expect(report.rows.find((row) => row.entry === 'circles')?.verdict).toBe('new');
  });

  it('renders a readable diff with metric, baseline, now, tolerance and verdict', () => {
    const table = formatCheckTable(compareToBaseline({ moons: { testAccuracy: 0.8, testLoss: 0.3, lossGap: 0.1 } }, baseline));
    expect(table).toMatch(/entry\s+metric\s+baseline\s+now\s+tolerance\s+verdict/);
    expect(table).toMatch(/moons\s+testAccuracy\s+0\.9000\s+0\.8000\s+0\.02 abs\s+REGRESSED/);
    expect(table).toMatch(/check FAILED: 1 regression/);
  });

  it('writes JUnit XML with one failure per regression, escaping names', () => {
    const xml = toJUnitXml(compareToBaseline({ 'a<b': { testAccuracy: 0.5 } }, { ...baseline, entries: { 'a<b': { testAccuracy: 0.9 } } }));
    expect(xml).toContain('<testsuites name="layerwise check" tests="1" failures="1">');
    expect(xml).toContain('classname="a&lt;b"');
    expect(xml).toContain('<failure message="baseline 0.9000, now 0.5000');
  });

  it('the jest matcher applies the same rule', () => {
    expect({ moons: { testAccuracy: 0.9, testLoss: 0.3, lossGap: 0.1 } }).toMatchBaseline(baseline);
    expect({ moons: { testAccuracy: 0.5, testLoss: 0.3, lossGap: 0.1 } }).not.toMatchBaseline(baseline);
    const failure = toMatchBaseline({ moons: { testAccuracy: 0.5, testLoss: 0.3, lossGap: 0.1 } }, baseline);
    expect(failure.message()).toMatch(/testAccuracy .* REGRESSED/);
  });
});

describe('baseline files', () => {
  it('rejects malformed baselines naming the field', () => {
    expect(() => parseBaseline({ version: 2, entries: {} }, 'b.json')).toThrow('b.json.version = 2: expected 1');
    expect(() => parseBaseline({ version: 1, entries: { x: { acc: 'high' } } }, 'b.json')).toThrow('b.json.entries.x.acc = "high": expected a finite number');
    expect(() => parseBaseline({ version: 1, tolerances: { loss: { relative: -1 } }, entries: {} }, 'b.json')).toThrow(
      'b.json.tolerances.loss.relative = -1: expected a finite number >= 0',
    );
  });

  it('round-trips through writeBaseline/readBaseline, and --update keeps tolerances', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-check-'));
    const file = path.join(directory, 'baseline.json');
    writeBaseline(file, updatedBaseline({ moons: { testAccuracy: 0.95 } }, baseline));
    const reread = readBaseline(file);
    expect(reread.entries).toEqual({ moons: { testAccuracy: 0.95 } });
    expect(reread.tolerances).toEqual(baseline.tolerances);
    fs.rmSync(directory, { recursive: true });
  });
});

describe('metricsFromTrials', () => {
  const final = (testAccuracy: number) => ({
    epoch: 3,
    train: { loss: 0.1, accuracy: 1 },
    test: { loss: 0.3, accuracy: testAccuracy },
    penalty: 0,
    penaltyPerLayer: {},
    weightNorms: {},
    lossGap: 0.2,
    accuracyGap: 1 - testAccuracy,
    seconds: 1,
  });
  const trial = (seed: number, testAccuracy: number, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
    trialId: `t${seed}`,
    configId: 'c',
    sweepName: 's',
    arm: 'uniform',
    index: 0,
    params: { l2: 0.001 },
    seed,
    state,
    attempts: 1,
    epochs: [],
    final: final(testAccuracy),
  });

  it('averages completed seeds per configuration and ignores failed ones', () => {
    const table = metricsFromTrials([trial(1, 0.8), trial(2, 0.9), trial(3, 0.1, 'failed')]);
    expect(Object.keys(table)).toEqual(['uniform l2=0.001']);
    expect(table['uniform l2=0.001'].testAccuracy).toBeCloseTo(0.85, 12);
    expect(table['uniform l2=0.001'].lossGap).toBeCloseTo(0.2, 12);
  });
});
