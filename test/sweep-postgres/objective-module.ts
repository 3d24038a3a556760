/**
 * An objective module as a user writes one for `--objective-module`: it registers `test-quadratic`
 * (the objective of the fixtures' sweeps) as a TrialObjective, two epochs of `epochOf` values.
 */
import { registerObjective } from '../../lib/sweep/objective';
import type { EpochRecord } from '../../lib/train/record';
import { epochOf } from './fixtures';

registerObjective('test-quadratic', {
  async run(input, context) {
    const epochs: EpochRecord[] = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      const record = epochOf(Number(input.params.l2), epoch);
      epochs.push(record);
      await context.onEpoch(record);
    }
    return { status: 'complete', epochs, final: epochs[epochs.length - 1], backend: 'none' };
  },
});
