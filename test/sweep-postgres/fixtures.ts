/**
 * Small deterministic sweeps and objectives for the PostgreSQL store tests: no training, just a
 * known loss per configuration so results can be checked exactly.
 */
import type { SweepDefinition } from '../../lib/sweep/definition';
import type { EpochRecord } from '../../lib/train/record';
import type { OpenSweepArgs, TrialSpec } from '../../lib/sweep/storage/storage';
import type { WorkerObjective } from '../../lib/sweep/postgres/run-worker';

export function definitionOf(name: string, retries = 2): SweepDefinition {
  return {
    name,
    objective: 'test-quadratic',
    model: {},
    data: { dataset: 'none' },
    training: {},
    space: {},
    arms: [{ name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } as never } }],
    budget: 1,
    seeds: [0],
    sampler: { type: 'grid', seed: 0 },
    pruning: { type: 'none' },
    execution: { retries },
  };
}

export function openArgs(name: string, retries = 2): OpenSweepArgs {
  return { definition: definitionOf(name, retries), fingerprint: `fp-${name}-${retries}` };
}

/** `count` trials with l2 = (i + 1) / 1000 and seed i. */
export function trialsOf(sweepName: string, count: number): TrialSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    trialId: `${sweepName}-t${String(index).padStart(3, '0')}`,
    configId: `${sweepName}-c${index}`,
    sweepName,
    arm: 'uniform',
    index,
    params: { l2: (index + 1) / 1000 },
    seed: index,
  }));
}

/** The loss the test objective reports for `l2` at `epoch`: (l2·1000 − 3)² + 1/epoch. */
export function expectedLoss(l2: number, epoch: number): number {
  return (l2 * 1000 - 3) ** 2 + 1 / epoch;
}

export function epochOf(l2: number, epoch: number): EpochRecord {
  return { epoch, train: { loss: expectedLoss(l2, epoch) }, validation: { loss: expectedLoss(l2, epoch) }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };
}

/** Deterministic objective: `epochs` epochs of `epochMs` each, reported one by one; stops when the pruner says so. */
export function quadraticObjective(epochs: number, epochMs: number): WorkerObjective {
  return async (trial, context) => {
    const l2 = Number(trial.params.l2);
    const records: EpochRecord[] = [];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      await new Promise((resolve) => setTimeout(resolve, epochMs));
      if (context.signal.aborted) throw new Error('aborted');
      const record = epochOf(l2, epoch);
      records.push(record);
      // Pruned by the sweep's pruner: stop here, as a training objective does.
      if (await context.reportEpoch(record)) return { state: 'pruned', epochs: records, final: record, runStatus: 'pruned', backend: 'none', seconds: (epoch * epochMs) / 1000 };
    }
    return { state: 'complete', epochs: records, final: records[records.length - 1], runStatus: 'complete', backend: 'none', seconds: (epochs * epochMs) / 1000 };
  };
}
