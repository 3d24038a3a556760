/**
 * A trial's summary shares one snapshot object for its final and best epochs when they hold the
 * same numbers (a large sweep's report keeps 100,000 summaries: the saving is about a sixth of
 * their memory), and keeps two when they differ; either way the values are those of `snapshotOf`
 * of the epoch concerned, whatever the input (full record, digest, or the store's summary).
 */
import { digestTrial, snapshotOf, summarizeTrial } from '../../../lib/sweep/selection/trial-summary';
import { summarize } from '../../../lib/sweep/storage/trial-summary';
import type { TrialRecord } from '../../../lib/sweep/record';
import type { EpochRecord } from '../../../lib/train/record';

const epoch = (n: number, validation: number): EpochRecord => ({
  epoch: n,
  train: { loss: 0.5 / n, accuracy: 0.8 },
  validation: { loss: validation, accuracy: 0.7 },
  test: { loss: validation + 0.01, accuracy: 0.69 },
  penalty: 0.01,
  penaltyPerLayer: { 'dense_1.kernel': 0.01 },
  weightNorms: { 'dense_1/kernel': 2 },
  seconds: 0.1,
});

const record = (epochs: EpochRecord[], final: EpochRecord | undefined): TrialRecord => ({
  trialId: 't', configId: 'c', sweepName: 's', arm: 'uniform', index: 0, params: { l2: 0.01 }, seed: 1, state: 'complete', attempts: 1, epochs, ...(final ? { final } : {}),
});

test.each([
  ['full record', (r: TrialRecord) => r],
  ['digest', (r: TrialRecord) => digestTrial(r)],
  ['store summary', (r: TrialRecord) => summarize(r)],
] as const)('%s: final = best epoch gives one shared snapshot; a different best epoch gives its own', (_name, view) => {
  const falling = [epoch(1, 0.9), epoch(2, 0.6), epoch(3, 0.4)];
  const same = summarizeTrial(view(record(falling, falling[2])));
  expect(same.final).toEqual(snapshotOf(falling[2]));
  expect(same.best).toBe(same.final);

  const rising = [epoch(1, 0.9), epoch(2, 0.3), epoch(3, 0.5)];
  const differ = summarizeTrial(view(record(rising, rising[2])));
  expect(differ.final).toEqual(snapshotOf(rising[2]));
  expect(differ.best).toEqual(snapshotOf(rising[1]));
  expect(differ.best).not.toBe(differ.final);
});
