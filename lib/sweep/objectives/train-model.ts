/**
 * The `train` objective: what a real layerwise trial does. It builds the definition's model spec
 * with the seed, applies the arm's regularization policy (uniform or per-layer L1 / L2 / L1L2
 * kernel penalties, L1 / L2 activity penalties and/or decoupled weight decay), trains it with the
 * seed on the definition's data split, and returns the per-epoch records. Selection reads validation loss only; the test split is measured, never used
 * to choose.
 *
 * Definition fields it reads:
 *   model:    a ModelSpec (lib/builders/spec.ts: mlp, cnn, rnn)
 *             | { keras: "model.keras" | "model.json", initialWeights?: "file" | "seed", task? }
 *             | { registered: "name", task?, ...parameters }   (see trial-model.ts).
 *   data:     { dataset: "moons" | "digits" | "moons:samples=1000,noise=0.3" | ... (or a --module's registerDataset),
 *               | csv: { path, target, features?, delimiter?, task?, header? }  (lib/sweep/objectives/csv-data.ts),
 *               | npy: { x, y } | npz: { path, x?, y? } | idx: { images, labels, pixels? }  (file-data.ts),
 *               split: { validation?, test?, seed?, stratify? }        (random split, same for every trial)
 *                    | { ordered: true, train, validation? }          (first N train, the rest test),
 *               standardize?: boolean (fit on train only; default false) }
 *   training: TrainOptions fields that are plain data: epochs, batchSize, optimizer,
 *             earlyStopping, evaluateEvery, evaluationBatchSize.
 * Shared search dimensions it understands: `learningRate` (overrides training.optimizer's) and
 * `batchSize`.
 */
import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../../backend';
import { validateModelSpec } from '../../builders';
import { checkDefinitionModelFitsData } from './model-fits-data';
import { checkModelDefinition, createTrialModel, modelInputShape, modelKind, modelLayerNames } from './trial-model';
import type { ModelSpec, TaskKind } from '../../builders/spec';
import { splitDataset, splitOrdered, standardizeSplits, toTrainingData } from '../../data';
import type { DatasetSplits } from '../../data';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { applyPolicy, perLayer, uniform, weightDecayRates } from '../../policy';
import type { LayerSettings, Policy } from '../../policy';
import { l1, l1l2, l2 } from '../../regularizers';
import type { RegularizerSpec } from '../../regularizers';
import { resolveOptimizerSpec, train } from '../../train';
import type { OptimizerSpec, TrainData, TrainOptions } from '../../train';
import { armCoefficients, armSpace, Coefficients } from '../arms';
import { asDataField, dataSourceName, loadDefinitionData } from './file-data';
import type { ArmDefinition, PenaltyName, SweepDefinition } from '../definition';
import type { ParameterValues } from '../record';
import type { Dimension } from '../space';
import type { TrialInput, TrialObjective, TrialOutcome, TrialContext } from '../objective';

const TRAINING_FIELDS = ['epochs', 'batchSize', 'optimizer', 'earlyStopping', 'evaluateEvery', 'evaluationBatchSize'] as const;
const SHARED_PARAMETERS = ['learningRate', 'batchSize'];

function checkPositiveInteger(value: unknown, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected an integer >= 1`);
  }
}

/** Checks the training options before any trial runs, so a typo fails the sweep once, not every trial. */
function checkTraining(training: Record<string, unknown>): void {
  for (const key of Object.keys(training)) {
    if (!(TRAINING_FIELDS as readonly string[]).includes(key)) {
      throw new LayerwiseConfigError(`training.${key}`, `: unknown field; allowed: ${TRAINING_FIELDS.join(', ')}`);
    }
  }
  checkPositiveInteger(training.epochs, 'training.epochs');
  checkPositiveInteger(training.batchSize, 'training.batchSize');
  checkPositiveInteger(training.evaluateEvery, 'training.evaluateEvery');
  checkPositiveInteger(training.evaluationBatchSize, 'training.evaluationBatchSize');
  if (training.optimizer !== undefined) resolveOptimizerSpec(training.optimizer as OptimizerSpec, 'training.optimizer');
  const earlyStopping = training.earlyStopping;
  if (earlyStopping !== undefined && (earlyStopping === null || typeof earlyStopping !== 'object' || Array.isArray(earlyStopping))) {
    throw new LayerwiseConfigError('training.earlyStopping', `= ${describeValue(earlyStopping)}: expected {patience, restoreBestWeights?, minDelta?}`);
  }
}

/** The definition's split, identical for every trial (its seed belongs to the data, not to the trial). */
export function splitFor(definition: Pick<SweepDefinition, 'data'>): DatasetSplits {
  const dataset = loadDefinitionData(definition.data);
  const split = (definition.data.split ?? {}) as Record<string, unknown>;
  const splits = asDataField('data.split', (): DatasetSplits => {
    if (split.ordered === true) {
      return splitOrdered(dataset, { train: split.train as number, validation: split.validation as number | undefined });
    }
    return splitDataset(dataset, {
      validation: (split.validation as number | undefined) ?? 0.2,
      test: (split.test as number | undefined) ?? 0.2,
      seed: (split.seed as number | undefined) ?? 0,
      stratify: (split.stratify as boolean | undefined) ?? true,
    });
  });
  return definition.data.standardize === true ? standardizeSplits(splits).splits : splits;
}

/** The coupled penalty of a pair of L1 / L2 coefficients: L1, L2, or L1L2 when both are given. */
function penaltySpec(l1Value: number | undefined, l2Value: number | undefined): RegularizerSpec | undefined {
  if (l1Value !== undefined && l2Value !== undefined) return l1l2({ l1: l1Value, l2: l2Value });
  if (l1Value !== undefined) return l1({ l1: l1Value });
  if (l2Value !== undefined) return l2({ l2: l2Value });
  return undefined;
}

/**
 * The regularization policy an arm's sampled coefficients describe: `l1`/`l2` on the kernel slots
 * (L1L2 when both), decoupled `weightDecay`, and `activityL1`/`activityL2` on the layers' outputs.
 * A uniform arm without `layers` reaches every layer; with activity penalties that is every layer's
 * output (selector `*`).
 */
export function policyForCoefficients(penalties: Partial<Record<PenaltyName, Coefficients>>): Policy {
  const present = Object.values(penalties).filter((coefficients): coefficients is Coefficients => coefficients !== undefined);
  const everyLayerShared = present.every((coefficients) => coefficients.kind === 'uniform' && coefficients.layers === undefined);
  const uniformValue = (name: PenaltyName): number | undefined => {
    const coefficients = penalties[name];
    return coefficients?.kind === 'uniform' ? coefficients.value : undefined;
  };
  const hasActivity = penalties.activityL1 !== undefined || penalties.activityL2 !== undefined;
  if (everyLayerShared && !hasActivity) {
    return uniform({ regularizer: penaltySpec(uniformValue('l1'), uniformValue('l2')), weightDecay: uniformValue('weightDecay') });
  }
  // Per layer (selector → coefficient per penalty); a uniform arm without layers uses `*`.
  const values: Record<string, Partial<Record<PenaltyName, number>>> = {};
  for (const [name, coefficients] of Object.entries(penalties) as Array<[PenaltyName, Coefficients | undefined]>) {
    if (coefficients === undefined) continue;
    const entries: Array<[string, number]> =
      coefficients.kind === 'uniform' ? (coefficients.layers ?? ['*']).map((layer) => [layer, coefficients.value]) : Object.entries(coefficients.values);
    for (const [layer, value] of entries) values[layer] = { ...values[layer], [name]: value };
  }
  const settings: Record<string, LayerSettings> = {};
  for (const [layer, coefficients] of Object.entries(values)) {
    const entry: LayerSettings = {};
    const kernel = penaltySpec(coefficients.l1, coefficients.l2);
    if (kernel !== undefined) entry.regularizer = kernel;
    if (coefficients.weightDecay !== undefined) entry.weightDecay = coefficients.weightDecay;
    const activity = penaltySpec(coefficients.activityL1, coefficients.activityL2);
    if (activity !== undefined) entry.activity = activity;
    settings[layer] = entry;
  }
  return perLayer({ layers: settings });
}

function optimizerFor(training: Record<string, unknown>, learningRate: unknown): OptimizerSpec | string | undefined {
  const configured = training.optimizer as OptimizerSpec | string | undefined;
  if (learningRate === undefined) return configured;
  const base: Record<string, unknown> = typeof configured === 'string' || configured === undefined ? { name: configured ?? 'adam' } : { ...configured };
  return { ...base, learningRate: Number(learningRate) } as unknown as OptimizerSpec;
}

export const trainModelObjective: TrialObjective = {
  validate(definition: SweepDefinition): void {
    checkModelDefinition(definition.model);
    // Loads and splits once, so a bad data source or split fails before any trial runs.
    const train = splitFor(definition).train;
    const layerNames = modelLayerNames(definition.model, train);
    for (const [armIndex, arm] of definition.arms.entries()) {
      for (const [layerIndex, layer] of (arm.layers ?? []).entries()) {
        if (!layerNames.includes(layer)) {
          throw new LayerwiseConfigError(
            `arms[${armIndex}].layers[${layerIndex}]`,
            ` = ${describeValue(layer)}: no such layer in the model; layers are ${layerNames.join(', ')}`,
          );
        }
      }
    }
    for (const name of Object.keys(definition.space)) {
      if (!SHARED_PARAMETERS.includes(name)) {
        throw new LayerwiseConfigError(`space.${name}`, `: the train objective understands only ${SHARED_PARAMETERS.join(', ')}`);
      }
    }
    checkTraining(definition.training);
    // A split without validation is allowed for fixed-grid studies (every setting is reported,
    // none is selected); the reporter selects only on validation and says so when there is none.
    checkDefinitionModelFitsData(definition.model, train, dataSourceName(definition.data));
  },

  async run(input: TrialInput, context: TrialContext): Promise<TrialOutcome> {
    const setup = await trialSetup(input.definition, input.arm, input.params, input.seed);
    try {
      const result = await train(setup.model, setup.data, {
        ...setup.options,
        signal: context.signal,
        onEpochEnd: async (record) => ((await context.onEpoch(record)) ? 'stop' : undefined),
      });
      const outcome: TrialOutcome = {
        status: result.status,
        epochs: result.epochs,
        final: result.final,
        divergedAtEpoch: result.divergedAtEpoch,
        backend: result.backend ?? activeBackend()?.name ?? tf.getBackend(),
        trainingPath: result.trainingPath,
      };
      if (result.generalPathReason !== undefined) outcome.generalPathReason = result.generalPathReason;
      return outcome;
    } finally {
      setup.dispose();
    }
  },

  /**
   * Seconds per training step of this sweep's model on the active backend, as a trial spends them:
   * the first arm's model (coefficients at the middle of their ranges: the value does not change
   * the cost, the presence of a penalty does) trained as a trial trains it (same batch size,
   * optimizer, penalties, training path, per-epoch measurement of every split) on the first
   * batches of the train split, with validation and test cut in the same proportion. Per-epoch
   * measurement is counted because on a small model it costs more than the steps, and it is
   * where per-op overhead (the native backend's weakness) shows. One untimed warm-up epoch, then
   * {@link TIMED_STEPS} steps or more, timed as a whole.
   */
  async timeSteps(definition: SweepDefinition): Promise<{ secondsPerStep: number; steps: number }> {
    const arm = definition.arms[0];
    const params: ParameterValues = {};
    for (const [name, dimension] of Object.entries(armSpace(definition, arm))) params[name] = middleOf(dimension);
    const setup = await trialSetup(definition, arm, params, 0);
    const rows = setup.data.train.x.shape[0];
    const batchSize = Math.min(rows, setup.options.batchSize ?? rows);
    const batchesPerEpoch = Math.min(Math.ceil(rows / batchSize), MAX_STEPS_PER_EPOCH);
    const used = Math.min(rows, batchesPerEpoch * batchSize);
    const fraction = used / rows;
    const timedEpochs = Math.max(MIN_TIMED_EPOCHS, Math.ceil(TIMED_STEPS / batchesPerEpoch));
    const cut = (split: { x: tf.Tensor; y: tf.Tensor } | undefined, count: number) =>
      split === undefined ? undefined : { x: tf.slice(split.x, 0, count), y: tf.slice(split.y, 0, count) };
    const proportional = (split: { x: tf.Tensor } | undefined): number => (split === undefined ? 0 : Math.max(1, Math.round(split.x.shape[0] * fraction)));
    const subset: TrainData = tf.tidy(() => {
      const data: TrainData = { train: cut(setup.data.train, used)! };
      if (setup.data.validation !== undefined) data.validation = cut(setup.data.validation, proportional(setup.data.validation));
      if (setup.data.test !== undefined) data.test = cut(setup.data.test, proportional(setup.data.test));
      return data as unknown as tf.TensorContainer;
    }) as unknown as TrainData;
    try {
      const options: TrainOptions = { ...setup.options, earlyStopping: undefined };
      await train(setup.model, subset, { ...options, epochs: 1 });
      const started = performance.now();
      await train(setup.model, subset, { ...options, epochs: timedEpochs });
      const steps = batchesPerEpoch * timedEpochs;
      return { secondsPerStep: (performance.now() - started) / 1000 / steps, steps };
    } finally {
      tf.dispose(subset as unknown as tf.TensorContainer);
      setup.dispose();
    }
  },
};

/** `data` with every split's features reshaped to [n, ...sampleShape] (the flat tensors are disposed). */
function reshapedFor(sampleShape: number[], data: TrainData): TrainData {
  if (sampleShape.length === 1) return data;
  const reshape = (pair: { x: tf.Tensor; y: tf.Tensor }): { x: tf.Tensor; y: tf.Tensor } => {
    const x = tf.reshape(pair.x, [pair.x.shape[0], ...sampleShape]);
    pair.x.dispose();
    return { x, y: pair.y };
  };
  const result: TrainData = { train: reshape(data.train) };
  if (data.validation !== undefined) result.validation = reshape(data.validation);
  if (data.test !== undefined) result.test = reshape(data.test);
  return result;
}

/** Timed steps per backend at least (after one warm-up epoch). */
const TIMED_STEPS = 24;
/** Batches of one timing epoch at most (a large data set is cut to its first batches). */
const MAX_STEPS_PER_EPOCH = 8;
/** Timed epochs at least. */
const MIN_TIMED_EPOCHS = 3;

/** A value in the middle of a dimension (geometric middle for log scales). */
function middleOf(dimension: Dimension): number | string | boolean {
  switch (dimension.type) {
    case 'choice':
      return dimension.values[0];
    case 'uniform':
      return (dimension.low + dimension.high) / 2;
    case 'logUniform':
      return Math.sqrt(dimension.low * dimension.high);
    case 'int':
      return dimension.low;
  }
}

/**
 * The model, data and train options of one trial; `dispose()` frees the model and the tensors.
 * Builder specs are built with the arm's regularizers; a Keras file's or a registered factory's
 * model is made (trial-model.ts) and the arm's policy applied to a copy. The features are
 * reshaped to the model's input shape ([n, h, w, c] for a CNN, [n, timesteps, features] for a
 * recurrent model), row-major.
 */
async function trialSetup(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues, seed: number): Promise<{ model: tf.LayersModel; data: TrainData; options: TrainOptions; dispose(): void }> {
  const { penalties, shared } = armCoefficients(arm, params);
  const policy = policyForCoefficients(penalties);
  const splits = splitFor(definition);
  let model: tf.LayersModel;
  let task: TaskKind;
  if (modelKind(definition.model) === 'builder') {
    const spec = validateModelSpec(definition.model) as ModelSpec;
    model = applyPolicy(spec, policy, { seed });
    task = spec.task;
  } else {
    const created = await createTrialModel(definition.model, seed, splits.train);
    try {
      model = applyPolicy(created.model, policy);
    } finally {
      created.model.dispose();
    }
    task = created.task;
  }
  let data: TrainData;
  try {
    data = reshapedFor(modelInputShape(model), toTrainingData(splits, { labels: task === 'binary' ? 'binary' : task === 'multiclass' ? 'oneHot' : 'auto', layout: 'flat' }));
  } catch (error) {
    model.dispose();
    throw error;
  }
  const training = definition.training as Record<string, unknown>;
  const options: TrainOptions = {
    seed,
    epochs: training.epochs as number | undefined,
    batchSize: shared.batchSize !== undefined ? Number(shared.batchSize) : (training.batchSize as number | undefined),
    optimizer: optimizerFor(training, shared.learningRate) as TrainOptions['optimizer'],
    earlyStopping: training.earlyStopping as TrainOptions['earlyStopping'],
    evaluateEvery: training.evaluateEvery as number | undefined,
    evaluationBatchSize: training.evaluationBatchSize as number | undefined,
    weightDecay: penalties.weightDecay !== undefined ? weightDecayRates(policy, model) : undefined,
  };
  return {
    model,
    data,
    options,
    dispose: () => {
      model.dispose();
      tf.dispose(data as unknown as tf.TensorContainer);
    },
  };
}
