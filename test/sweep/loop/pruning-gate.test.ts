/**
 * The deterministic pruning gate (lib/sweep/loop/pruning-gate.ts): a decision at epoch e waits for
 * every earlier trial of the arm (plan order) to report epoch e or finish, then reads exactly those.
 */
import { LoopView } from '../../../lib/sweep/loop/view';
import { PruningGate } from '../../../lib/sweep/loop/pruning-gate';
import { MedianPruner } from '../../../lib/sweep/pruners';
import type { TrialRecord } from '../../../lib/sweep/record';
import type { TrialStorage } from '../../../lib/sweep/storage/storage';
import type { EpochRecord } from '../../../lib/train/record';
import { sweepDefinition } from '../fixtures/definitions';

const definition = sweepDefinition({ budget: 3, seeds: [11, 22] });
const epochOf = (epoch: number, loss: number): EpochRecord => ({ epoch, train: { loss }, validation: { loss }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 });
const trial = (trialId: string, index: number, seed = 11): TrialRecord => ({ trialId, configId: `c${index}`, sweepName: definition.name, arm: 'uniform', index, params: {}, seed, state: 'waiting', attempts: 0, epochs: [] });
const noStore = {} as TrialStorage;

function setup(): { view: LoopView; gate: PruningGate } {
  const view = new LoopView(definition);
  const gate = new PruningGate({ pruner: new MedianPruner({ startupTrials: 1, warmupEpochs: 1 }), view, storage: noStore, shared: false, pollMs: 10_000 });
  return { view, gate };
}

test('waits for the earlier trial to report the epoch, then decides from its value only', async () => {
  const { view, gate } = setup();
  const earlier = trial('a', 0);
  const later = trial('b', 1);
  for (const record of [earlier, later]) view.see(record);
  view.startAttempt('a', 1);
  view.startAttempt('b', 1);
  view.epoch('b', 1, epochOf(1, 5));
  view.epoch('b', 1, epochOf(2, 5));
  const blocked: boolean[] = [];
  let answered = false;
  const decision = gate.shouldPrune({ trial: later, epoch: 2, signal: new AbortController().signal, onBlocked: (value) => blocked.push(value) }).then((prune) => {
    answered = true;
    return prune;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(answered).toBe(false);
  // The earlier trial runs here: waiting for it holds the slot (not "waiting for an unclaimed trial").
  expect(blocked).toEqual([false]);
  view.epoch('a', 1, epochOf(1, 1));
  view.epoch('a', 1, epochOf(2, 1));
  // Median of the earlier values at epoch 2 is 1; the later trial's best so far is 5: pruned.
  expect(await decision).toBe(true);
});

test('an earlier trial that finished without reaching the epoch is left out; a later trial never counts', async () => {
  const { view, gate } = setup();
  const first = trial('a', 0);
  const second = trial('b', 0, 22);
  const third = trial('c', 1);
  view.see({ ...first, state: 'pruned', epochs: [epochOf(1, 1)] });
  view.see(second);
  view.see(third);
  view.startAttempt('b', 1);
  view.startAttempt('c', 1);
  view.epoch('c', 1, epochOf(1, 0.1));
  view.epoch('c', 1, epochOf(2, 0.1));
  // Deciding for 'b' (index 0, second seed): 'a' is earlier but finished at epoch 1; 'c' is later. Nothing to compare with: no pruning, no wait.
  view.epoch('b', 1, epochOf(1, 9));
  view.epoch('b', 1, epochOf(2, 9));
  expect(await gate.shouldPrune({ trial: second, epoch: 2, signal: new AbortController().signal, onBlocked: () => undefined })).toBe(false);
});

test('no wait where the pruner cannot prune (warm-up); an earlier trial waiting in the store frees the slot', async () => {
  const { view, gate } = setup();
  const earlier = trial('a', 0);
  const later = trial('b', 1);
  view.see(earlier);
  view.see(later);
  view.startAttempt('b', 1);
  view.epoch('b', 1, epochOf(1, 5));
  expect(await gate.shouldPrune({ trial: later, epoch: 1, signal: new AbortController().signal, onBlocked: () => undefined })).toBe(false);
  view.epoch('b', 1, epochOf(2, 5));
  const blocked: boolean[] = [];
  const stop = new AbortController();
  const decision = gate.shouldPrune({ trial: later, epoch: 2, signal: stop.signal, onBlocked: (value) => blocked.push(value) });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(blocked).toEqual([true]);
  stop.abort();
  // Stopped while waiting: the answer is "stop the trial".
  expect(await decision).toBe(true);
  expect(blocked[blocked.length - 1]).toBe(false);
});
