/**
 * pairedAgainstReference (experiments/paired-table.ts): per-seed differences against a reference
 * setting with 95% t-intervals. Records are built by hand; expected intervals are computed in the
 * comments (t(0.975, 2) = 4.302653 from tables).
 */
import { pairedAgainstReference } from '../../experiments/paired-table';
import type { TrialRecord } from '../../lib/sweep';

function record(setting: string, seed: number, testLoss: number, testAccuracy = 0.9): TrialRecord {
  return {
    trialId: `${setting}-${seed}`,
    configId: setting,
    sweepName: 'paired',
    arm: setting,
    index: 0,
    params: {},
    seed,
    state: 'complete',
    attempts: 1,
    epochs: [],
    final: { epoch: 1, train: { loss: 0, accuracy: 1 }, test: { loss: testLoss, accuracy: testAccuracy }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 },
  } as TrialRecord;
}

const metrics = [
  { name: 'test loss', of: (r: TrialRecord) => r.final?.test?.loss, lowerIsBetter: true },
  { name: 'test accuracy', of: (r: TrialRecord) => r.final?.test?.accuracy, lowerIsBetter: false },
];

test('differences, intervals and the reading follow the paired seeds', () => {
  const records = [
    // reference: loss 0.5 on every seed
    ...[1, 2, 3].map((seed) => record('ref', seed, 0.5)),
    // clearly better: −0.1, −0.11, −0.12 → mean −0.11, sd 0.01, half-width 4.302653·0.01/√3 = 0.02484
    ...[1, 2, 3].map((seed) => record('good', seed, 0.5 - 0.1 - (seed - 1) / 100)),
    // noisy: +0.1, −0.1, 0 → mean 0, interval contains 0
    ...[1, 2, 3].map((seed) => record('noisy', seed, 0.5 + [0.1, -0.1, 0][seed - 1])),
  ];
  const text = pairedAgainstReference(records, (r) => r.arm, 'ref', metrics);
  expect(text).toContain('| good | -0.11 [-0.135, -0.0852] | 0 [0, 0] | 3 |');
  expect(text).toContain('better than ref on test loss: good');
  expect(text).not.toContain('noisy;');
  expect(text).toContain('not corrected for the 2 comparisons');
});

test('only seeds both settings completed are paired, and no interval excluding zero reads as no evidence', () => {
  const records = [record('ref', 1, 0.5), record('ref', 2, 0.6), record('other', 1, 0.55), record('other', 2, 0.62), record('other', 3, 0.1)];
  const text = pairedAgainstReference(records, (r) => r.arm, 'ref', metrics);
  // Seeds 1 and 2 only: differences 0.05, 0.02 → mean 0.035; seed 3 (0.1) has no reference.
  expect(text).toContain('| other | 0.035 [');
  expect(text).toContain('| 2 |');
  expect(text).toContain('no evidence of a difference from ref at this number of seeds');
});
