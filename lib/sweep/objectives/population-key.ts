/**
 * Which trials of the `train` objective can train as one population (lib/train/population), decided
 * from the definition alone (no model is built): the key is equal for trials that share the
 * model, the data, the training settings except the learning rate, and the batch size; it is
 * undefined, with the reason, where the population path does not cover the trial.
 *
 * Covered: builder MLPs (`model.type: "mlp"`), with or without dropout (the definition's or the
 * arm's rate, which may differ between members) and batch normalization, without separate
 * activation layers; arms whose penalties are `l1`, `l2`,
 * `kernelL1`, `kernelL2`, `biasL1`, `biasL2`, `activityL1`, `activityL2` and `weightDecay` (a penalty one member lacks is a
 * zero coefficient, so a uniform arm and a per-layer arm share a population); optimizers Adam
 * (AMSGrad too), AdamW, SGD/momentum, RMSprop and Adagrad. The learning rate (the `learningRate` dimension or the
 * optimizer's) may differ between members. The trainer checks the built models again
 * (`planPopulation`) and trains the members alone when they do not fit after all.
 */
import type { ArmDefinition, SweepDefinition } from '../definition';
import { armCoefficients } from '../arms';
import type { ParameterValues } from '../record';
import type { BackendName } from '../../backend/names';

/** Arm penalties the population path applies. */
export const POPULATION_PENALTIES: readonly string[] = ['l1', 'l2', 'kernelL1', 'kernelL2', 'biasL1', 'biasL2', 'activityL1', 'activityL2', 'weightDecay'];

/** Optimizers the population path runs (lib/train/population/population-optimizer.ts), AMSGrad included. */
export const POPULATION_OPTIMIZERS: readonly string[] = ['adam', 'adamw', 'sgd', 'momentum', 'rmsprop', 'adagrad'];

/** The population key of a trial, or why it trains alone. */
export type PopulationSupport = { key: string; reason?: undefined } | { key: undefined; reason: string };

function withoutLearningRate(optimizer: unknown): unknown {
  if (optimizer === undefined || typeof optimizer === 'string') return { name: optimizer ?? 'adam' };
  const { learningRate: _ignored, ...rest } = optimizer as Record<string, unknown>;
  void _ignored;
  return rest;
}

/**
 * Memory a population may take for its own copies (the members' epoch batches, weights, Adam
 * moments, gradients and activations): 256 MiB, far below a worker's heap, so packing trials never
 * risks a crash the trials alone would not have.
 */
export const POPULATION_MEMORY_BYTES = 256 * 1024 * 1024;

/** Widths of a builder MLP, input first (undefined when the model is not one). */
function mlpWidths(model: Record<string, unknown>): number[] | undefined {
  if (model.type !== 'mlp' || !Array.isArray(model.hidden)) return undefined;
  return [Number(model.inputSize), ...(model.hidden as number[]).map(Number), Number(model.outputSize)];
}

/**
 * The most members one population of this definition may have, by memory: per member the epoch's
 * batches (train rows × (features + outputs)), four copies of the parameters (weights, gradient,
 * Adam's two moments) and the activations of the largest measured split (rows × Σ widths), in
 * float32, within {@link POPULATION_MEMORY_BYTES}. `rows`: the training rows (the largest split).
 * At least 1.
 */
export function maxPopulationMembers(definition: SweepDefinition, rows: number): number {
  const widths = mlpWidths(definition.model as Record<string, unknown>);
  if (widths === undefined) return 1;
  const parameters = widths.slice(1).reduce((sum, width, index) => sum + (widths[index] + 1) * width, 0);
  const perMember = 4 * (rows * (widths[0] + widths[widths.length - 1]) + 4 * parameters + rows * widths.reduce((sum, width) => sum + width, 0));
  return Math.max(1, Math.floor(POPULATION_MEMORY_BYTES / perMember));
}

/** Selectors that address Dense layers only in a builder MLP (its Dense layers are `dense_<k>` and `output`). */
const DENSE_SELECTOR = /^(dense_\d+|output|Dense)$/;

/**
 * The selectors of an arm's activity penalties that may reach a layer other than a Dense one of a
 * builder MLP with BatchNormalization or Dropout layers: a uniform arm without `layers` puts the
 * penalty on every layer (`*`, Keras semantics: those layers' outputs too), which neither the lean
 * Dense-stack pass nor the population path covers.
 */
function activityBeyondDense(penalties: ReturnType<typeof armCoefficients>['penalties']): string[] {
  const selectors: string[] = [];
  for (const name of ['activityL1', 'activityL2'] as const) {
    const coefficients = penalties[name];
    if (coefficients === undefined) continue;
    if (coefficients.kind === 'uniform') selectors.push(...(coefficients.layers ?? ['*']));
    else for (const key of Object.keys(coefficients.values)) selectors.push(...(coefficients.groups?.[key] ?? [key]));
  }
  return [...new Set(selectors.filter((selector) => !DENSE_SELECTOR.test(selector)))];
}

/** The population key of the trial (definition, arm, sampled parameters), or the reason it has none. */
export function populationSupport(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues): PopulationSupport {
  const no = (reason: string): PopulationSupport => ({ key: undefined, reason });
  const model = definition.model as Record<string, unknown>;
  if (model.type !== 'mlp') return no(`the model is not a builder MLP (model.type ${JSON.stringify(model.type ?? null)})`);
  if (model.activationLayers === true) return no('the MLP has separate activation layers');
  const { penalties, shared, dropout } = armCoefficients(arm, params);
  const unsupported = Object.keys(penalties).filter((name) => !POPULATION_PENALTIES.includes(name));
  if (unsupported.length > 0) return no(`arm "${arm.name}" has ${unsupported.join(', ')} (the population path applies ${POPULATION_PENALTIES.join(', ')})`);
  const otherLayers = model.batchNormalization === true || Number(model.dropout ?? 0) > 0 || (dropout ?? 0) > 0;
  const beyondDense = otherLayers ? activityBeyondDense(penalties) : [];
  if (beyondDense.length > 0) {
    return no(`arm "${arm.name}" puts activity penalties on layers ${beyondDense.map((selector) => JSON.stringify(selector)).join(', ')}, which may be BatchNormalization or Dropout layers (the population path covers activity penalties on Dense layers: select them with "Dense", "dense_<k>" or "output")`);
  }
  const training = definition.training as Record<string, unknown>;
  const optimizer = withoutLearningRate(training.optimizer) as Record<string, unknown>;
  const name = String(optimizer.name ?? 'adam').toLowerCase();
  if (!POPULATION_OPTIMIZERS.includes(name)) return no(`optimizer ${name} is not on the population path (${POPULATION_OPTIMIZERS.join(', ')} are)`);
  const batchSize = shared.batchSize !== undefined ? Number(shared.batchSize) : training.batchSize;
  return {
    key: JSON.stringify({ objective: 'train', model, data: definition.data, training: { ...training, optimizer, batchSize: batchSize ?? null } }),
  };
}

/**
 * Largest `members × parameters × batch` for which one population on one worker beats spreading
 * the members over several workers, per backend (docs/benchmarks.md, "Packing ready trials").
 *
 * Cost model (population table): one epoch of a population of K costs `a + K·c` on its worker,
 * `a` the epoch's kernel calls (shared), `c` each member's own arithmetic. Spreading K members over
 * S workers saves `K·c·(1 − 1/S)` of wall time per epoch but adds `(S − 1)·a` of CPU time (every
 * worker pays the kernel calls again), on cores the coordinator (IPC, journal, sampler) and any
 * other load also need. So pack while the members' arithmetic per worker is at most the shared
 * part, `K·c / S ≤ a`, i.e. `K · c/a ≤ S`. From the measured cells, c/a per member grows with
 * parameters × batch: native backend 1.3e-6 (README 2-16-16-1, 337 × 32: c/a = 0.15/10.8) and
 * 6.5e-7 (mid 20-64-32-16-3, 4,003 × 64: 5/30), taken as 1e-6; pure JS 2.7e-5 (README: 5/17) and
 * 3.6e-6 (mid: 420/450), taken as the larger, 3e-5 (tfjs-cpu's per-op work grows with size too).
 * With S = 2: native 2e6, JS (cpu, wasm) 6.7e4 member-parameter-batch products.
 */
export const PACK_LIMIT_PER_WORKER: Readonly<Record<BackendName, number>> = {
  tensorflow: 1e6,
  cpu: 1 / 3e-5,
  wasm: 1 / 3e-5,
};

/**
 * Whether `members` trials of this definition (one population key) train faster as one population
 * on one worker than spread over `workers` workers, by the cost model of
 * {@link PACK_LIMIT_PER_WORKER}: `members × parameters × batch ≤ workers × limit(backend)`. False
 * when the backend is unknown, the model is not a builder MLP, or there is one worker or member.
 */
export function packsTogether(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues, members: number, workers: number, backend?: BackendName): boolean {
  if (backend === undefined || members < 2 || workers < 2) return false;
  const widths = mlpWidths(definition.model as Record<string, unknown>);
  if (widths === undefined) return false;
  const parameters = widths.slice(1).reduce((sum, width, index) => sum + (widths[index] + 1) * width, 0);
  const { shared } = armCoefficients(arm, params);
  const training = definition.training as Record<string, unknown>;
  const batch = Number(shared.batchSize ?? training.batchSize ?? 32);
  return members * parameters * batch <= workers * PACK_LIMIT_PER_WORKER[backend];
}
