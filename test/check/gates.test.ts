/**
 * The CI gates: the healthy moons gate passes against the committed baseline, and deliberately
 * degraded models fail it on accuracy. The moons gate is the cheapest one (6 trials of a 2-64-1 MLP
 * on 30 points, ~5 s native, ~10 s cpu); the full `ci` gate runs in .ci/run.
 */
import * as path from 'path';
import { Baseline, compareToBaseline, readBaseline } from '../../lib/check';
import { GATE_SEEDS, gateNames, runGate } from '../../lib/check/gates';

const BASELINE_FILE = path.resolve(__dirname, '../../experiments/baselines/gate.json');

/** The committed baseline restricted to one gate's entries (the file holds the `ci` gate: moons/ and circles/). */
function baselineFor(prefix: string): Baseline {
  const baseline = readBaseline(BASELINE_FILE);
  return { ...baseline, entries: Object.fromEntries(Object.entries(baseline.entries).filter(([entry]) => entry.startsWith(`${prefix}/`))) };
}

describe('CI gates', () => {
  test('names the gates the CLI offers and rejects unknown ones with the list', async () => {
    expect(gateNames()).toEqual(['moons', 'circles', 'ci']);
    await expect(runGate('nope')).rejects.toThrow('unknown gate; available: moons, circles, ci');
  });

  test('the committed baseline covers both gates with per-seed values and stated margins', () => {
    const baseline = readBaseline(BASELINE_FILE);
    expect(Object.keys(baseline.entries).sort()).toEqual([
      'circles/after-relu',
      'circles/before-relu',
      'circles/none',
      'moons/hidden-l2/l2=0',
      'moons/hidden-l2/l2=0.001',
      'moons/hidden-l2/l2=0.1',
    ]);
    for (const entry of Object.values(baseline.entries)) {
      expect(entry.seeds).toEqual([...GATE_SEEDS]);
      expect(entry.metrics.testAccuracy).toHaveLength(GATE_SEEDS.length);
    }
    expect(baseline.margins.accuracy).toEqual({ absolute: 0.03, direction: 'higher-is-better' });
    expect(baseline.margins.loss.relative).toBe(0.1);
    expect(baseline.margins.gap.absolute).toBe(0.05);
    expect(baseline.alpha).toBe(0.05);
  });

  test('the healthy moons gate passes against the committed baseline, every metric decided', async () => {
    const metrics = await runGate('moons');
    const report = compareToBaseline(metrics, baselineFor('moons'), { undecided: 'fail' });
    expect(report.rows.filter((row) => row.failing)).toEqual([]);
    expect(report.rows.every((row) => row.test?.test === 'paired-t' && row.test.n.pairs === GATE_SEEDS.length)).toBe(true);
    expect(report.passed).toBe(true);
    expect(report.rows).toHaveLength(15); // 3 entries × 5 metrics, none missing or new
  });

  test('a model with one hidden unit fails the gate on test accuracy', async () => {
    const report = compareToBaseline(await runGate('moons', undefined, { hiddenUnits: 1 }), baselineFor('moons'));
    expect(report.passed).toBe(false);
    const accuracyRegressions = report.rows.filter((row) => row.metric === 'testAccuracy' && row.verdict === 'regressed');
    // The unregularized and L2(1e-3) baselines are ~94% accurate; one ReLU unit cannot bend around the moons.
    expect(accuracyRegressions.map((row) => row.entry)).toEqual(expect.arrayContaining(['moons/hidden-l2/l2=0', 'moons/hidden-l2/l2=0.001']));
  });

  test('a learning rate of 0 (nothing trains) fails the gate on every entry', async () => {
    const report = compareToBaseline(await runGate('moons', undefined, { learningRate: 0, epochs: 20 }), baselineFor('moons'));
    expect(report.passed).toBe(false);
    const regressedEntries = new Set(report.rows.filter((row) => row.verdict === 'regressed').map((row) => row.entry));
    expect([...regressedEntries].sort()).toEqual(['moons/hidden-l2/l2=0', 'moons/hidden-l2/l2=0.001', 'moons/hidden-l2/l2=0.1']);
  });
});
