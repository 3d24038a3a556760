import { AshaPruner, MedianPruner } from '../../lib/sweep/pruners';
import type { TrialCurve } from '../../lib/sweep/pruners';

const complete = (trialId: string, validationLosses: number[]): TrialCurve => ({ trialId, state: 'complete', validationLosses });

describe('median pruner', () => {
  const others = [complete('a', [1.0, 0.8, 0.6]), complete('b', [1.0, 0.6, 0.5]), complete('c', [1.0, 0.7, 0.4])];

  test('prunes a trial whose best so far is worse than the median at that epoch', () => {
    const pruner = new MedianPruner({ startupTrials: 3, warmupEpochs: 1 });
    // Median at epoch 2 of {0.8, 0.6, 0.7} is 0.7.
    expect(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [1.0, 0.75], others })).toBe(true);
    expect(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [1.0, 0.65], others })).toBe(false);
  });

  test('waits for warm-up epochs and startup trials', () => {
    expect(new MedianPruner({ startupTrials: 3, warmupEpochs: 2 }).shouldPrune({ trialId: 't', epoch: 2, validationLosses: [9, 9], others })).toBe(false);
    expect(new MedianPruner({ startupTrials: 4, warmupEpochs: 0 }).shouldPrune({ trialId: 't', epoch: 2, validationLosses: [9, 9], others })).toBe(false);
  });

  test('counts earlier trials that reached the epoch whether or not they have finished (their state depends on timing)', () => {
    const running: TrialCurve[] = others.map((curve) => ({ ...curve, state: 'running' }));
    const pruner = new MedianPruner({ startupTrials: 1 });
    expect(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [9, 9], others: running })).toBe(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [9, 9], others }));
    expect(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [9, 9], others: running })).toBe(true);
  });

  test('decides only after the warm-up epochs (the loop waits for earlier trials only there)', () => {
    const pruner = new MedianPruner({ warmupEpochs: 2 });
    expect([1, 2, 3].map((epoch) => pruner.decidesAt(epoch))).toEqual([false, false, true]);
  });
});

describe('ASHA pruner', () => {
  test('rungs at minEpochs·η^k', () => {
    const pruner = new AshaPruner({ minEpochs: 1, reductionFactor: 3 });
    expect([1, 2, 3, 4, 9, 10].map((epoch) => pruner.isRung(epoch))).toEqual([true, false, true, false, true, false]);
  });

  test('continues only the top 1/η at a rung, among every trial that reached it', () => {
    const pruner = new AshaPruner({ minEpochs: 1, reductionFactor: 3 });
    const others = [0.5, 0.6, 0.7, 0.8, 0.9].map((loss, position) => complete(`o${position}`, [loss]));
    // 6 values at the rung (5 others + this one): the best floor(6/3) = 2 continue.
    expect(pruner.shouldPrune({ trialId: 't', epoch: 1, validationLosses: [0.4], others })).toBe(false);
    expect(pruner.shouldPrune({ trialId: 't', epoch: 1, validationLosses: [0.55], others })).toBe(false);
    expect(pruner.shouldPrune({ trialId: 't', epoch: 1, validationLosses: [0.65], others })).toBe(true);
    // Not a rung: never pruned there.
    expect(pruner.shouldPrune({ trialId: 't', epoch: 2, validationLosses: [0.55, 5], others })).toBe(false);
    // The first trial to reach a rung continues; a NaN never does.
    expect(pruner.shouldPrune({ trialId: 't', epoch: 1, validationLosses: [3], others: [] })).toBe(false);
    expect(pruner.shouldPrune({ trialId: 't', epoch: 1, validationLosses: [NaN], others: [] })).toBe(true);
  });
});
