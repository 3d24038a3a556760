/**
 * Whether K members (models built with their own seeds and regularizers, plus their train options)
 * can be trained as one population computation, and what that computation needs: the shared
 * layer structure, each member's initial weights, penalty coefficients, decay rates, learning rate
 * and settings.
 *
 * The population path covers what the hand-written Dense-stack pass covers
 * (lib/train/lean-dense-stack.ts), with its layers in the builder MLP's order:
 * Sequential Dense(ReLU or linear) stacks, each hidden Dense layer optionally followed by a
 * BatchNormalization layer (features of rank-2 inputs, scale and center, no gamma/beta penalties;
 * momentum and epsilon shared by the members), with Dropout right before a Dense layer, ending in Dense(softmax) + categorical cross-entropy on
 * one-hot labels, Dense(sigmoid) + binary cross-entropy or Dense(linear) + mean squared error,
 * with L1/L2/L1L2 kernel, bias and activity penalties (each member its own coefficients) and decoupled weight decay, trained by Adam
 * (AMSGrad too), AdamW, SGD (with or without (Nesterov) momentum), RMSprop (centered, momentum) or Adagrad. Members may differ
 * in seed, penalty coefficients (a penalty a member lacks is a coefficient 0: `x + 0` and `0·w`
 * leave its numbers as they are), decay rates, learning rate (number or schedule), epochs and early
 * stopping; they must share the layer shapes, head, loss, batch size, optimizer kind and its other
 * constants, shuffling and measurement settings.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { planDenseStack, type DenseStackHead, type PenaltyCoefficients } from '../lean-dense-stack';
import { resolveOptimizerSpec } from '../optimizer-spec';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainData, type TrainOptions } from '../options';
import { resolveLoss, detectAccuracyKind, type AccuracyKind, type LossFunction } from '../loss-function';
import { resolveWeightDecay } from '../weight-decay';
import { learningRateFunction, type LearningRateFunction } from '../../optimizers/schedules';

/** One member of a population: its model (built with its seed and regularizers) and its train options. */
export interface PopulationMemberInput {
  /** The member's model: weights as `train` would start from them; the population path reads it, and writes the final weights back when asked. */
  model: tf.LayersModel;
  /** The member's options, as `train(model, data, options)` would get them (callbacks other than the population's are not used). */
  options: TrainOptions;
}

/** One Dense layer of the shared structure. */
export interface PopulationLayer {
  inputUnits: number;
  units: number;
  relu: boolean;
  hasBias: boolean;
  /** `layerName/kernel` style names of the first member (the weight-norm keys). */
  kernelKey: string;
  biasKey: string | null;
}

/** Coefficients of one weight slot (kernel or bias of a layer) across members; null when no member penalizes that part. */
export interface SlotCoefficients {
  l1: number[] | null;
  l2: number[] | null;
}

/** The optimizer kind shared by the members, with its constants. */
export type PopulationOptimizer =
  | {
      kind: 'adam';
      beta1: number;
      beta2: number;
      epsilon: number;
      /** AMSGrad: divide by the running maximum of v (Keras `amsgrad=True`). */
      amsgrad: boolean;
      /** AdamW's own decay (0: plain Adam): every variable w ← w − w·(wd·lr) before the update. */
      weightDecay: number;
    }
  | { kind: 'sgd'; momentum: number; nesterov: boolean }
  | { kind: 'rmsprop'; rho: number; momentum: number; epsilon: number; centered: boolean }
  | { kind: 'adagrad'; initialAccumulatorValue: number; epsilon: number };

/** Everything the population trainer needs. */
export interface PopulationPlan {
  layers: PopulationLayer[];
  head: DenseStackHead;
  loss: LossFunction;
  accuracy: AccuracyKind;
  /** Regression losses: each split also reports its mean absolute error, as `train` does (lib/train/epoch-metrics). */
  meanAbsoluteError: boolean;
  optimizer: PopulationOptimizer;
  /** Per member, per layer: kernel [in, out] and bias [out] values (copies, owned by the plan until consumed). */
  settings: ResolvedTrainOptions[];
  learningRates: LearningRateFunction[];
  /** Per layer: kernel and bias coefficients across members. */
  kernelCoefficients: SlotCoefficients[];
  biasCoefficients: SlotCoefficients[];
  /** Per layer: activity coefficients across members (on the layer's activated output, divided by the batch size as Keras 3). */
  activityCoefficients: SlotCoefficients[];
  /**
   * Per Dense layer: the BatchNormalization layer right after it (every member has it there), with
   * its momentum and epsilon (shared), or null.
   */
  batchNormAfter: Array<{ momentum: number; epsilon: number } | null>;
  /** Per layer: decay rate of kernel and bias per member (null: no member decays it). */
  kernelDecay: Array<number[] | null>;
  biasDecay: Array<number[] | null>;
  /** Per member: the penalty keys `train` would record (`layer.kernel`, `layer.activity`, ...), with the Dense layer index and slot. */
  penaltyKeys: Array<Array<{ key: string; layer: number; slot: 'kernel' | 'bias' | 'activity' }>>;
  /**
   * Per Dense layer: the Dropout right before it (rate per member, 0 where a member has none there;
   * the layer's own seed per member, undefined: one `Math.random` draw per step, as tfjs), or null.
   */
  dropoutBefore: Array<{ rates: number[]; seeds: Array<number | undefined> } | null>;
  /** Per member: the weight-norm keys (originalName) per layer slot (gamma and beta of the BatchNormalization after the layer, if any). */
  normKeys: Array<Array<{ kernel: string; bias: string | null; gamma: string | null; beta: string | null }>>;
  /** Per member, per layer: the model's kernel and bias variables (for reading initial weights and writing final ones). */
  variables: Array<Array<{ kernel: LayerVariable; bias: LayerVariable | null }>>;
  /** Per member, per layer: the weights of the BatchNormalization after it, or null. */
  batchNormVariables: Array<Array<PopulationBatchNormVariables | null>>;
}

/** The weights of one member's BatchNormalization layer. */
export interface PopulationBatchNormVariables {
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

/** A plan, or why the members cannot be one population. */
export type PopulationPlanResult = { plan: PopulationPlan; reason?: undefined } | { plan: null; reason: string };

function isOneHot(y: tf.Tensor): boolean {
  if (y.rank !== 2 || y.shape[1] === 1 || y.dtype !== 'float32') return false;
  const check = tf.tidy(() => tf.logicalAnd(tf.all(tf.logicalOr(tf.equal(y, 0), tf.equal(y, 1))), tf.all(tf.equal(tf.sum(y, -1), 1))));
  const answer = check.dataSync()[0] === 1;
  check.dispose();
  return answer;
}

function samePenaltyFree(penalty: PenaltyCoefficients | null): PenaltyCoefficients {
  return penalty ?? { l1: 0, l2: 0 };
}

/** Keys of the train-option fields the population path accepts (others make it train alone). */
const SUPPORTED_OPTIONS = new Set(['seed', 'epochs', 'batchSize', 'optimizer', 'loss', 'weightDecay', 'earlyStopping', 'evaluateEvery', 'evaluationBatchSize', 'shuffle', 'yieldEveryMs', 'accuracy', 'signal', 'applyConstraints']);

/**
 * Plans a population of `members` on `data` (shared by all), or says why it cannot be one
 * (then train each member alone with `train`). Validates each member's options as `train` does.
 */
export function planPopulation(members: readonly PopulationMemberInput[], data: TrainData): PopulationPlanResult {
  const no = (reason: string): PopulationPlanResult => ({ plan: null, reason });
  if (members.length === 0) return no('no members');
  const settings = members.map((member) => resolveTrainOptions(data, member.options));
  for (const [index, member] of members.entries()) {
    const extra = Object.keys(member.options).filter((key) => (member.options as Record<string, unknown>)[key] !== undefined && !SUPPORTED_OPTIONS.has(key));
    if (extra.length > 0) return no(`member ${index} sets ${extra.join(', ')}, which the population path does not support`);
    if (member.options.leanObjective === false) return no(`member ${index} turns the lean objective off`);
  }
  const first = settings[0];
  for (const [index, setting] of settings.entries()) {
    if (setting.batchSize !== first.batchSize) return no(`member ${index} has batch size ${setting.batchSize}, member 0 ${first.batchSize}`);
    if (setting.shuffle !== first.shuffle) return no(`member ${index} shuffles differently from member 0`);
    if (setting.evaluateEvery !== first.evaluateEvery || setting.evaluationBatchSize !== first.evaluationBatchSize) return no(`member ${index} measures on another schedule than member 0`);
    if (setting.timeBudgetSeconds !== Infinity) return no(`member ${index} has a time budget`);
  }
  const lossNames = members.map((member) => (typeof member.options.loss === 'function' ? undefined : resolveLoss(member.model, member.options.loss).name));
  if (lossNames.some((name) => name === undefined || name !== lossNames[0])) return no('the members do not share one named loss');
  const loss = resolveLoss(members[0].model, members[0].options.loss);
  const oneHot = loss.name === 'categoricalCrossentropy' && isOneHot(data.train.y);
  // Optimizer: one kind with the same constants; the learning rate is per member.
  const specs = settings.map((setting, index) => resolveOptimizerSpec(setting.optimizer, `members[${index}].optimizer`) as unknown as Record<string, unknown>);
  let optimizer: PopulationOptimizer;
  const spec0 = specs[0];
  // The defaults are lib/optimizers/create.ts's (createLeanOptimizer), what train runs.
  if (spec0.name === 'adam' || spec0.name === 'adamw') {
    optimizer = {
      kind: 'adam',
      beta1: (spec0.beta1 as number) ?? 0.9,
      beta2: (spec0.beta2 as number) ?? 0.999,
      epsilon: (spec0.epsilon as number) ?? 1e-7,
      amsgrad: (spec0.amsgrad as boolean) ?? false,
      weightDecay: spec0.name === 'adamw' ? ((spec0.weightDecay as number) ?? 0.004) : 0,
    };
  } else if (spec0.name === 'sgd' || spec0.name === 'momentum') {
    optimizer = { kind: 'sgd', momentum: (spec0.momentum as number) ?? (spec0.name === 'momentum' ? 0.9 : 0), nesterov: (spec0.nesterov as boolean) ?? false };
  } else if (spec0.name === 'rmsprop') {
    optimizer = { kind: 'rmsprop', rho: (spec0.rho as number) ?? 0.9, momentum: (spec0.momentum as number) ?? 0, epsilon: (spec0.epsilon as number) ?? 1e-7, centered: (spec0.centered as boolean) ?? false };
  } else if (spec0.name === 'adagrad') {
    optimizer = { kind: 'adagrad', initialAccumulatorValue: (spec0.initialAccumulatorValue as number) ?? 0.1, epsilon: (spec0.epsilon as number) ?? 1e-7 };
  } else {
    return no(`optimizer ${String(spec0.name)} is not on the population path (adam, adamw, sgd, momentum, rmsprop, adagrad are)`);
  }
  const constants = (spec: Record<string, unknown>) => JSON.stringify({ ...spec, learningRate: undefined });
  for (const [index, spec] of specs.entries()) {
    if (constants(spec) !== constants(spec0)) return no(`member ${index}'s optimizer differs from member 0's in more than the learning rate`);
  }
  const learningRates = specs.map((spec, index) => learningRateFunction(spec.learningRate as Parameters<typeof learningRateFunction>[0], `members[${index}].optimizer.learningRate`));

  const layers: PopulationLayer[] = [];
  let head: DenseStackHead | null = null;
  const variables: PopulationPlan['variables'] = [];
  const penaltiesPerMember: Array<Array<{ kernel: PenaltyCoefficients; bias: PenaltyCoefficients; activity: PenaltyCoefficients; kernelPenalized: boolean; biasPenalized: boolean }>> = [];
  const penaltyKeys: PopulationPlan['penaltyKeys'] = [];
  const normKeys: PopulationPlan['normKeys'] = [];
  const decayPerMember: Array<Map<string, number>> = [];
  const dropoutsPerMember: Array<Array<{ rate: number; seed: number | undefined } | null>> = [];
  const batchNormVariables: PopulationPlan['batchNormVariables'] = [];
  const batchNormSettings: Array<Array<{ momentum: number; epsilon: number } | null>> = [];
  for (const [index, member] of members.entries()) {
    const stack = planDenseStack(member.model, loss.name, oneHot);
    if (stack.plan == null) return no(`member ${index}: ${stack.reason}`);
    const dense = stack.plan.items.filter((item): item is Extract<typeof item, { kind: 'dense' }> => item.kind === 'dense');
    // Dropout before each Dense layer (consecutive Dropouts would be two draws: not covered);
    // BatchNormalization right after a Dense layer (the builder MLP's Dense → BatchNormalization → Dropout order).
    const memberDropouts: Array<{ rate: number; seed: number | undefined } | null> = dense.map(() => null);
    const memberNorms: Array<PopulationBatchNormVariables | null> = dense.map(() => null);
    const memberNormSettings: Array<{ momentum: number; epsilon: number } | null> = dense.map(() => null);
    let denseSeen = 0;
    for (const [position, item] of stack.plan.items.entries()) {
      if (item.kind === 'dense') denseSeen++;
      else if (item.kind === 'dropout') {
        if (stack.plan.items[position + 1]?.kind !== 'dense') return no(`member ${index} has a Dropout not followed by a Dense layer`);
        memberDropouts[denseSeen] = { rate: item.rate, seed: item.seed };
      } else {
        if (stack.plan.items[position - 1]?.kind !== 'dense') return no(`member ${index} has a BatchNormalization layer not right after a Dense layer (the population path covers Dense → BatchNormalization → Dropout → Dense)`);
        memberNorms[denseSeen - 1] = { gamma: item.gamma, beta: item.beta, movingMean: item.movingMean, movingVariance: item.movingVariance };
        memberNormSettings[denseSeen - 1] = { momentum: item.momentum, epsilon: item.epsilon };
      }
    }
    dropoutsPerMember.push(memberDropouts);
    if (index > 0) {
      for (const [position, setting] of memberNormSettings.entries()) {
        const reference = batchNormSettings[0][position];
        if ((setting == null) !== (reference == null)) return no(`member ${index} has BatchNormalization after other Dense layers than member 0`);
        if (setting != null && reference != null && (setting.momentum !== reference.momentum || setting.epsilon !== reference.epsilon)) {
          return no(`member ${index}'s BatchNormalization after Dense layer ${position} has another momentum or epsilon than member 0's`);
        }
      }
    }
    batchNormVariables.push(memberNorms);
    batchNormSettings.push(memberNormSettings);
    if (head == null) head = stack.plan.head;
    else if (head !== stack.plan.head) return no(`member ${index} has another output head than member 0`);
    const memberVariables: PopulationPlan['variables'][number] = [];
    const memberPenalties: (typeof penaltiesPerMember)[number] = [];
    const keys: PopulationPlan['penaltyKeys'][number] = [];
    const norms: PopulationPlan['normKeys'][number] = [];
    for (const [position, item] of dense.entries()) {
      const [inputUnits, units] = item.kernel.shape as [number, number];
      const layer: PopulationLayer = { inputUnits, units, relu: item.relu, hasBias: item.bias != null, kernelKey: item.kernel.originalName, biasKey: item.bias?.originalName ?? null };
      if (index === 0) layers.push(layer);
      else {
        const reference = layers[position];
        if (reference == null || reference.inputUnits !== inputUnits || reference.units !== units || reference.relu !== item.relu || reference.hasBias !== layer.hasBias) {
          return no(`member ${index}'s layer ${position} differs in shape, activation or bias from member 0's`);
        }
      }
      memberVariables.push({ kernel: item.kernel, bias: item.bias });
      memberPenalties.push({ kernel: samePenaltyFree(item.kernelPenalty), bias: samePenaltyFree(item.biasPenalty), activity: samePenaltyFree(item.activityPenalty), kernelPenalized: item.kernelPenalty != null, biasPenalized: item.biasPenalty != null });
      if (item.kernelPenalty != null) keys.push({ key: `${item.layer.name}.kernel`, layer: position, slot: 'kernel' });
      if (item.bias != null && item.biasPenalty != null) keys.push({ key: `${item.layer.name}.bias`, layer: position, slot: 'bias' });
      if (item.activityPenalty != null) keys.push({ key: `${item.layer.name}.activity`, layer: position, slot: 'activity' });
      const norm = memberNorms[position];
      norms.push({ kernel: item.kernel.originalName, bias: item.bias?.originalName ?? null, gamma: norm?.gamma.originalName ?? null, beta: norm?.beta.originalName ?? null });
    }
    if (dense.length !== layers.length) return no(`member ${index} has ${dense.length} Dense layers, member 0 ${layers.length}`);
    // The penalty keys are lib/penalty's for this structure (a Dense stack without activity penalties,
    // frozen weights or other layers has exactly its kernel and bias penalties, keyed `layer.slot`);
    // the parity tests compare them with train's records.
    const decayed = resolveWeightDecay(member.model, member.options.weightDecay, `members[${index}].weightDecay`);
    const byVariable = new Map<string, number>();
    for (const entry of decayed) {
      const slot = memberVariables.findIndex((pair) => pair.kernel === entry.variable || pair.bias === entry.variable);
      if (slot < 0) return no(`member ${index} decays a weight outside its Dense layers`);
      byVariable.set(`${slot}:${memberVariables[slot].kernel === entry.variable ? 'kernel' : 'bias'}`, entry.rate);
    }
    const normWeightCount = memberNorms.filter((norm) => norm != null).length * 4;
    if (member.model.weights.length !== memberVariables.reduce((count, pair) => count + (pair.bias != null ? 2 : 1), 0) + normWeightCount) return no(`member ${index} has weights outside its Dense and BatchNormalization layers`);
    variables.push(memberVariables);
    penaltiesPerMember.push(memberPenalties);
    penaltyKeys.push(keys);
    normKeys.push(norms);
    decayPerMember.push(byVariable);
  }
  const outputUnits = layers[layers.length - 1].units;
  const accuracies = members.map((member) => (member.options.accuracy == null || member.options.accuracy === 'auto' ? detectAccuracyKind(loss, data.train.y.shape, [null, outputUnits]) : member.options.accuracy));
  if (accuracies.some((kind) => kind !== accuracies[0])) return no('the members measure accuracy differently');
  if (data.train.x.rank !== 2 || data.train.x.shape[1] !== layers[0].inputUnits || data.train.x.dtype !== 'float32') return no('the features are not float rows of the first layer\'s input size');
  if (data.train.y.rank !== 2 || data.train.y.shape[1] !== outputUnits || data.train.y.dtype !== 'float32') return no('the labels are not float rows of the output size (the hand-written loss gradients need them)');

  const coefficientsOf = (slot: 'kernel' | 'bias' | 'activity', layer: number): SlotCoefficients => {
    const l1 = penaltiesPerMember.map((member) => member[layer][slot].l1);
    const l2 = penaltiesPerMember.map((member) => member[layer][slot].l2);
    return { l1: l1.some((value) => value !== 0) ? l1 : null, l2: l2.some((value) => value !== 0) ? l2 : null };
  };
  const decayOf = (slot: 'kernel' | 'bias', layer: number): number[] | null => {
    const rates = decayPerMember.map((member) => member.get(`${layer}:${slot}`) ?? 0);
    return rates.some((rate) => rate !== 0) ? rates : null;
  };
  return {
    plan: {
      layers,
      head: head as DenseStackHead,
      loss: loss.fn,
      accuracy: accuracies[0],
      meanAbsoluteError: loss.classification === false,
      optimizer,
      settings,
      learningRates,
      kernelCoefficients: layers.map((_, layer) => coefficientsOf('kernel', layer)),
      biasCoefficients: layers.map((_, layer) => coefficientsOf('bias', layer)),
      activityCoefficients: layers.map((_, layer) => coefficientsOf('activity', layer)),
      batchNormAfter: batchNormSettings[0],
      kernelDecay: layers.map((_, layer) => decayOf('kernel', layer)),
      dropoutBefore: layers.map((_, layer) => {
        const entries = dropoutsPerMember.map((member) => member[layer]);
        if (entries.every((entry) => entry == null)) return null;
        return { rates: entries.map((entry) => entry?.rate ?? 0), seeds: entries.map((entry) => entry?.seed) };
      }),
      biasDecay: layers.map((_, layer) => decayOf('bias', layer)),
      penaltyKeys,
      normKeys,
      variables,
      batchNormVariables,
    },
  };
}
