/**
 * Issue 18, item 1: samplers get their history incrementally. SamplerHistory must give exactly
 * what `observationsOf` computes from every record (the runner's former per-proposal pass), in the
 * same order and with the same sums, so adaptive proposals do not change.
 */
import seedrandom from 'seedrandom';
import { observationsOf } from '../../../lib/sweep/runner';
import { SamplerHistory } from '../../../lib/sweep/samplers/history';
import type { TrialRecord, TrialState } from '../../../lib/sweep/record';

const STATES: TrialState[] = ['waiting', 'running', 'complete', 'complete', 'pruned', 'diverged', 'failed'];

function record(random: () => number, n: number, state: TrialState): TrialRecord {
  const config = Math.floor(random() * 12);
  const arm = random() < 0.5 ? 'uniform' : 'per-layer';
  const loss = random() < 0.1 ? NaN : random();
  const final = state === 'waiting' || state === 'running' ? undefined : { epoch: 3, train: { loss: 1 }, validation: { loss }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };
  return { trialId: `t${n}`, configId: `${arm}-c${config}`, sweepName: 's', arm, index: config, params: { l2: config / 100 }, seed: n % 3, state, attempts: 1, epochs: [], ...(final ? { final } : {}) };
}

test('incremental observations equal observationsOf over all records after every update (random interleaving of claims and finishes, seeded)', () => {
  const random = seedrandom('history');
  const records = new Map<string, TrialRecord>();
  const history = new SamplerHistory();
  const open: string[] = [];
  let next = 0;
  for (let step = 0; step < 600; step++) {
    let updated: TrialRecord;
    if (open.length > 0 && random() < 0.5) {
      // An open trial finishes (or is requeued): same id, new state.
      const trialId = open.splice(Math.floor(random() * open.length), 1)[0];
      const known = records.get(trialId)!;
      const state = STATES[2 + Math.floor(random() * 5)];
      updated = { ...record(random, Number(trialId.slice(1)), state), configId: known.configId, arm: known.arm, params: known.params };
    } else {
      updated = record(random, next++, STATES[Math.floor(random() * STATES.length)]);
      if (updated.state === 'waiting' || updated.state === 'running') open.push(updated.trialId);
    }
    records.set(updated.trialId, updated);
    history.see(updated);
    for (const arm of ['uniform', 'per-layer']) expect(history.observations(arm)).toEqual(observationsOf([...records.values()], arm));
  }
  expect(history.observations('uniform').length).toBeGreaterThan(5);
});

test('a finished trial seen again is not counted twice, and an unchanged arm returns the same array (no recomputation)', () => {
  const history = new SamplerHistory();
  const done: TrialRecord = { trialId: 't1', configId: 'c1', sweepName: 's', arm: 'a', index: 0, params: { l2: 1 }, seed: 0, state: 'complete', attempts: 1, epochs: [], final: { epoch: 1, train: { loss: 1 }, validation: { loss: 0.5 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 } };
  history.see(done);
  const first = history.observations('a');
  history.see(done);
  expect(history.observations('a')).toBe(first);
  expect(first).toEqual([{ params: { l2: 1 }, value: 0.5 }]);
  history.see({ ...done, trialId: 't2', arm: 'b' });
  expect(history.observations('a')).toBe(first);
});

test('with a plan position, observations do not depend on the order trials finish in; belowIndex keeps the lower configurations', () => {
  const finished = (trialId: string, index: number, seed: number, loss: number): TrialRecord => ({ trialId, configId: `c${index}`, sweepName: 's', arm: 'a', index, params: { l2: index }, seed, state: 'complete', attempts: 1, epochs: [], final: { epoch: 1, train: { loss: 1 }, validation: { loss }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 } });
  // Losses whose float sum depends on the order they are added in: (0.1 + 0.2) + 0.3 !== 0.1 + (0.2 + 0.3).
  const trials = [finished('t0', 0, 1, 0.1), finished('t1', 0, 2, 0.2), finished('t2', 0, 3, 0.3), finished('t3', 1, 1, 0.5), finished('t4', 2, 1, 0.7)];
  const position = (trial: { index: number; seed: number }): number => trial.index * 3 + (trial.seed - 1);
  const inOrder = new SamplerHistory({ position });
  for (const trial of trials) inOrder.see(trial);
  const reversed = new SamplerHistory({ position });
  for (const trial of [...trials].reverse()) reversed.see(trial);
  expect(reversed.observations('a')).toEqual(inOrder.observations('a'));
  expect(inOrder.observations('a').map((observation) => observation.params.l2)).toEqual([0, 1, 2]);
  expect(inOrder.observations('a')[0].value).toBe((0.1 + 0.2 + 0.3) / 3);
  expect(inOrder.observations('a', 2).map((observation) => observation.params.l2)).toEqual([0, 1]);
  expect(inOrder.observations('a', 0)).toEqual([]);
  // Without a position, first-seen order: the reversed history lists configuration 2 first.
  const firstSeen = new SamplerHistory();
  for (const trial of [...trials].reverse()) firstSeen.see(trial);
  expect(firstSeen.observations('a').map((observation) => observation.params.l2)).toEqual([2, 1, 0]);
});
