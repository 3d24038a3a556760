/**
 * `trainPopulation({members, data})`: K members of one Dense-stack architecture (lib/train/population/plan.ts)
 * trained as ONE computation with a leading population dimension: every kernel is [K, in, out],
 * every bias [K, 1, out], each step is one batched forward and backward pass (batched matmuls) and
 * one optimizer update for all members, so a step costs about the kernels of one member's step on a
 * small model (per-op overhead, not arithmetic, bounds those).
 *
 * Each member is what `train(member.model, data, member.options)` would do, within float32
 * rounding (tested in test/train/population/train-population.test.ts):
 *  - its initial weights are its model's (built with its seed);
 *  - its epoch order is its own seeded shuffle (`SeededShuffler(seed)`, drawn as `train` draws it:
 *    one permutation per epoch when there is more than one batch), applied with one gather of the
 *    shared data per epoch ([K, N, features]);
 *  - its own BatchNormalization statistics: training-mode batch mean and (biased) variance over its
 *    own batch, its own moving mean and variance (updated each step with the layer's momentum),
 *    inference with the moving statistics, as the single-model pass;
 *  - its own penalty coefficients (kernel, bias and activity), decay rates, learning rate (schedule), epochs, early stopping
 *    (with restored best weights), divergence and pruning (`onEpochEnd` answering 'stop');
 *  - the same objective formula (hand-written Dense-stack gradients, lib/train/lean-dense-stack.ts)
 *    and the same per-epoch measurements (inference-mode data loss and accuracy per split, penalty
 *    per `layer.slot`, weight norms), read back once per epoch for the whole population.
 * A member that stops (complete, early stopping, pruned, diverged) is reported through
 * `onMemberFinished` at once, its final weights are written back into its model (unless
 * `writeWeights` is false), and the population is compacted: the others go on without it.
 * An aborted signal stops every member as `train` stops (status 'pruned', stop reason 'aborted').
 *
 * `EpochRecord.seconds` of a member is its share of the population's epoch: the epoch's wall time
 * divided by the members that trained in it.
 *
 * Ownership: the trainer creates and disposes every tensor it uses (population weights, optimizer
 * state, snapshots, shuffled copies); the caller owns the member models and the data.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { atClipCeiling, divergenceReason } from '../divergence';
import { clippedSoftmaxCrossEntropy } from '../fast-objective';
import { resolveOptimizerSpec } from '../optimizer-spec';
import type { TrainData } from '../options';
import type { EpochRecord, RunStatus, SplitMetrics, SplitName, TrainResult } from '../record';
import { RUN_STATUS_OF_STOP_REASON, StopReason } from '../record';
import { ScalarCache } from '../scalar-cache';
import { SeededShuffler } from '../seeded-random';
import { batchedBatchNormInference, clipBetween, matrixProduct, memberNorms, batchedBiasGradient, batchedDenseForward, batchedMatMul, batchedReluGrad, memberRowOp, memberRowsMean, scaleByMember } from './batched-ops';
import { planPopulation, type PopulationMemberInput, type PopulationPlan, type SlotCoefficients } from './plan';
import { nativeBackend } from '../native-kernels';
import { binaryCrossEntropyRows } from './binary-cross-entropy';
import { EpochObjective, type PenalizedWeight, type StepObjective } from './epoch-objective';
import { EvaluationRows } from './evaluation-rows';
import * as elementwise from './native-elementwise';
import { PopulationOptimizerState } from './population-optimizer';

/** Arguments of {@link trainPopulation}. */
export interface TrainPopulationArgs {
  /** The members: each model built with its own seed and regularizers, each with its train options. */
  members: PopulationMemberInput[];
  /** The data every member trains on (the caller owns the tensors). */
  data: TrainData;
  /** Called after each measured epoch of a member; 'stop' prunes that member (the others go on). */
  onEpochEnd?: (member: number, record: EpochRecord) => Promise<'stop' | void | undefined> | 'stop' | void | undefined;
  /** Called once per member as soon as it stops, with its result (its weights are already written back). */
  onMemberFinished?: (member: number, result: TrainResult) => Promise<void> | void;
  /** Aborts every member between steps (status 'pruned', stop reason 'aborted'). */
  signal?: AbortSignal;
  /** Write each member's final (or restored best) weights into its model. Default true. */
  writeWeights?: boolean;
}


/** Penalty coefficients of one weight slot for the members still training. */
interface SlotTensors {
  /**
   * [K] coefficients for the penalty value (and their float32 values on the host), and the gradient
   * factors per member (l1, 2·l2); null when no member has that part.
   */
  l1: SlotPart | null;
  l2: SlotPart | null;
}

/** One part (L1 or L2) of a slot's penalty. */
interface SlotPart {
  value: tf.Tensor1D;
  coefficients: Float32Array;
  gradient: Float32Array;
  /** `gradient` as [K, 1, 1] (the weights' rank), for the native multiply without an upload per step. */
  gradientTensor: tf.Tensor3D;
}

/** Early stopping of one member, with Keras 3's rules (lib/train/early-stopping.ts). */
interface MemberStopping {
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
  best: number;
  bestEpoch: number;
  wait: number;
  /** Per layer: kernel [in, out] and bias [out] at the best epoch (kept tensors). */
  snapshot: tf.Tensor[] | null;
}

/** One member's bookkeeping. */
interface MemberState {
  shuffler: SeededShuffler;
  /** The member's `Math.random` stream (as `train` installs it): one draw per Dropout layer and step. */
  random: () => number;
  records: EpochRecord[];
  stopping: MemberStopping | null;
  lastEpoch: number;
}

function optimizerConfigsOf(settings: PopulationPlan['settings']): Array<Record<string, unknown>> {
  return settings.map((setting, index) => resolveOptimizerSpec(setting.optimizer, `members[${index}].optimizer`) as unknown as Record<string, unknown>);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Keeps the rows `indices` of a kept tensor (disposing the old one). */
function keepRows<T extends tf.Tensor>(tensor: T, indices: tf.Tensor1D): T {
  const kept = tf.keep(tf.gather(tensor, indices)) as T;
  tensor.dispose();
  return kept;
}

/** A variable holding `value` (tf.variable keeps its own reference: the given tensor is disposed). */
function variableOf(value: tf.Tensor): tf.Variable {
  const variable = tf.variable(value);
  value.dispose();
  return variable;
}

function slotTensors(coefficients: SlotCoefficients): SlotTensors {
  const make = (values: number[] | null, gradientFactor: number) => {
    if (values == null) return null;
    return {
      value: tf.keep(tf.tensor1d(values)),
      coefficients: Float32Array.from(values),
      // The gradient factor is formed in double precision and rounded once, as the single-model pass's `scalars.of(2·l2)`.
      gradient: Float32Array.from(values, (value) => value * gradientFactor),
      gradientTensor: tf.keep(tf.tensor3d(Float32Array.from(values, (value) => value * gradientFactor), [values.length, 1, 1])),
    };
  };
  return { l1: make(coefficients.l1, 1), l2: make(coefficients.l2, 2) };
}

/**
 * Trains the members as one population. Resolves to each member's `TrainResult` (in member order)
 * after the last one finished. Throws (before any step) when the members cannot be one
 * population: check with `planPopulation` first, or catch and train them alone.
 */
export async function trainPopulation(args: TrainPopulationArgs): Promise<TrainResult[]> {
  const planned = planPopulation(args.members, args.data);
  if (planned.plan == null) throw new Error(`trainPopulation: these members cannot train as one population: ${planned.reason}`);
  return runPlannedPopulation(planned.plan, args);
}

async function runPlannedPopulation(plan: PopulationPlan, args: TrainPopulationArgs): Promise<TrainResult[]> {
  const { data } = args;
  const memberCount = args.members.length;
  const settings = plan.settings;
  const samples = data.train.x.shape[0];
  const batchSize = settings[0].batchSize;
  const batches = Math.ceil(samples / batchSize);
  const batchSizes = Array.from({ length: batches }, (_, batch) => Math.min(batchSize, samples - batch * batchSize));
  const evaluationBatchSize = settings[0].evaluationBatchSize;
  const evaluateEvery = settings[0].evaluateEvery;
  const yieldEveryMs = settings[0].yieldEveryMs;
  const writeWeights = args.writeWeights !== false;
  const layers = plan.layers;
  const units = layers[layers.length - 1].units;
  const backend = tf.getBackend();
  const optimizerConfigs = settings.map((setting, index) => resolveOptimizerSpec(setting.optimizer, `members[${index}].optimizer`));
  const decayMaps = args.members.map((_, member) => {
    const map: Record<string, number> = {};
    layers.forEach((layer, index) => {
      const kernelRate = plan.kernelDecay[index]?.[member] ?? 0;
      const biasRate = plan.biasDecay[index]?.[member] ?? 0;
      if (kernelRate > 0) map[plan.normKeys[member][index].kernel] = kernelRate;
      if (biasRate > 0 && plan.normKeys[member][index].bias != null) map[plan.normKeys[member][index].bias as string] = biasRate;
    });
    return map;
  });

  // Population state: which members are still training (indices into args.members), in row order.
  let active = args.members.map((_, index) => index);
  const states: MemberState[] = args.members.map((member, index) => {
    const early = member.options.earlyStopping;
    return {
      shuffler: new SeededShuffler(settings[index].seed),
      random: seedrandom(String(settings[index].seed)),
      records: [],
      lastEpoch: 0,
      stopping:
        early == null
          ? null
          : { patience: early.patience ?? 0, minDelta: Math.abs(early.minDelta ?? 0), restoreBestWeights: early.restoreBestWeights ?? false, best: Infinity, bestEpoch: 0, wait: 0, snapshot: null },
    };
  });
  // One learning-rate spec for every member (a function is never shared: it may differ).
  const rateSpecs = optimizerConfigsOf(settings).map((config) => (typeof config.learningRate === 'function' ? null : JSON.stringify(config.learningRate)));
  const sharedRate = rateSpecs.every((spec) => spec != null && spec === rateSpecs[0]);
  const optimizer = new PopulationOptimizerState(plan.optimizer, plan.learningRates, sharedRate);
  const kernels: tf.Variable[] = [];
  const biases: Array<tf.Variable | null> = [];
  let kernelPenalties: SlotTensors[] = [];
  let biasPenalties: SlotTensors[] = [];
  // Activity coefficients per layer (host copies: the gradient factors depend on the batch size).
  let activityCoefficients = plan.activityCoefficients.map((slot) => ({ l1: slot.l1 == null ? null : [...slot.l1], l2: slot.l2 == null ? null : [...slot.l2] }));
  let activityPenalties: SlotTensors[] = [];
  // Per layer: the BatchNormalization after it, gamma and beta [K, 1, units] (trained) and the moving statistics [K, 1, units].
  const norms: Array<{ gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVariance: tf.Variable } | null> = layers.map(() => null);
  let dropoutBefore = plan.dropoutBefore.map((slot) => (slot == null ? null : { rates: [...slot.rates], seeds: [...slot.seeds] }));
  let kernelDecay = plan.kernelDecay.map((rates) => (rates == null ? null : [...rates]));
  let biasDecay = plan.biasDecay.map((rates) => (rates == null ? null : [...rates]));
  let decayFactors: { key: string; factors: Array<{ kernel: Float32Array | null; bias: Float32Array | null }> } | null = null;
  const results: Array<TrainResult | undefined> = new Array(memberCount);
  // The training rows on the host, read once: each epoch's member batches are cut from them.
  const hostX = (await data.train.x.data()) as Float32Array;
  const hostY = (await data.train.y.data()) as Float32Array;
  const featureCount = data.train.x.shape[1] as number;
  let evaluation: EvaluationRows | null = null;
  const scalars = new ScalarCache();
  // Per-row data loss [K, rows] for the epoch's train objective and the measurement: natively the sigmoid head's cross-entropy in fewer kernels, else the plan's (tfjs's) loss.
  const rowLoss =
    plan.head === 'sigmoid-binary-crossentropy' && nativeBackend() != null ? (labels: tf.Tensor, predictions: tf.Tensor) => binaryCrossEntropyRows(labels, predictions, scalars) : plan.loss;
  const onesRows = new Map<number, tf.Tensor3D>();
  // The train objective's parts, summed a few steps at a time (the kept weight values bound how many wait: about 32 MiB).
  const penalizedFloats = plan.layers.reduce((floats, layer, index) => {
    const kernel = plan.kernelCoefficients[index].l1 != null || plan.kernelCoefficients[index].l2 != null ? layer.inputUnits * layer.units : 0;
    const bias = layer.hasBias && (plan.biasCoefficients[index].l1 != null || plan.biasCoefficients[index].l2 != null) ? layer.units : 0;
    return floats + kernel + bias;
  }, units * batchSize);
  const objective = new EpochObjective(rowLoss, Math.min(64, Math.floor((32 * 2 ** 20) / (4 * memberCount * penalizedFloats))));

  const disposeSlots = (slots: SlotTensors[]) => {
    for (const slot of slots) for (const part of [slot.l1, slot.l2]) if (part != null) tf.dispose([part.value, part.gradientTensor]);
  };
  const disposeDecay = () => {
    decayFactors = null;
  };

  try {
    for (const [index, layer] of layers.entries()) {
      kernels.push(variableOf(tf.tidy(() => tf.stack(plan.variables.map((member) => member[index].kernel.read())))));
      biases.push(layer.hasBias ? variableOf(tf.tidy(() => tf.reshape(tf.stack(plan.variables.map((member) => (member[index].bias as NonNullable<typeof member[number]['bias']>).read())), [memberCount, 1, layer.units]))) : null);
    }
    plan.batchNormAfter.forEach((setting, index) => {
      if (setting == null) return;
      const stacked = (pick: (member: NonNullable<PopulationPlan['batchNormVariables'][number][number]>) => { read(): tf.Tensor }) =>
        variableOf(tf.tidy(() => tf.reshape(tf.stack(plan.batchNormVariables.map((member) => pick(member[index] as NonNullable<typeof member[number]>).read())), [memberCount, 1, layers[index].units])));
      norms[index] = { gamma: stacked((norm) => norm.gamma), beta: stacked((norm) => norm.beta), movingMean: stacked((norm) => norm.movingMean), movingVariance: stacked((norm) => norm.movingVariance) };
    });
    evaluation = new EvaluationRows(data, evaluationBatchSize);
    kernelPenalties = plan.kernelCoefficients.map((coefficients) => slotTensors(coefficients));
    biasPenalties = plan.biasCoefficients.map((coefficients) => slotTensors(coefficients));
    activityPenalties = activityCoefficients.map((coefficients) => slotTensors(coefficients));
    // Per layer, in the order of `memberWeights` and the gradients: kernel, bias, gamma, beta.
    const trainable = (): tf.Variable[] =>
      layers.flatMap((_, index) => [kernels[index], ...(biases[index] != null ? [biases[index] as tf.Variable] : []), ...(norms[index] != null ? [norms[index]!.gamma, norms[index]!.beta] : [])]);

    /** `w·(1 − lr·wd)` factors per member for the decayed slots, rebuilt when a learning rate changes. */
    const currentDecayFactors = (rates: number[]) => {
      const key = rates.join(',');
      if (decayFactors != null && decayFactors.key === key) return decayFactors.factors;
      disposeDecay();
      // 1 − lr·wd in double precision, rounded once, as WeightDecayApplier's scalar.
      const factor = (decay: number[] | null) => (decay == null ? null : Float32Array.from(decay, (rate, row) => 1 - rates[row] * rate));
      decayFactors = { key, factors: layers.map((_, index) => ({ kernel: factor(kernelDecay[index]), bias: factor(biasDecay[index]) })) };
      return decayFactors.factors;
    };

    /**
     * d(activity penalty)/d(activation) of layer `index` for batches of `count` rows: `l1/count·step(a, −1) + 2·l2/count·a`
     * per member, each factor formed in double precision and rounded once, as the single-model pass's `scalars.of(l1·scale)`.
     */
    const activityGradient = (a: tf.Tensor, index: number, count: number): tf.Tensor | null => {
      const { l1, l2 } = activityCoefficients[index];
      const scale = count === 0 ? 0 : 1 / count;
      let gradient: tf.Tensor | null = null;
      if (l1 != null) gradient = scaleByMember(tf.step(a, -1), Float32Array.from(l1, (value) => value * scale));
      if (l2 != null) {
        const squares = scaleByMember(a, Float32Array.from(l2, (value) => 2 * value * scale));
        gradient = gradient == null ? squares : tf.add(gradient, squares);
      }
      return gradient;
    };

    const penaltyValue = (w: tf.Tensor, slot: SlotTensors): tf.Tensor1D | null => {
      let value: tf.Tensor1D | null = null;
      if (slot.l1 != null) value = tf.mul(tf.sum(tf.abs(w), [1, 2]), slot.l1.value) as tf.Tensor1D;
      if (slot.l2 != null) {
        const squares = tf.mul(tf.sum(tf.square(w), [1, 2]), slot.l2.value) as tf.Tensor1D;
        value = value == null ? squares : (tf.add(value, squares) as tf.Tensor1D);
      }
      return value;
    };
    const withPenaltyGradient = (gradient: tf.Tensor, w: tf.Tensor, slot: SlotTensors): tf.Tensor => {
      let extra: tf.Tensor | null = null;
      if (slot.l1 != null) extra = scaleByMember(tf.step(w, -1), slot.l1.gradient, slot.l1.gradientTensor);
      if (slot.l2 != null) {
        const squares = scaleByMember(w, slot.l2.gradient, slot.l2.gradientTensor);
        extra = extra == null ? squares : elementwise.add(extra, squares);
      }
      return extra == null ? gradient : elementwise.add(gradient, extra);
    };

    /**
     * The Dropout multiplier before Dense layer `layer` for every member ([K, B, units]), drawn as
     * `tf.dropout` draws it for that member alone: a seed from the member's `Math.random` stream
     * (or the layer's own seed), alea numbers u in float32, then `floor(u + keep) / keep` in float32.
     * A member without that Dropout gets ones (its numbers do not change). Null when no member has one.
     */
    const dropoutMultiplier = (layer: number, count: number, units: number): tf.Tensor3D | null => {
      const slot = dropoutBefore[layer];
      if (slot == null) return null;
      const size = count * units;
      const values = new Float32Array(active.length * size);
      active.forEach((member, row) => {
        const rate = slot.rates[row];
        const block = values.subarray(row * size, (row + 1) * size);
        if (!(rate > 0 && rate < 1)) {
          block.fill(1);
          return;
        }
        const keep = Math.fround(1 - rate);
        const uniform = seedrandom.alea(String(slot.seeds[row] ?? states[member].random()));
        for (let index = 0; index < size; index++) block[index] = Math.floor(Math.fround(Math.fround(uniform()) + keep)) / keep;
      });
      return tf.tensor3d(values, [active.length, count, units]);
    };

    /** Ones [1, 1, B] per batch size B (kept for the run): the row sums of the bias gradients as one product. */
    const onesRowOf = (count: number): tf.Tensor3D => {
      let ones = onesRows.get(count);
      if (ones == null) {
        ones = tf.keep(tf.ones([1, 1, count]) as tf.Tensor3D);
        onesRows.set(count, ones);
      }
      return ones;
    };

    /** One optimizer step of every member on its batch ([K, B, features] and [K, B, units]); hands its objective's parts to `objective`. */
    const step = (x: tf.Tensor3D, y: tf.Tensor3D): void => {
      const members = x.shape[0];
      const count = x.shape[1];
      const inputs: tf.Tensor3D[] = [];
      const outputs: tf.Tensor3D[] = [];
      const multipliers: Array<tf.Tensor3D | null> = [];
      // Per layer with a BatchNormalization after it: the normalized activation x̂ and 1/√(σ² + ε).
      const normalized: Array<{ xHat: tf.Tensor3D; inverseDeviation: tf.Tensor } | null> = [];
      let h = x;
      layers.forEach((layer, index) => {
        const multiplier = dropoutMultiplier(index, count, layer.inputUnits);
        multipliers.push(multiplier);
        if (multiplier != null) h = tf.mul(h, multiplier) as tf.Tensor3D;
        inputs.push(h);
        h = batchedDenseForward(h, kernels[index] as unknown as tf.Tensor3D, biases[index], layer.relu && index < layers.length - 1);
        outputs.push(h);
        const norm = norms[index];
        const setting = plan.batchNormAfter[index];
        if (norm == null || setting == null) {
          normalized.push(null);
          return;
        }
        // Each member's batch statistics over its own rows (tf.moments's formula: mean, then the mean squared deviation).
        const mean = memberRowsMean(h);
        const centered = memberRowOp(h, mean, 'sub');
        const variance = memberRowsMean(tf.square(centered) as tf.Tensor3D);
        const inverseDeviation = tf.rsqrt(tf.add(variance, scalars.of(setting.epsilon)));
        const xHat = memberRowOp(centered, inverseDeviation, 'mul');
        normalized.push({ xHat, inverseDeviation });
        h = memberRowOp(memberRowOp(xHat, norm.gamma, 'mul'), norm.beta, 'add');
        // tfjs's update, same formula and order: moving − (moving − batch)·(1 − momentum), mean first.
        for (const [variable, value] of [
          [norm.movingMean, mean],
          [norm.movingVariance, variance],
        ] as const) {
          variable.assign(tf.sub(variable, tf.mul(tf.sub(variable, value), 1 - setting.momentum)));
        }
      });
      const onesRow = onesRowOf(count);
      let data: StepObjective['data'];
      let dz: tf.Tensor3D;
      const last = layers.length - 1;
      const outputActivityPenalized = activityCoefficients[last].l1 != null || activityCoefficients[last].l2 != null;
      // The activated output, needed by the sigmoid head and by an activity penalty on the output layer.
      let outputActivation: tf.Tensor3D | null = plan.head === 'linear-mean-squared-error' ? h : null;
      if (plan.head === 'softmax-categorical-crossentropy') {
        if (outputActivityPenalized) outputActivation = tf.softmax(h) as tf.Tensor3D;
        const { loss, backprop } = clippedSoftmaxCrossEntropy(tf.reshape(h, [members * count, units]) as tf.Tensor2D, tf.reshape(y, [members * count, units]) as tf.Tensor2D);
        data = { rows: tf.reshape(loss, [members, count]) as tf.Tensor2D };
        dz = tf.mul(tf.reshape(backprop, [members, count, units]), scalars.of(1 / count)) as tf.Tensor3D;
      } else if (plan.head === 'sigmoid-binary-crossentropy') {
        const p = elementwise.sigmoid(h);
        outputActivation = p as tf.Tensor3D;
        data = { predictions: p as tf.Tensor3D, labels: y };
        const clipped = clipBetween(p, scalars.of(1e-7), scalars.of(1 - 1e-7), { low: 1e-7, high: 1 - 1e-7 });
        const inside = elementwise.equalAsFloat(clipped, p);
        dz = elementwise.mul(elementwise.mul(elementwise.sub(p, y), inside), scalars.of(1 / (count * units))) as tf.Tensor3D;
      } else {
        data = { predictions: h, labels: y };
        dz = tf.mul(tf.sub(h, y), scalars.of(2 / (count * units))) as tf.Tensor3D;
      }
      if (outputActivityPenalized) {
        // d(activity penalty)/d(pre-activation): the penalty's gradient on the activated output, back through the activation.
        const p = outputActivation as tf.Tensor3D;
        const g = activityGradient(p, last, count) as tf.Tensor;
        let dActivity: tf.Tensor = g;
        if (plan.head === 'sigmoid-binary-crossentropy') dActivity = tf.mul(g, tf.mul(p, tf.sub(scalars.of(1), p)));
        // Softmax's vector-Jacobian product, as tfjs's softmax gradient: (g − Σ g·p) · p per row.
        else if (plan.head === 'softmax-categorical-crossentropy') dActivity = tf.mul(tf.sub(g, tf.sum(tf.mul(g, p), -1, true)), p);
        dz = tf.add(dz, dActivity) as tf.Tensor3D;
      }
      // The objective's parts (summed over the epoch by `objective`): weight penalties at the weights this step starts from, activity penalties of this batch.
      const penalized: PenalizedWeight[] = [];
      layers.forEach((_, index) => {
        for (const [w, slot] of [
          [kernels[index], kernelPenalties[index]],
          [biases[index], biasPenalties[index]],
        ] as const) {
          if (w != null && (slot.l1 != null || slot.l2 != null)) penalized.push({ value: w, l1: slot.l1?.value ?? null, l2: slot.l2?.value ?? null });
        }
      });
      let activityTotal: tf.Tensor1D | null = null;
      layers.forEach((_, index) => {
        const activated = index === last ? outputActivation : outputs[index];
        const raw = activated == null ? null : penaltyValue(activated, activityPenalties[index]);
        if (raw == null) return;
        const value = tf.mul(raw, scalars.of(count === 0 ? 0 : 1 / count)) as tf.Tensor1D;
        activityTotal = activityTotal == null ? value : (tf.add(activityTotal, value) as tf.Tensor1D);
      });
      objective.add({ size: count, data, weights: penalized, activity: activityTotal });
      const gradients: tf.Tensor[] = [];
      let upstream: tf.Tensor3D | null = null;
      for (let index = layers.length - 1; index >= 0; index--) {
        let dOutput: tf.Tensor3D;
        const normGradients: tf.Tensor[] = [];
        if (index === last) dOutput = dz;
        else {
          let dActivation = upstream as tf.Tensor3D;
          const norm = norms[index];
          const saved = normalized[index];
          if (norm != null && saved != null) {
            // y = γ·x̂ + β with x̂ = (x − μ)/σ over the member's batch: dγ = Σ dy·x̂, dβ = Σ dy,
            // dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ (μ and σ depend on x).
            const dy = dActivation;
            const { xHat, inverseDeviation } = saved;
            // Σ over the member's rows: batchedBiasGradient (tfjs's row-order sum, without its transpose on the pure-JS backend).
            normGradients.push(batchedBiasGradient(tf.mul(dy, xHat) as tf.Tensor3D, onesRow), batchedBiasGradient(dy, onesRow));
            const dXHat = memberRowOp(dy, norm.gamma, 'mul');
            const centered = memberRowOp(dXHat, memberRowsMean(dXHat), 'sub');
            dActivation = memberRowOp(tf.sub(centered, memberRowOp(xHat, memberRowsMean(tf.mul(dXHat, xHat) as tf.Tensor3D), 'mul')) as tf.Tensor3D, inverseDeviation, 'mul');
          }
          const activity = activityGradient(outputs[index], index, count);
          if (activity != null) dActivation = tf.add(dActivation, activity) as tf.Tensor3D;
          dOutput = layers[index].relu ? (batchedReluGrad(dActivation, outputs[index]) as tf.Tensor3D) : dActivation;
        }
        const layerGradients = [withPenaltyGradient(batchedMatMul(inputs[index], dOutput, true, false), kernels[index], kernelPenalties[index])];
        if (biases[index] != null) layerGradients.push(withPenaltyGradient(batchedBiasGradient(dOutput, onesRow), biases[index] as tf.Variable, biasPenalties[index]));
        gradients.unshift(...layerGradients, ...normGradients);
        if (index > 0) {
          upstream = batchedMatMul(dOutput, kernels[index] as unknown as tf.Tensor3D, false, true);
          const multiplier = multipliers[index];
          if (multiplier != null) upstream = tf.mul(upstream, multiplier) as tf.Tensor3D;
        }
      }
      // Keras 3 order: gradients at the current weights, then the decoupled decay, then the update.
      if (kernelDecay.some((rates) => rates != null) || biasDecay.some((rates) => rates != null)) {
        const factors = currentDecayFactors(optimizer.learningRates());
        layers.forEach((_, index) => {
          const { kernel, bias } = factors[index];
          if (kernel != null) kernels[index].assign(scaleByMember(kernels[index], kernel));
          if (bias != null && biases[index] != null) (biases[index] as tf.Variable).assign(scaleByMember(biases[index] as tf.Variable, bias));
        });
      }
      optimizer.applyGradients(trainable(), gradients);
    };

    /**
     * Inference-mode predictions of every member on shared rows x [1, n, features] (broadcast over the members): [K, n, units]
     * (BatchNormalization with the moving statistics). `activations`, when given, receives each
     * Dense layer's activated output (the output layer's: the prediction), for the activity penalties.
     */
    const predict = (x: tf.Tensor3D, activations?: tf.Tensor3D[]): tf.Tensor3D => {
      let h = x;
      layers.forEach((layer, index) => {
        h = batchedDenseForward(h, kernels[index] as unknown as tf.Tensor3D, biases[index], layer.relu && index < layers.length - 1);
        if (index < layers.length - 1) activations?.push(h);
        const norm = norms[index];
        const setting = plan.batchNormAfter[index];
        if (norm != null && setting != null) h = batchedBatchNormInference(h, norm.movingMean, norm.movingVariance, norm.beta, norm.gamma, setting.epsilon);
      });
      if (plan.head === 'softmax-categorical-crossentropy') h = tf.softmax(h) as tf.Tensor3D;
      else if (plan.head === 'sigmoid-binary-crossentropy') h = elementwise.sigmoid(h) as tf.Tensor3D;
      activations?.push(h);
      return h;
    };
    const activityMeasured = activityCoefficients.map((slot) => slot.l1 != null || slot.l2 != null);

    /**
     * Every member's per-epoch measurement, read back at once: per split the inference-mode data loss,
     * accuracy or mean absolute error and (train split) activity penalties, each the mean over the
     * split's rows; per weight slot the penalty and the norm. Keyed as `${split}.loss`,
     * `penalty:${layer}:${slot}`, `norm:${layer}:${slot}`; each value one number per population row.
     *
     * One forward pass over the evaluation rows (lib/train/population/evaluation-rows.ts) gives the
     * per-row quantities [K, rows]; one product with the rows' split membership sums them per split.
     * Per weight slot one Euclidean norm (and a sum of absolute values where an L1 coefficient needs
     * it); penalties (Σw² as the squared norm: ~1e-7 relative from the sum itself) and means are formed
     * on the host in float32 (`Math.fround` of one double operation is the float32 result of that operation).
     */
    const measure = async (): Promise<Map<string, number[]>> => {
      const members = kernels[0].shape[0];
      const evaluated = evaluation as EvaluationRows;
      const withActivity = activityMeasured.some(Boolean);
      // Per-row quantities, in the order of the rows of the per-split sums.
      const quantities: string[] = ['loss'];
      if (plan.accuracy === 'binary' || plan.accuracy === 'categorical') quantities.push('accuracy');
      if (plan.meanAbsoluteError) quantities.push('meanAbsoluteError');
      layers.forEach((_, index) => {
        if (!activityMeasured[index]) return;
        if (activityCoefficients[index].l1 != null) quantities.push(`activityL1:${index}`);
        if (activityCoefficients[index].l2 != null) quantities.push(`activityL2:${index}`);
      });
      // Per weight slot: its norm (and Σ|w| where an L1 coefficient needs it), in the order of the rows of `weightSums`.
      const weightSlots: Array<{ name: string; tensor: tf.Tensor; penalty: SlotTensors | null }> = [];
      layers.forEach((_, index) => {
        weightSlots.push({ name: `${index}:kernel`, tensor: kernels[index], penalty: kernelPenalties[index] });
        if (biases[index] != null) weightSlots.push({ name: `${index}:bias`, tensor: biases[index] as tf.Variable, penalty: biasPenalties[index] });
        const norm = norms[index];
        if (norm != null) weightSlots.push({ name: `${index}:gamma`, tensor: norm.gamma, penalty: null }, { name: `${index}:beta`, tensor: norm.beta, penalty: null });
      });
      const [splitSums, weightSums] = tf.tidy(() => {
        let sums: tf.Tensor2D | null = null;
        evaluated.forEachChunk(members, (chunk) => {
          const activations: tf.Tensor3D[] = [];
          const prediction = predict(chunk.x, withActivity ? activations : undefined);
          const rows = chunk.x.shape[1];
          const perRow: tf.Tensor[] = [rowLoss(chunk.y, prediction)];
          if (plan.accuracy === 'binary') perRow.push(tf.sum(tf.cast(tf.equal(tf.greater(prediction, 0.5), tf.greater(chunk.y, 0.5)), 'float32'), -1));
          else if (plan.accuracy === 'categorical') perRow.push(tf.cast(tf.equal(tf.argMax(prediction, -1), tf.argMax(chunk.y, -1)), 'float32'));
          if (plan.meanAbsoluteError) perRow.push(tf.mean(tf.abs(tf.sub(prediction, chunk.y)), -1));
          layers.forEach((_, index) => {
            if (!activityMeasured[index]) return;
            if (activityCoefficients[index].l1 != null) perRow.push(tf.sum(tf.abs(activations[index]), -1));
            if (activityCoefficients[index].l2 != null) perRow.push(tf.sum(tf.square(activations[index]), -1));
          });
          const stacked = tf.reshape(perRow.length === 1 ? perRow[0] : tf.stack(perRow), [perRow.length * members, rows]) as tf.Tensor2D;
          const chunkSums = matrixProduct(stacked, chunk.membership);
          sums = sums == null ? chunkSums : (tf.add(sums, chunkSums) as tf.Tensor2D);
        });
        const slotSums: tf.Tensor[] = [];
        for (const slot of weightSlots) {
          slotSums.push(memberNorms(slot.tensor));
          if (slot.penalty?.l1 != null) slotSums.push(tf.sum(tf.abs(slot.tensor), [1, 2]));
        }
        return [sums as unknown as tf.Tensor2D, tf.stack(slotSums) as tf.Tensor2D];
      });
      const [splitValues, weightValues] = (await Promise.all([splitSums.data(), weightSums.data()])) as Float32Array[];
      tf.dispose([splitSums, weightSums]);
      const splitCount = evaluated.splits.length;
      const sumOf = (quantity: string, column: number, row: number): number => splitValues[(quantities.indexOf(quantity) * members + row) * splitCount + column];
      const measured = new Map<string, number[]>();
      const perMember = (compute: (row: number) => number): number[] => Array.from({ length: members }, (_, row) => compute(row));
      evaluated.splits.forEach((split, column) => {
        const count = evaluated.counts[column];
        for (const quantity of ['loss', 'accuracy', 'meanAbsoluteError']) {
          if (quantities.includes(quantity)) measured.set(`${split}.${quantity}`, perMember((row) => Math.fround(sumOf(quantity, column, row) / count)));
        }
        if (split !== 'train') return;
        layers.forEach((_, index) => {
          if (!activityMeasured[index]) return;
          const { l1, l2 } = activityCoefficients[index];
          // The penalty of the train rows' activations, l1·Σ|a| + l2·Σa², over the rows (as each batch's penalty weighted by its size, lib/train/epoch-metrics).
          measured.set(
            `penalty:${index}:activity`,
            perMember((row) => {
              const l1Part = l1 == null ? 0 : Math.fround(l1[row]) * sumOf(`activityL1:${index}`, column, row);
              const l2Part = l2 == null ? 0 : Math.fround(l2[row]) * sumOf(`activityL2:${index}`, column, row);
              return Math.fround((l1Part + l2Part) / count);
            }),
          );
        });
      });
      let position = 0;
      for (const slot of weightSlots) {
        const next = (): Float32Array => weightValues.subarray(position * members, ++position * members);
        const norms = next();
        const absolutes = slot.penalty?.l1 != null ? next() : null;
        measured.set(`norm:${slot.name}`, Array.from(norms));
        if (slot.penalty == null) continue;
        const { l1, l2 } = slot.penalty;
        // The slot's penalty as the float32 formula l1·Σ|w| + l2·Σw² computes it (0 when no member penalizes it).
        measured.set(
          `penalty:${slot.name}`,
          perMember((row) => {
            const l1Part = l1 == null ? null : Math.fround((absolutes as Float32Array)[row] * l1.coefficients[row]);
            const l2Part = l2 == null ? null : Math.fround(Math.fround(norms[row] * norms[row]) * l2.coefficients[row]);
            return l1Part == null ? (l2Part ?? 0) : l2Part == null ? l1Part : Math.fround(l1Part + l2Part);
          }),
        );
      }
      return measured;
    };

    /** The EpochRecord of the member in row `row` from a measurement. */
    const recordOf = (member: number, row: number, measured: Map<string, number[]>, epoch: number, seconds: number, trainObjective: number | undefined): EpochRecord => {
      const value = (name: string): number => (measured.get(name) as number[])[row];
      const splits: Partial<Record<SplitName, SplitMetrics>> = {};
      for (const split of ['train', 'validation', 'test'] as const) {
        if (data[split] == null) continue;
        const metrics: SplitMetrics = { loss: value(`${split}.loss`) };
        if (measured.has(`${split}.accuracy`)) metrics.accuracy = value(`${split}.accuracy`);
        if (measured.has(`${split}.meanAbsoluteError`)) metrics.meanAbsoluteError = value(`${split}.meanAbsoluteError`);
        splits[split] = metrics;
      }
      const penaltyPerLayer: Record<string, number> = {};
      for (const { key, layer, slot } of plan.penaltyKeys[member]) penaltyPerLayer[key] = value(`penalty:${layer}:${slot}`);
      const weightNorms: Record<string, number> = {};
      plan.normKeys[member].forEach((keys, layer) => {
        weightNorms[keys.kernel] = value(`norm:${layer}:kernel`);
        if (keys.bias != null) weightNorms[keys.bias] = value(`norm:${layer}:bias`);
        if (keys.gamma != null) weightNorms[keys.gamma] = value(`norm:${layer}:gamma`);
        if (keys.beta != null) weightNorms[keys.beta] = value(`norm:${layer}:beta`);
      });
      const record: EpochRecord = {
        epoch,
        train: splits.train as SplitMetrics,
        penalty: Object.values(penaltyPerLayer).reduce((sum, part) => sum + part, 0),
        penaltyPerLayer,
        weightNorms,
        seconds,
      };
      if (splits.validation) record.validation = splits.validation;
      if (splits.test) {
        record.test = splits.test;
        record.lossGap = splits.test.loss - record.train.loss;
        if (splits.test.accuracy != null && record.train.accuracy != null) record.accuracyGap = record.train.accuracy - splits.test.accuracy;
      }
      if (trainObjective !== undefined) record.trainObjective = trainObjective;
      return record;
    };

    /**
     * The member's weights in row `row`: per layer kernel [in, out] and bias [out], then the
     * BatchNormalization's gamma, beta, moving mean and variance [out] after it, if any (kept).
     */
    const memberWeights = (row: number): tf.Tensor[] =>
      tf.tidy(() =>
        layers.flatMap((layer, index) => {
          const rowOf = (tensor: tf.Tensor) => tf.reshape(tf.slice(tensor, [row, 0, 0], [1, -1, -1]), [layer.units]);
          const kernel = tf.reshape(tf.slice(kernels[index], [row, 0, 0], [1, -1, -1]), [layer.inputUnits, layer.units]);
          const bias = biases[index] != null ? [rowOf(biases[index] as tf.Variable)] : [];
          const norm = norms[index];
          const normWeights = norm != null ? [norm.gamma, norm.beta, norm.movingMean, norm.movingVariance].map(rowOf) : [];
          return [kernel, ...bias, ...normWeights];
        }),
      ).map((tensor) => tf.keep(tensor));

    const finish = async (member: number, row: number, stopReason: StopReason, divergedAtEpoch: number | undefined): Promise<void> => {
      const state = states[member];
      const records = state.records;
      let bestEpoch = records.length > 0 ? records[records.length - 1].epoch : state.lastEpoch;
      let final = records[records.length - 1];
      let weights: tf.Tensor[] | null = null;
      const stopping = state.stopping;
      if (stopping != null && stopping.restoreBestWeights && stopping.snapshot != null) {
        const bestRecord = records.find((record) => record.epoch === stopping.bestEpoch);
        if (bestRecord != null && stopping.bestEpoch !== final.epoch) {
          weights = stopping.snapshot;
          bestEpoch = stopping.bestEpoch;
          final = bestRecord;
        }
      }
      if (writeWeights) {
        const owned = weights == null;
        const values = weights ?? memberWeights(row);
        let position = 0;
        plan.variables[member].forEach(({ kernel, bias }, layer) => {
          (kernel.read() as tf.Variable).assign(values[position++] as tf.Tensor);
          if (bias != null) (bias.read() as tf.Variable).assign(values[position++] as tf.Tensor);
          const norm = plan.batchNormVariables[member][layer];
          if (norm != null) for (const variable of [norm.gamma, norm.beta, norm.movingMean, norm.movingVariance]) (variable.read() as tf.Variable).assign(values[position++] as tf.Tensor);
        });
        if (owned) tf.dispose(values);
      }
      if (stopping?.snapshot != null) {
        tf.dispose(stopping.snapshot);
        stopping.snapshot = null;
      }
      const result: TrainResult = {
        status: RUN_STATUS_OF_STOP_REASON[stopReason],
        epochs: records,
        bestEpoch,
        final,
        backend,
        trainingPath: 'population',
        seed: settings[member].seed,
        stopReason,
        optimizer: { ...optimizerConfigs[member] },
      };
      if (divergedAtEpoch !== undefined) {
        result.divergedAtEpoch = divergedAtEpoch;
        result.divergenceReason = divergenceReason(records, divergedAtEpoch);
      }
      if (atClipCeiling(final)) result.lossAtClipCeiling = true;
      if (Object.keys(decayMaps[member]).length > 0) result.weightDecay = decayMaps[member];
      results[member] = result;
      await args.onMemberFinished?.(member, result);
    };

    /** Keeps the population rows `rows` (the members still training), in that order. */
    const compact = (rows: number[]): void => {
      const index = tf.tensor1d(rows, 'int32');
      try {
        layers.forEach((_, layer) => {
          const kernel = kernels[layer];
          kernels[layer] = variableOf(tf.tidy(() => tf.gather(kernel, index)));
          kernel.dispose();
          const bias = biases[layer];
          if (bias != null) {
            biases[layer] = variableOf(tf.tidy(() => tf.gather(bias, index)));
            bias.dispose();
          }
          const norm = norms[layer];
          if (norm != null) {
            const gathered = (variable: tf.Variable) => {
              const kept = variableOf(tf.tidy(() => tf.gather(variable, index)));
              variable.dispose();
              return kept;
            };
            norms[layer] = { gamma: gathered(norm.gamma), beta: gathered(norm.beta), movingMean: gathered(norm.movingMean), movingVariance: gathered(norm.movingVariance) };
          }
        });
        const keepPart = (part: SlotPart | null): SlotPart | null =>
          part == null
            ? null
            : {
                value: keepRows(part.value, index),
                coefficients: Float32Array.from(rows, (row) => part.coefficients[row]),
                gradient: Float32Array.from(rows, (row) => part.gradient[row]),
                gradientTensor: keepRows(part.gradientTensor, index),
              };
        const keepSlot = (slot: SlotTensors): SlotTensors => ({ l1: keepPart(slot.l1), l2: keepPart(slot.l2) });
        kernelPenalties = kernelPenalties.map(keepSlot);
        biasPenalties = biasPenalties.map(keepSlot);
        activityPenalties = activityPenalties.map(keepSlot);
        activityCoefficients = activityCoefficients.map((slot) => ({ l1: slot.l1 == null ? null : rows.map((row) => (slot.l1 as number[])[row]), l2: slot.l2 == null ? null : rows.map((row) => (slot.l2 as number[])[row]) }));
        kernelDecay = kernelDecay.map((rates) => (rates == null ? null : rows.map((row) => rates[row])));
        dropoutBefore = dropoutBefore.map((slot) => (slot == null ? null : { rates: rows.map((row) => slot.rates[row]), seeds: rows.map((row) => slot.seeds[row]) }));
        biasDecay = biasDecay.map((rates) => (rates == null ? null : rows.map((row) => rates[row])));
        disposeDecay();
        optimizer.keep(rows);
      } finally {
        index.dispose();
      }
    };

    const maxEpochs = Math.max(...settings.map((setting) => setting.epochs));
    for (let epoch = 1; epoch <= maxEpochs && active.length > 0; epoch++) {
      const epochStart = performance.now();
      const members = active.length;
      for (const member of active) states[member].lastEpoch = epoch;
      let objectiveSum: tf.Tensor1D | null = null;
      let completedBatches = 0;
      let completedSamples = 0;
      let aborted = false;
      let split: { x: tf.Tensor3D[]; y: tf.Tensor3D[] } | null = null;
      try {
        // Each member's permutation, drawn as train draws it (one per epoch when there is more than one
        // batch); the batches [K, size, features] are cut on the host from the data's values and uploaded.
        const orders = batches > 1 && settings[0].shuffle ? active.map((member) => states[member].shuffler.permutation(samples)) : null;
        const cut = (values: Float32Array, width: number, start: number, size: number): tf.Tensor3D => {
          const out = new Float32Array(members * size * width);
          for (let row = 0; row < members; row++) {
            const order = orders?.[row];
            for (let sample = 0; sample < size; sample++) {
              const source = order != null ? order[start + sample] : start + sample;
              out.set(values.subarray(source * width, (source + 1) * width), (row * size + sample) * width);
            }
          }
          return tf.tensor3d(out, [members, size, width]);
        };
        const xs: tf.Tensor3D[] = [];
        const ys: tf.Tensor3D[] = [];
        split = { x: xs, y: ys };
        let start = 0;
        for (const size of batchSizes) {
          xs.push(cut(hostX, featureCount, start, size));
          ys.push(cut(hostY, units, start, size));
          start += size;
        }
        let lastYield = performance.now();
        for (let batch = 0; batch < batches; batch++) {
          if (args.signal?.aborted) {
            aborted = true;
            break;
          }
          const size = batchSizes[batch];
          const batchSplit = split as { x: tf.Tensor3D[]; y: tf.Tensor3D[] };
          tf.tidy(() => step(batchSplit.x[batch], batchSplit.y[batch]));
          completedBatches++;
          completedSamples += size;
          if (yieldEveryMs > 0 && performance.now() - lastYield >= yieldEveryMs && batch < batches - 1) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
        }
        objectiveSum = objective.take();
      } finally {
        if (split) tf.dispose([...split.x, ...split.y]);
      }
      let trainObjectives: Float32Array | null = null;
      if (objectiveSum != null) {
        const summed = objectiveSum as tf.Tensor1D;
        trainObjectives = (await summed.data()) as Float32Array;
        summed.dispose();
      }
      const objectiveOf = (row: number): number | undefined => (trainObjectives == null ? undefined : trainObjectives[row] / completedSamples);
      const trainedSeconds = (performance.now() - epochStart) / 1000;
      void trainedSeconds;

      if (aborted) {
        // Every member stops as train stops on an abort: the partial epoch is measured unless nothing changed since the last record.
        const measured = await measure();
        const seconds = (performance.now() - epochStart) / 1000 / members;
        for (const [row, member] of active.entries()) {
          const state = states[member];
          const last = state.records[state.records.length - 1];
          if (!(completedBatches === 0 && last != null && last.epoch === epoch - 1)) state.records.push(recordOf(member, row, measured, epoch, seconds, objectiveOf(row)));
          await finish(member, row, 'aborted', undefined);
        }
        active = [];
        break;
      }
      const diverged = active.map((_, row) => {
        const value = objectiveOf(row);
        return value !== undefined && !Number.isFinite(value);
      });
      const due = active.map((member, row) => epoch % evaluateEvery === 0 || epoch === settings[member].epochs || diverged[row] || args.signal?.aborted === true);
      if (!due.some(Boolean)) continue;
      const measured = await measure();
      const seconds = (performance.now() - epochStart) / 1000 / members;
      const keep: number[] = [];
      const stillActive: number[] = [];
      for (const [row, member] of active.entries()) {
        if (!due[row]) {
          keep.push(row);
          stillActive.push(member);
          continue;
        }
        const state = states[member];
        const record = recordOf(member, row, measured, epoch, seconds, objectiveOf(row));
        state.records.push(record);
        let stopReason: StopReason | null = null;
        let divergedAtEpoch: number | undefined;
        if (diverged[row] || !Number.isFinite(record.train.loss)) {
          stopReason = 'diverged';
          divergedAtEpoch = epoch;
        } else if (args.signal?.aborted) {
          stopReason = 'aborted';
        } else {
          let stopEarly = false;
          const stopping = state.stopping;
          if (stopping != null && record.validation != null) {
            stopping.wait++;
            if (record.validation.loss < stopping.best - stopping.minDelta) {
              stopping.best = record.validation.loss;
              stopping.bestEpoch = epoch;
              stopping.wait = 0;
              if (stopping.restoreBestWeights) {
                if (stopping.snapshot != null) tf.dispose(stopping.snapshot);
                stopping.snapshot = memberWeights(row);
              }
            } else {
              stopEarly = stopping.wait >= stopping.patience;
            }
          }
          const answer = await args.onEpochEnd?.(member, record);
          if (answer === 'stop') stopReason = 'pruned';
          else if (stopEarly) stopReason = 'early_stopping';
          else if (epoch >= settings[member].epochs) stopReason = 'epochs';
        }
        if (stopReason != null) await finish(member, row, stopReason, divergedAtEpoch);
        else {
          keep.push(row);
          stillActive.push(member);
        }
      }
      if (stillActive.length < active.length && stillActive.length > 0) compact(keep);
      active = stillActive;
    }
    return results.map((result, member) => {
      if (result == null) throw new Error(`trainPopulation: member ${member} never finished (internal error)`);
      return result;
    });
  } finally {
    for (const state of states) if (state.stopping?.snapshot != null) tf.dispose(state.stopping.snapshot);
    tf.dispose([...kernels, ...biases.filter((bias): bias is tf.Variable => bias != null)]);
    for (const norm of norms) if (norm != null) tf.dispose([norm.gamma, norm.beta, norm.movingMean, norm.movingVariance]);
    disposeSlots(kernelPenalties);
    disposeSlots(biasPenalties);
    disposeSlots(activityPenalties);
    disposeDecay();
    evaluation?.dispose();
    tf.dispose([...onesRows.values()]);
    objective.dispose();
    optimizer.dispose();
    scalars.dispose();
  }
}
