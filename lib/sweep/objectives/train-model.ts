/**
 * The `train` objective: what a real layerwise trial does. It builds the definition's model with
 * the seed, applies the arm's regularization policy (the arm is a template, lib/sweep/arms.ts: any
 * slot × L1 / L2 / L1L2 / orthogonal, activity penalties, decoupled weight decay, uniform, per
 * selector or per tied group, plus a builder spec's dropout rate), trains it with the seed on the
 * definition's data split, and returns the per-epoch records. Selection reads validation loss
 * only; the test split is measured, never used to choose. `validate` checks every arm against the
 * built model before any trial (selectors match, groups are disjoint, every penalty reaches a weight).
 *
 * Definition fields it reads:
 *   model:    a ModelSpec (lib/builders/spec.ts: mlp, cnn, rnn)
 *             | { keras: "model.keras" | "model.json", initialWeights?: "file" | "seed", task? }
 *             | { registered: "name", task?, ...parameters }   (see trial-model.ts).
 *   data:     { dataset: "moons" | "digits" | "moons:samples=1000,noise=0.3" | ... (or a --module's registerDataset),
 *               | csv: { path, target (string, or a list for regression), features?, delimiter?, task?, header? }  (csv-data.ts),
 *               | npy: { x, y, task? } | npz: { path, x?, y?, task? } | idx: { images, labels, pixels? }  (file-data.ts),
 *               split: { validation?, test?, seed?, stratify? }        (random split, same for every trial)
 *                    | { ordered: true, train, validation? }          (first N train, the rest test),
 *               standardize?: boolean (features, fit on train only; default false),
 *               standardizeTargets?: boolean (regression targets, fit on train only; default false) }
 *             csv, npy and npz take `task: "regression"` for numeric targets (the model's task must be
 *             "regression"; metrics are MSE as the loss and MAE, no accuracy).
 *   training: TrainOptions fields that are plain data: epochs, batchSize, optimizer,
 *             earlyStopping, evaluateEvery, evaluationBatchSize.
 * Shared search dimensions it understands: `learningRate` (overrides training.optimizer's) and
 * `batchSize`.
 */
import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../../backend';
import { validateModelSpec } from '../../builders';
import { checkDefinitionModelFitsData } from './model-fits-data';
import { checkModelDefinition, createTrialModel, modelForChecks, modelInputShape, modelKind } from './trial-model';
import type { ModelSpec, TaskKind } from '../../builders/spec';
import { splitDataset, splitOrdered, standardizeSplits, toTrainingData } from '../../data';
import type { Dataset } from '../../data';
import type { DatasetSplits } from '../../data';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { addressableLayers, applyPolicy, perLayer, resolvePolicy, uniform, weightDecayRates } from '../../policy';
import { matchSelector, parseSelector } from '../../policy/selectors';
import type { LayerSettings, Policy } from '../../policy';
import { l1, l1l2, l2, orthogonal } from '../../regularizers';
import type { RegularizerSpec } from '../../regularizers';
import { resolveOptimizerSpec, train } from '../../train';
import type { OptimizerSpec, TrainData, TrainOptions, TrainResult } from '../../train';
import { planPopulation, trainPopulation } from '../../train/population';
import { armCoefficients, armSpace, Coefficients, isSearched } from '../arms';
import { ARM_SLOTS } from '../definition';
import { asDataField, dataSourceName, loadDefinitionData } from './file-data';
import type { ArmDefinition, ArmSlot, PenaltyName, SweepDefinition } from '../definition';
import type { JsonObject } from '../definition';
import type { ParameterValues } from '../record';
import type { Dimension } from '../space';
import type { PopulationContext, TimeStepsLimits, TrialInput, TrialObjective, TrialOutcome, TrialContext } from '../objective';
import { maxPopulationMembers, packsTogether, POPULATION_MEMORY_BYTES, populationSupport } from './population-key';
import type { BackendName } from '../../backend/names';
import type { PopulationSupport } from './population-key';

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

/**
 * The definition's split, identical for every trial (its seed belongs to the data, not to the
 * trial): stratified by class by default, unstratified for regression targets (stratifying them is
 * refused). Standardization is fitted on the train split only: the features with `standardize`,
 * the regression targets with `standardizeTargets`.
 */
export function splitFor(definition: Pick<SweepDefinition, 'data'>): DatasetSplits {
  const dataset = loadDefinitionData(definition.data);
  const regression = dataset.targets !== undefined;
  const split = (definition.data.split ?? {}) as Record<string, unknown>;
  if (regression && split.stratify === true) {
    throw new LayerwiseConfigError('data.split.stratify', ` = true: data "${dataSourceName(definition.data)}" holds regression targets, which have no classes to stratify by; allowed: false (the default for regression targets)`);
  }
  const standardizeTargets = definition.data.standardizeTargets;
  if (standardizeTargets !== undefined && typeof standardizeTargets !== 'boolean') {
    throw new LayerwiseConfigError('data.standardizeTargets', ` = ${describeValue(standardizeTargets)}: allowed values are true, false`);
  }
  if (standardizeTargets === true && !regression) {
    throw new LayerwiseConfigError('data.standardizeTargets', ` = true: data "${dataSourceName(definition.data)}" holds class labels; target standardization applies to regression targets only (data.csv.task, data.npy.task or data.npz.task "regression")`);
  }
  const splits = asDataField('data.split', (): DatasetSplits => {
    if (split.ordered === true) {
      return splitOrdered(dataset, { train: split.train as number, validation: split.validation as number | undefined });
    }
    return splitDataset(dataset, {
      validation: (split.validation as number | undefined) ?? 0.2,
      test: (split.test as number | undefined) ?? 0.2,
      seed: (split.seed as number | undefined) ?? 0,
      stratify: (split.stratify as boolean | undefined) ?? !regression,
    });
  });
  const features = definition.data.standardize === true;
  if (!features && standardizeTargets !== true) return splits;
  return standardizeSplits(splits, { features, targets: standardizeTargets === true }).splits;
}

type PenaltyPlace = { field: keyof LayerSettings; part: 'l1' | 'l2' | 'orthogonal' | 'rate' };

/** The penalties that are not `<slot><Kind>` names, and the policy field and regularizer part each fills. */
const GENERIC_PENALTY_PLACES: Partial<Record<PenaltyName, PenaltyPlace>> = {
  l1: { field: 'regularizer', part: 'l1' },
  l2: { field: 'regularizer', part: 'l2' },
  orthogonal: { field: 'regularizer', part: 'orthogonal' },
  weightDecay: { field: 'weightDecay', part: 'rate' },
  activityL1: { field: 'activity', part: 'l1' },
  activityL2: { field: 'activity', part: 'l2' },
};

/** The part of a slot penalty's regularizer, from its suffix (`biasL2` -> `l2`). */
const SLOT_PENALTY_PARTS: Record<string, PenaltyPlace['part']> = { L1: 'l1', L2: 'l2', Orthogonal: 'orthogonal' };

/** Which policy field a penalty fills, and as which part of its regularizer. */
function penaltyPlace(penalty: PenaltyName): PenaltyPlace {
  const generic = GENERIC_PENALTY_PLACES[penalty];
  if (generic !== undefined) return generic;
  const slot = ARM_SLOTS.find((candidate) => penalty.startsWith(candidate)) as ArmSlot;
  return { field: slot, part: SLOT_PENALTY_PARTS[penalty.slice(slot.length)] };
}

type RegularizerParts = Partial<Record<'l1' | 'l2' | 'orthogonal', number>>;

/** The regularizer of one slot from its parts: L1, L2, L1L2 when both, or orthogonal (never mixed: the definition check refuses it). */
function regularizerOf(parts: RegularizerParts, orthogonalMode: 'rows' | 'columns'): RegularizerSpec | undefined {
  if (parts.orthogonal !== undefined) return orthogonal({ factor: parts.orthogonal, mode: orthogonalMode });
  if (parts.l1 !== undefined && parts.l2 !== undefined) return l1l2({ l1: parts.l1, l2: parts.l2 });
  if (parts.l1 !== undefined) return l1({ l1: parts.l1 });
  if (parts.l2 !== undefined) return l2({ l2: parts.l2 });
  return undefined;
}

/**
 * The regularization policy an arm's coefficients describe: generic `l1`/`l2`/`orthogonal` on the
 * default kernel slots, `<slot>L1`/`<slot>L2`/`<slot>Orthogonal` on one slot, decoupled
 * `weightDecay`, and `activityL1`/`activityL2` on the layers' outputs. A uniform arm without
 * `layers` that sets only generic penalties is a `uniform` policy; anything else is a per-layer
 * policy whose entries are the arm's selectors (a uniform arm without `layers` uses `*`; a tied
 * group's coefficient goes to each of its selectors).
 */
export function policyForCoefficients(penalties: Partial<Record<PenaltyName, Coefficients>>, orthogonalMode: 'rows' | 'columns' = 'rows'): Policy {
  const present = Object.entries(penalties).filter((entry): entry is [PenaltyName, Coefficients] => entry[1] !== undefined);
  const everyLayerShared = present.every(([, coefficients]) => coefficients.kind === 'uniform' && coefficients.layers === undefined);
  const onlyGeneric = present.every(([name]) => ['regularizer', 'weightDecay'].includes(penaltyPlace(name).field));
  if (everyLayerShared && onlyGeneric) {
    const parts: RegularizerParts = {};
    let weightDecay: number | undefined;
    for (const [name, coefficients] of present) {
      const value = (coefficients as { value: number }).value;
      const place = penaltyPlace(name);
      if (place.part === 'rate') weightDecay = value;
      else parts[place.part] = value;
    }
    return uniform({ regularizer: regularizerOf(parts, orthogonalMode), weightDecay });
  }
  // Selector → field → regularizer parts (or the decay rate), in the arm's order.
  const bySelector = new Map<string, Map<keyof LayerSettings, RegularizerParts & { rate?: number }>>();
  const put = (selector: string, name: PenaltyName, value: number): void => {
    const place = penaltyPlace(name);
    const fields = bySelector.get(selector) ?? new Map();
    bySelector.set(selector, fields);
    fields.set(place.field, { ...fields.get(place.field), [place.part]: value });
  };
  for (const [name, coefficients] of present) {
    if (coefficients.kind === 'uniform') {
      for (const selector of coefficients.layers ?? ['*']) put(selector, name, coefficients.value);
      continue;
    }
    for (const [key, value] of Object.entries(coefficients.values)) {
      for (const selector of coefficients.groups?.[key] ?? [key]) put(selector, name, value);
    }
  }
  const settings: Record<string, LayerSettings> = {};
  for (const [selector, fields] of bySelector) {
    const entry: Record<string, unknown> = {};
    for (const [field, parts] of fields) entry[field] = field === 'weightDecay' ? parts.rate : regularizerOf(parts, orthogonalMode);
    settings[selector] = entry as LayerSettings;
  }
  return perLayer({ layers: settings });
}

/**
 * Checks, before any trial, that an arm's template fits the model: every selector matches a layer
 * (named by its field), no layer is in two targets of a per-layer arm (its coefficient would be
 * ambiguous), a dropout rate is set on a builder spec that has dropout layers, and the arm's policy
 * resolves on the model (every penalty reaches a weight it can regularize).
 */
function checkArmFitsModel(definitionModel: JsonObject, train: Dataset, arm: ArmDefinition, armIndex: number): void {
  const where = `arms[${armIndex}]`;
  if (arm.dropout !== undefined) {
    if (modelKind(definitionModel) !== 'builder') {
      throw new LayerwiseConfigError(`${where}.dropout`, ': sets the dropout of a builder spec (model.type "mlp", "cnn" or "rnn"); a Keras file or a registered model keeps its own dropout layers');
    }
    const rates = isSearched(arm.dropout) ? [arm.dropout.type === 'choice' ? arm.dropout.values : [arm.dropout.low, arm.dropout.high]].flat() : [arm.dropout];
    for (const rate of rates) {
      try {
        validateModelSpec({ ...definitionModel, dropout: rate });
      } catch (error) {
        if (!(error instanceof LayerwiseConfigError)) throw error;
        throw new LayerwiseConfigError(`${where}.dropout`, `: rate ${describeValue(rate)} does not fit the model: ${error.message}`);
      }
    }
  }
  const model = modelForChecks(definitionModel, train);
  try {
    const layers = addressableLayers(model);
    const layerList = layers.map((layer) => `${layer.name} (${layer.className})`).join(', ');
    const owner = new Map<string, string>();
    const fields: Array<{ field: string; selector: string; target: string }> = [];
    (arm.layers ?? []).forEach((selector, position) => fields.push({ field: `${where}.layers[${position}]`, selector, target: selector }));
    for (const [group, selectors] of Object.entries(arm.groups ?? {})) {
      selectors.forEach((selector, position) => fields.push({ field: `${where}.groups.${group}[${position}]`, selector, target: `group "${group}"` }));
    }
    for (const { field, selector, target } of fields) {
      const { matched } = matchSelector(parseSelector(selector, field), layers);
      if (matched.length === 0) {
        throw new LayerwiseConfigError(field, ` = ${describeValue(selector)}: matches no layer of the model (a selector is a layer name, a glob such as "dense_*", a class such as "Dense", or "#index"); layers are ${layerList}`);
      }
      if (arm.kind !== 'per-layer') continue;
      for (const layer of matched) {
        const earlier = owner.get(layer.name);
        if (earlier !== undefined && earlier !== target) {
          throw new LayerwiseConfigError(field, ` = ${describeValue(selector)}: layer ${layer.name} is already in ${earlier}; each layer gets its coefficient from one layers entry or group`);
        }
        owner.set(layer.name, target);
      }
    }
    const params: ParameterValues = {};
    for (const [name, dimension] of Object.entries(armSpace({ space: {} }, arm))) params[name] = middleOf(dimension);
    const setting = armCoefficients(arm, params);
    try {
      resolvePolicy(policyForCoefficients(setting.penalties, setting.orthogonalMode), model);
    } catch (error) {
      if (!(error instanceof LayerwiseConfigError)) throw error;
      throw new LayerwiseConfigError(`${where}.penalties`, `: arm "${arm.name}" does not fit the model: ${error.message}`);
    }
  } finally {
    model.dispose();
  }
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
    for (const [armIndex, arm] of definition.arms.entries()) checkArmFitsModel(definition.model, train, arm, armIndex);
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
      return outcomeOf(result);
    } finally {
      setup.dispose();
    }
  },

  /**
   * Trials whose model, data, training settings (learning rate aside) and batch size are the same
   * and which the population path covers (lib/sweep/objectives/population-key.ts: Dense-stack MLPs,
   * dropout included, without batch normalization; L1/L2 kernel and bias penalties and decoupled weight
   * decay in any arm, so the two arms of a uniform-vs-per-layer sweep share one key; Adam or SGD)
   * get equal keys; undefined otherwise (`populationSupport` gives the reason).
   */
  populationKey(input: TrialInput): string | undefined {
    return populationKeyOf(input).key;
  },

  /** One population on one worker while the members' own arithmetic stays below the shared kernel calls (`packsTogether`, cost model). */
  packsTogether(input: TrialInput, members: number, workers: number, backend?: BackendName): boolean {
    return packsTogether(input.definition, input.arm, input.params, members, workers, backend);
  },

  /**
   * Trains the inputs as one population (lib/train/population): each member's model is built
   * with its own seed and coefficients as `run` builds it, and trains on the one shared split.
   * Members that cannot share the computation after all (a check only the built models answer),
   * and a single input, train one after another with `train`, reported through the same hooks.
   */
  async runPopulation(inputs: TrialInput[], context: PopulationContext): Promise<void> {
    if (inputs.length === 0) return;
    // More members than memory allows (maxPopulationMembers) train as consecutive populations.
    const limit = maxPopulationMembers(inputs[0].definition, trainRows(inputs[0].definition));
    if (inputs.length > limit) {
      for (let start = 0; start < inputs.length; start += limit) {
        const offset = start;
        await trainModelObjective.runPopulation!(inputs.slice(start, start + limit), {
          signal: context.signal,
          onEpoch: (member, epoch) => context.onEpoch(member + offset, epoch),
          onMemberFinished: (member, outcome) => context.onMemberFinished(member + offset, outcome),
        });
      }
      return;
    }
    const first = await trialSetup(inputs[0].definition, inputs[0].arm, inputs[0].params, inputs[0].seed);
    const models: tf.LayersModel[] = [first.model];
    const options: TrainOptions[] = [first.options];
    try {
      const rows = inputs.length > 1 ? splitFor(inputs[0].definition).train : undefined;
      for (const input of inputs.slice(1)) {
        const member = await trialModel(input.definition, input.arm, input.params, input.seed, rows as Dataset);
        models.push(member.model);
        options.push(member.options);
      }
      const members = models.map((model, index) => ({ model, options: options[index] }));
      // A population of one is a trial alone: `train` itself (the same numbers, no batching to gain).
      const planned = members.length > 1 ? planPopulation(members, first.data) : { plan: null };
      if (planned.plan == null) {
        // Not one computation after all: each member alone, in order, through the same hooks.
        for (const [index, member] of members.entries()) {
          let outcome: TrialOutcome | Error;
          try {
            const result = await train(member.model, first.data, {
              ...member.options,
              signal: context.signal,
              onEpochEnd: async (record) => ((await context.onEpoch(index, record)) ? 'stop' : undefined),
            });
            outcome = outcomeOf(result);
          } catch (error) {
            outcome = error instanceof Error ? error : new Error(String(error));
          }
          await context.onMemberFinished(index, outcome);
        }
        return;
      }
      await trainPopulation({
        members,
        data: first.data,
        signal: context.signal,
        writeWeights: false,
        onEpochEnd: async (member, record) => ((await context.onEpoch(member, record)) ? 'stop' : undefined),
        onMemberFinished: (member, result) => context.onMemberFinished(member, outcomeOf(result)),
      });
    } finally {
      for (const model of models.slice(1)) model.dispose();
      first.dispose();
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
   * {@link TIMED_STEPS} steps or more, timed as a whole. When the sweep's trials will train as
   * populations (`populationTimingSize` > 1), that many members are timed as one population and
   * the result is per member-step: populations change which backend is faster (the README's MLP
   * alone is faster on pure JS; as a population of 16, natively).
   */
  async timeSteps(definition: SweepDefinition, limits: TimeStepsLimits = {}): Promise<{ secondsPerStep: number; steps: number; cutShort?: boolean }> {
    const arm = definition.arms[0];
    const params: ParameterValues = {};
    for (const [name, dimension] of Object.entries(armSpace(definition, arm))) params[name] = middleOf(dimension);
    // Trials that will train as populations are timed as one: per member-step, the figure that decides the backend then.
    const members = populationTimingSize(definition, arm, params);
    const setup = await trialSetup(definition, arm, params, 0);
    const others: tf.LayersModel[] = [];
    const otherOptions: TrainOptions[] = [];
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
      if (members > 1) {
        const rowsDataset = splitFor(definition).train;
        for (let member = 1; member < members; member++) {
          const built = await trialModel(definition, arm, params, member, rowsDataset);
          others.push(built.model);
          otherOptions.push({ ...built.options, earlyStopping: undefined });
        }
        const population = (epochs: number) =>
          [setup.model, ...others].map((model, index) => ({ model, options: { ...(index === 0 ? options : otherOptions[index - 1]), epochs } }));
        if (planPopulation(population(1), subset).plan != null) {
          await trainPopulation({ members: population(1), data: subset, writeWeights: false });
          const started = performance.now();
          await trainPopulation({ members: population(timedEpochs), data: subset, writeWeights: false });
          const steps = batchesPerEpoch * timedEpochs;
          return { secondsPerStep: (performance.now() - started) / 1000 / steps / members, steps };
        }
      }
      // With a limit, stop between batches once it is spent (warm-up included) and report the
      // steps done: the caller only needs to know that this backend lost, not by how much exactly.
      const firstStarted = performance.now();
      const limitMs = limits.maxSeconds === undefined ? Infinity : limits.maxSeconds * 1000;
      const stop = new AbortController();
      let batchesDone = 0;
      const watch: Partial<TrainOptions> =
        limits.maxSeconds === undefined
          ? {}
          : {
              signal: stop.signal,
              onBatchEnd: () => {
                batchesDone += 1;
                if (performance.now() - firstStarted > limitMs) stop.abort();
              },
            };
      await train(setup.model, subset, { ...options, ...watch, epochs: 1 });
      const abortedInWarmUp = stop.signal.aborted;
      const started = performance.now();
      if (!abortedInWarmUp) {
        batchesDone = 0;
        await train(setup.model, subset, { ...options, ...watch, epochs: timedEpochs });
      }
      if (stop.signal.aborted) {
        const from = abortedInWarmUp ? firstStarted : started;
        return { secondsPerStep: (performance.now() - from) / 1000 / Math.max(1, batchesDone), steps: Math.max(1, batchesDone), cutShort: true };
      }
      const steps = batchesPerEpoch * timedEpochs;
      return { secondsPerStep: (performance.now() - started) / 1000 / steps, steps };
    } finally {
      tf.dispose(subset as unknown as tf.TensorContainer);
      for (const model of others) model.dispose();
      setup.dispose();
    }
  },
};

/**
 * The trial's population key, or why it trains alone: `populationSupport` (what the population path
 * covers), then memory (`maxPopulationMembers`: a data set so large that two members' copies would
 * not fit trains alone). Populations are never slower per member than trials alone on what they
 * cover (docs/benchmarks.md, population table: 1.4-9x faster from K = 4 on, the same at K = 1), so
 * `execution.population: auto` packs every trial that has a key.
 */
export function populationKeyOf(input: TrialInput): PopulationSupport {
  const support = populationSupport(input.definition, input.arm, input.params);
  if (support.key === undefined) return support;
  const limit = maxPopulationMembers(input.definition, trainRows(input.definition));
  if (limit < 2) return { key: undefined, reason: `two members' copies of the ${trainRows(input.definition)} training rows would exceed the population memory bound (${POPULATION_MEMORY_BYTES / 2 ** 20} MiB)` };
  return support;
}

const trainRowCounts = new WeakMap<SweepDefinition, number>();

/** Rows of the definition's train split (split once per definition object). */
function trainRows(definition: SweepDefinition): number {
  let rows = trainRowCounts.get(definition);
  if (rows === undefined) {
    rows = splitFor(definition).train.sampleCount;
    trainRowCounts.set(definition, rows);
  }
  return rows;
}

/** A trial's outcome from `train`'s (or a population member's) result. */
function outcomeOf(result: TrainResult): TrialOutcome {
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
}

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

/**
 * How many members the backend timing trains as one population: the trials that would share a
 * population (every arm's trials, when the first arm's trial has a population key), at most 16
 * and at most what memory allows; 1 when the trials train alone (no key, or
 * `execution.population` set to 1).
 */
export function populationTimingSize(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues): number {
  const setting = (definition.execution as unknown as Record<string, unknown> | undefined)?.population;
  if (setting === 1) return 1;
  if (populationSupport(definition, arm, params).key === undefined) return 1;
  const trials = definition.arms.length * definition.budget * definition.seeds.length;
  const limit = typeof setting === 'number' ? setting : 16;
  return Math.max(1, Math.min(trials, limit, maxPopulationMembers(definition, trainRows(definition))));
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
 * Builder specs are built with the arm's regularizers (and its dropout rate, when it sets one); a
 * Keras file's or a registered factory's model is made (trial-model.ts) and the arm's policy
 * applied to a copy. The features are reshaped to the model's input shape ([n, h, w, c] for a
 * CNN, [n, timesteps, features] for a recurrent model), row-major.
 */
async function trialSetup(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues, seed: number): Promise<{ model: tf.LayersModel; data: TrainData; options: TrainOptions; dispose(): void }> {
  const splits = splitFor(definition);
  const { model, task, options } = await trialModel(definition, arm, params, seed, splits.train);
  let data: TrainData;
  try {
    data = reshapedFor(modelInputShape(model), toTrainingData(splits, { labels: task === 'binary' ? 'binary' : task === 'multiclass' ? 'oneHot' : 'auto', layout: 'flat' }));
  } catch (error) {
    model.dispose();
    throw error;
  }
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

/** The model (with the arm's policy, built with the seed), its task and the train options of one trial; the caller disposes the model. */
async function trialModel(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues, seed: number, train: Dataset): Promise<{ model: tf.LayersModel; task: TaskKind; options: TrainOptions }> {
  const { penalties, shared, dropout, orthogonalMode } = armCoefficients(arm, params);
  const policy = policyForCoefficients(penalties, orthogonalMode);
  let model: tf.LayersModel;
  let task: TaskKind;
  if (modelKind(definition.model) === 'builder') {
    const spec = validateModelSpec(dropout === undefined ? definition.model : { ...definition.model, dropout }) as ModelSpec;
    model = applyPolicy(spec, policy, { seed });
    task = spec.task;
  } else {
    const created = await createTrialModel(definition.model, seed, train);
    try {
      model = applyPolicy(created.model, policy);
    } finally {
      created.model.dispose();
    }
    task = created.task;
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
  return { model, task, options };
}
