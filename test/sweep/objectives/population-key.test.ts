/**
 * `packsTogether` (lib/sweep/objectives/population-key.ts): whether 'auto' keeps the ready trials
 * of one population key in one job or spreads them over the workers, by the cost model's rule
 * `members × parameters × batch ≤ workers × PACK_LIMIT_PER_WORKER[backend]` (limits from the
 * population table in docs/benchmarks.md). Expected answers are computed by hand below.
 */
import { fromConfig } from '../../../lib/sweep/definition-config';
import { PACK_LIMIT_PER_WORKER, packsTogether } from '../../../lib/sweep/objectives/population-key';
import type { SweepDefinition } from '../../../lib/sweep/definition';

function definition(hidden: number[], inputSize: number, outputSize: number, batchSize: number): SweepDefinition {
  return fromConfig({
    name: 'pack',
    objective: 'train',
    model: { type: 'mlp', inputSize, hidden, outputSize, activation: 'relu', task: outputSize === 1 ? 'binary' : 'multiclass' },
    data: { dataset: 'moons:samples=100,seed=1' },
    training: { epochs: 2, batchSize },
    arms: [{ name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } }],
    budget: 2,
    seeds: [1],
  });
}

const pack = (def: SweepDefinition, members: number, workers: number, backend?: 'tensorflow' | 'cpu' | 'wasm'): boolean =>
  packsTogether(def, def.arms[0], { l2: 1e-3 }, members, workers, backend);

describe('packsTogether', () => {
  // README MLP 2-16-16-1: (2+1)·16 + (16+1)·16 + (16+1)·1 = 337 parameters; batch 32 → 10,784 per member.
  const readme = definition([16, 16], 2, 1, 32);
  // Mid-size 20-64-32-16-3: 1,344 + 2,080 + 528 + 51 = 4,003 parameters; batch 64 → 256,192 per member.
  const mid = definition([64, 32, 16], 20, 3, 64);

  test('the README MLP packs on the native backend up to 2e6 / 10,784 = 185 members on 2 workers', () => {
    expect(PACK_LIMIT_PER_WORKER.tensorflow).toBe(1e6);
    expect(pack(readme, 6, 2, 'tensorflow')).toBe(true);
    expect(pack(readme, 36, 2, 'tensorflow')).toBe(true);
    expect(pack(readme, 185, 2, 'tensorflow')).toBe(true);
    expect(pack(readme, 186, 2, 'tensorflow')).toBe(false);
  });

  test('the mid-size MLP packs up to 7 members on the native backend (7 × 256,192 ≤ 2e6 < 8 × 256,192), never on pure JS', () => {
    expect(pack(mid, 7, 2, 'tensorflow')).toBe(true);
    expect(pack(mid, 8, 2, 'tensorflow')).toBe(false);
    expect(pack(mid, 2, 2, 'cpu')).toBe(false);
  });

  test('pure JS: the README MLP packs 6 (64,704 ≤ 66,667) but not 7 members on 2 workers', () => {
    expect(pack(readme, 6, 2, 'cpu')).toBe(true);
    expect(pack(readme, 7, 2, 'cpu')).toBe(false);
    expect(pack(readme, 6, 2, 'wasm')).toBe(true);
  });

  test('no backend known, one worker or one member: spread (false)', () => {
    expect(pack(readme, 6, 2, undefined)).toBe(false);
    expect(pack(readme, 6, 1, 'tensorflow')).toBe(false);
    expect(pack(readme, 1, 2, 'tensorflow')).toBe(false);
  });
});
