/**
 * The sampler-based proposer and staged proposers (lib/sweep/loop): which trials are ready given
 * what the view knows, without running anything.
 */
import { LoopView } from '../../../lib/sweep/loop/view';
import { SamplerProposer } from '../../../lib/sweep/loop/sampler-proposer';
import { StagedProposer } from '../../../lib/sweep/loop/proposer';
import { createSampler } from '../../../lib/sweep/samplers';
import type { TrialRecord } from '../../../lib/sweep/record';
import type { TrialSpec } from '../../../lib/sweep/storage/storage';
import { sweepDefinition } from '../fixtures/definitions';

function finish(view: LoopView, spec: TrialSpec, loss = 1): void {
  const epoch = { epoch: 1, train: { loss }, validation: { loss }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };
  view.see({ ...spec, state: 'complete', attempts: 1, epochs: [epoch], final: epoch } as TrialRecord);
}

const indices = (trials: readonly TrialSpec[]): string[] => [...new Set(trials.map((trial) => `${trial.arm}:${trial.index}`))];

test('TPE start-up configurations are proposed at once; model-based ones wait for every lower index of their arm', () => {
  const definition = sweepDefinition({ budget: 4, sampler: { type: 'tpe', seed: 1, startupTrials: 2 } });
  const proposer = new SamplerProposer({ definition, sampler: createSampler(definition.sampler) });
  const view = new LoopView(definition);
  let proposal = proposer.next(view);
  expect(indices(proposal.trials)).toEqual(['uniform:0', 'per-layer:0', 'uniform:1', 'per-layer:1']);
  expect(proposal.done).toBe(false);
  // Index 0 of the uniform arm finished, index 1 not yet: index 2 still waits.
  for (const trial of proposal.trials.filter((spec) => spec.arm === 'uniform' && spec.index === 0)) finish(view, trial);
  proposal = proposer.next(view);
  expect(indices(proposal.trials)).toEqual(['per-layer:0', 'uniform:1', 'per-layer:1']);
  for (const trial of proposal.trials.filter((spec) => spec.arm === 'uniform' && spec.index === 1)) finish(view, trial);
  proposal = proposer.next(view);
  expect(indices(proposal.trials)).toEqual(['per-layer:0', 'per-layer:1', 'uniform:2']);
});

test('random sampler: every trial is ready at once; done when all are finished', () => {
  const definition = sweepDefinition({ budget: 3 });
  const proposer = new SamplerProposer({ definition, sampler: createSampler(definition.sampler) });
  const view = new LoopView(definition);
  const proposal = proposer.next(view);
  expect(proposal.trials).toHaveLength(12);
  expect(proposer.total).toBe(12);
  for (const trial of proposal.trials) finish(view, trial);
  expect(proposer.next(view)).toEqual({ trials: [], done: true });
});

test('a staged proposer asks the next stage only once the stage before it is done, and may add trials', () => {
  const definition = sweepDefinition({ budget: 1 });
  const selection = new SamplerProposer({ definition, sampler: createSampler(definition.sampler) });
  const extra: TrialSpec = { ...selection.next(new LoopView(definition)).trials[0], trialId: 'evaluation-1', seed: 99 };
  let asked = 0;
  const evaluation = {
    next: (view: LoopView) => {
      asked++;
      return view.finished('evaluation-1') ? { trials: [], done: true } : { trials: [extra], done: false };
    },
    proposed: () => (asked > 0 ? [extra] : []),
  };
  const staged = new StagedProposer([selection, evaluation]);
  const view = new LoopView(definition);
  const first = staged.next(view);
  expect(first.trials.map((trial) => trial.trialId)).not.toContain('evaluation-1');
  expect(asked).toBe(0);
  for (const trial of first.trials) finish(view, trial);
  expect(staged.next(view).trials.map((trial) => trial.trialId)).toEqual(['evaluation-1']);
  finish(view, extra);
  expect(staged.next(view).done).toBe(true);
  expect(staged.proposed().map((trial) => trial.trialId)).toContain('evaluation-1');
});
