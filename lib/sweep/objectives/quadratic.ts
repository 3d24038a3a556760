/**
 * `synthetic.quadratic`: a training-free objective for trying the sweep machinery (and for the
 * benchmark). Each numeric parameter p contributes (log10 p − target)² for penalty coefficients
 * and (p − target)² otherwise; the curve decays over epochs toward that value plus seeded noise.
 * Deterministic in (parameters, seed). Training options read: `epochs` (default 5),
 * `target` (default -3, the log10 of the best coefficient), `noise` (default 0.01),
 * `workMilliseconds` (busy CPU time per epoch, default 0).
 */
import type { EpochRecord } from '../../train/record';
import { seededStream } from '../samplers/sampler';
import type { TrialContext, TrialInput, TrialObjective, TrialOutcome } from '../objective';

function busyWait(milliseconds: number): void {
  const end = Date.now() + milliseconds;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
}

export const quadraticObjective: TrialObjective = {
  async run(input: TrialInput, context: TrialContext): Promise<TrialOutcome> {
    const training = input.definition.training as { epochs?: number; target?: number; noise?: number; workMilliseconds?: number };
    const epochs = training.epochs ?? 5;
    const target = training.target ?? -3;
    const noise = training.noise ?? 0.01;
    const random = seededStream('quadratic', input.seed, input.configId);
    let distance = 0;
    for (const [name, value] of Object.entries(input.params)) {
      if (typeof value !== 'number') continue;
      const isCoefficient = name.startsWith('l2') || name.startsWith('weightDecay');
      distance += isCoefficient ? (Math.log10(value) - target) ** 2 : (value - target) ** 2;
    }
    const records: EpochRecord[] = [];
    let status: TrialOutcome['status'] = 'complete';
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (context.signal.aborted) break;
      const started = Date.now();
      if (training.workMilliseconds) busyWait(training.workMilliseconds);
      const decay = Math.exp(-epoch / 2);
      const trainLoss = 0.1 + 0.5 * decay + 0.05 * distance + noise * random();
      const validationLoss = 0.15 + 0.5 * decay + 0.1 * distance + noise * random();
      const testLoss = validationLoss + noise * random();
      const record: EpochRecord = {
        epoch,
        train: { loss: trainLoss },
        validation: { loss: validationLoss },
        test: { loss: testLoss },
        penalty: 0,
        penaltyPerLayer: {},
        weightNorms: {},
        lossGap: testLoss - trainLoss,
        seconds: (Date.now() - started) / 1000,
      };
      records.push(record);
      if (await context.onEpoch(record)) {
        status = 'pruned';
        break;
      }
    }
    return { status, epochs: records, final: records[records.length - 1], backend: 'none' };
  },
};
