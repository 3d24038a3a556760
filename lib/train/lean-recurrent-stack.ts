/**
 * The lean path for Sequential models that start with one recurrent layer (LSTM or GRU, returning
 * its last output) followed by a Dense stack the hand-written pass covers
 * (lib/train/lean-dense-stack.ts: Dense, Dropout, BatchNormalization, ending in a supported head):
 * a hand-written forward over the time steps and backward through time (BPTT), computing exactly
 * the general path's objective `mean(loss(y, model.apply(x, {training: true}))) + penalties`.
 *
 * Why: tfjs's RNN layers run each time step as ~10 small eager ops and autodiff adds ~20 more per
 * step back, at ~20 µs each on the native backend (0.13x Keras on the bench zoo). Here:
 *
 *  - LSTM: the whole sequence is one `BlockLSTMV2` kernel forward and one `BlockLSTMGradV2` back
 *    (lib/train/native-recurrent-kernels.ts): TensorFlow's fused LSTM, Keras's gate order (i, f, c,
 *    o), sigmoid gates, tanh cell, the kernel and recurrent kernel stacked as `[kernel; recurrent]`.
 *  - GRU with `resetAfter: false` (tfjs's GRU, Keras `reset_after=False`): one `GRUBlockCell` per step
 *    forward and one `GRUBlockCellGrad` per step back (TensorFlow's fused cell, the same formula);
 *    the weight gradients are then two matmuls over all steps at once.
 *  - GRU with `resetAfter: true` (Keras 3's default; layerwise's `layers.gru`, lib/layers/gru.ts):
 *    TensorFlow has no fused kernel for it, so the step is written out: the input projection of all
 *    time steps is one matmul up front, then per step the recurrent matmuls (z/r columns; h columns
 *    + bias), a sigmoid over the z/r pre-activations, the candidate `tanh(x_h + r ⊙ (h·U_h + b_rh))`
 *    and the interpolation `h' = h̃ + z ⊙ (h − h̃)` (= z⊙h + (1 − z)⊙h̃): 12 kernels per step. Backward,
 *      dz = dh ⊙ (h − h̃),  da_h = dh ⊙ (1 − z) ⊙ (1 − h̃²),  dr = da_h ⊙ m_h,  dm_h = da_h ⊙ r,
 *      d[a_z, a_r] = [dz, dr] ⊙ g ⊙ (1 − g)  (g = [z, r]),  dh_prev = dh ⊙ z + [da_zr, dm_h]·Uᵀ,
 *    is linear in dh, so every factor that does not depend on dh is computed for all steps at once
 *    after the forward, and a step back is `dh_prev = (tile(dh, 4) ⊙ F_t)·[Uᵀ; I]`: 3 kernels;
 *    then the kernel, recurrent kernel and both bias rows' gradients as one matmul (or sum) each over
 *    all steps. This written-out variant runs off the native backend; on it, each step's gates and
 *    candidate come from one `GRUBlockCell` fed a widened input (see `gruResetAfterFusedForward`:
 *    6 kernels per step forward instead of 12, ~363 native calls per batch instead of ~557 on the
 *    bench zoo's GRU). The LSTM and reset-before GRU need the native backend (elsewhere the model
 *    takes the general path, with that reason).
 *
 * The recurrent layer's kernel, recurrent-kernel and bias penalties and an activity penalty on its
 * output (divided by the batch size, as Keras 3) are added with their gradients: L1, L2 and L1L2 in
 * closed form, `l1·step(w, −1) + 2·l2·w` (tfjs's abs gradient, as the general path differentiates);
 * any other regularizer (orthogonal, custom) by autodiff of its penalty alone. Gradients are tested
 * against autodiff of the general path in test/train/lean-recurrent-stack.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { weightPenaltyValue, type WeightRegularizer } from '../penalty';
import { nativeBackend } from '../backend/native-ops';
import { denseStackHeadOf, denseStackObjective, planDenseLayers, penaltyCoefficientsOf, type DenseStackPlan, type PenaltyCoefficients } from './lean-dense-stack';
import { biasGradient, l2PenaltyValue, matMul2d } from './native-kernels';
import { blockLstm, blockLstmGrad, gruBlockCell, gruBlockCellGrad, nativeInt64Scalar, RecurrentStepOps, sigmoidGrad, tanhGrad } from './native-recurrent-kernels';
import { ScalarCache } from './scalar-cache';

/**
 * A penalty of the recurrent layer: L1/L2/L1L2 coefficients (closed-form value and gradient), or any
 * other regularizer (orthogonal, custom), whose gradient is autodiff of the penalty alone (a few ops
 * on the weight, once per step; the data loss's gradient stays hand-written).
 */
export type RecurrentPenalty = { coefficients: PenaltyCoefficients; regularizer?: undefined } | { coefficients?: undefined; regularizer: WeightRegularizer };

/** Which recurrent cell the plan runs. */
export type RecurrentCellKind = 'lstm' | 'gru' | 'gru-reset-after';

/** The recurrent layer of a plan: its cell kind, weights and penalties. */
export interface RecurrentItem {
  kind: RecurrentCellKind;
  layer: tf.layers.Layer;
  units: number;
  kernel: LayerVariable;
  recurrentKernel: LayerVariable;
  bias: LayerVariable | null;
  kernelPenalty: RecurrentPenalty | null;
  recurrentPenalty: RecurrentPenalty | null;
  biasPenalty: RecurrentPenalty | null;
  /** Activity penalty on the layer's output (its last state), divided by the batch size as Keras 3 does. */
  activityPenalty: RecurrentPenalty | null;
}

/** A recurrent layer followed by a Dense stack. */
export interface RecurrentStackPlan {
  recurrent: RecurrentItem;
  dense: DenseStackPlan;
}

/** Internals of tfjs-layers' RNN layers and cells read here (protected in the typings; stable in tfjs 4.x). */
interface RecurrentInternals {
  cell?: CellInternals;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  activityRegularizer?: unknown;
}
interface CellInternals {
  units: number;
  activation?: { getClassName(): string };
  recurrentActivation?: { getClassName(): string };
  dropout?: number;
  recurrentDropout?: number;
  useBias?: boolean;
  resetAfter?: boolean;
  kernel?: LayerVariable;
  recurrentKernel?: LayerVariable;
  bias?: LayerVariable;
  kernelRegularizer?: unknown;
  recurrentRegularizer?: unknown;
  biasRegularizer?: unknown;
  getClassName(): string;
}

/** What the recurrent pass covers, for `generalPathReason` messages. */
export const RECURRENT_STACK_COVERAGE =
  'a first LSTM or GRU layer (tanh activation, sigmoid recurrent activation, no dropout, returning its last output, not stateful or reversed; any kernel, recurrent, bias and activity penalties) followed by such a Dense stack';

/**
 * The plan of `model` for `lossName`, or the reason it is not a recurrent stack the hand-written pass
 * covers. The fused LSTM and reset-before GRU kernels need the native backend (`nativeBackendActive`).
 */
export function planRecurrentStack(
  model: tf.LayersModel,
  lossName: string | undefined,
  oneHotLabels: boolean,
  nativeBackendActive = nativeBackend() != null,
): { plan: RecurrentStackPlan; reason?: undefined } | { plan: null; reason: string } {
  const no = (reason: string) => ({ plan: null, reason }) as const;
  if (model.getClassName() !== 'Sequential') return no('not a Sequential');
  const head = denseStackHeadOf(lossName, oneHotLabels);
  if (head.head == null) return no(head.reason);
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  const first = layers[0] as (tf.layers.Layer & RecurrentInternals) | undefined;
  if (first == null) return no('the model has no layers');
  const className = first.getClassName();
  const position = model.layers.indexOf(first);
  if (className !== 'LSTM' && className !== 'GRU') return no(`layer #${position} is a ${className}, not an LSTM or GRU`);
  const cell = first.cell as CellInternals;
  const label = `layer #${position} (${className})`;
  if (first.returnSequences || first.returnState) return no(`${label} returns its sequence or state`);
  if (first.goBackwards || first.stateful) return no(`${label} is reversed or stateful`);
  if ((cell.dropout ?? 0) !== 0 || (cell.recurrentDropout ?? 0) !== 0) return no(`${label} has dropout`);
  if (cell.activation?.getClassName() !== 'tanh') return no(`${label} has activation ${cell.activation?.getClassName()}`);
  if (cell.recurrentActivation?.getClassName() !== 'sigmoid') return no(`${label} has recurrent activation ${cell.recurrentActivation?.getClassName()} (the fused cells use sigmoid)`);
  if ((first.input as tf.SymbolicTensor).shape.length !== 3) return no(`${label} has inputs of rank other than 3`);
  const kind: RecurrentCellKind = className === 'LSTM' ? 'lstm' : cell.resetAfter === true ? 'gru-reset-after' : 'gru';
  if (kind !== 'gru-reset-after' && !nativeBackendActive) return no(`${label} needs the native backend's fused ${className} kernels`);
  const penalty = (regularizer: unknown): RecurrentPenalty | null => {
    if (regularizer == null) return null;
    const coefficients = penaltyCoefficientsOf(regularizer);
    return coefficients != null ? { coefficients } : { regularizer: regularizer as WeightRegularizer };
  };
  const kernelPenalty = penalty(cell.kernelRegularizer);
  const recurrentPenalty = penalty(cell.recurrentRegularizer);
  const biasPenalty = cell.useBias ? penalty(cell.biasRegularizer) : null;
  const activityPenalty = penalty(first.activityRegularizer);
  const rest = planDenseLayers(layers.slice(1), (layer) => model.layers.indexOf(layer), head.head);
  if (rest.plan == null) return no(rest.reason);
  const statistics = new Set<unknown>(rest.plan.items.flatMap((item) => (item.kind === 'batchNorm' ? [item.movingMean, item.movingVariance] : [])));
  if (model.nonTrainableWeights.some((weight) => !statistics.has(weight))) return no('the model has frozen weights');
  return {
    plan: {
      recurrent: {
        kind,
        layer: first,
        units: cell.units,
        kernel: cell.kernel as LayerVariable,
        recurrentKernel: cell.recurrentKernel as LayerVariable,
        bias: cell.useBias ? (cell.bias as LayerVariable) : null,
        kernelPenalty,
        recurrentPenalty,
        biasPenalty,
        activityPenalty,
      },
      dense: rest.plan,
    },
  };
}

/** The objective of a planned recurrent stack; the same contract as the Dense stack's. */
export interface RecurrentStackObjective {
  /** The objective, taped (autodiff-able): the recurrent layer's own call, then the Dense stack. */
  objective(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /** The objective and its gradient per variable name, by the hand-written forward and BPTT. */
  valueAndGradients(x: tf.Tensor, y: tf.Tensor): { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  dispose(): void;
}

/** The last output of the recurrent layer and a function from its gradient to the weight gradients. */
interface RecurrentForward {
  last: tf.Tensor2D;
  backward(dLast: tf.Tensor2D): { kernel: tf.Tensor; recurrentKernel: tf.Tensor; bias: tf.Tensor | null };
}

/**
 * The objective of a planned recurrent stack. `lossFunction` and `softmaxCrossEntropy` as for
 * {@link denseStackObjective}.
 */
export function recurrentStackObjective(
  plan: RecurrentStackPlan,
  lossFunction: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  softmaxCrossEntropy: (logits: tf.Tensor2D, labels: tf.Tensor2D) => { loss: tf.Tensor1D; backprop: tf.Tensor2D },
): RecurrentStackObjective {
  const dense = denseStackObjective(plan.dense, lossFunction, softmaxCrossEntropy);
  const scalars = new ScalarCache();
  const { recurrent } = plan;
  const units = recurrent.units;
  /** Kept tensors reused across steps (zeros, int64 step counts), freed by dispose(). */
  const kept = new Map<string, tf.Tensor>();
  const keptTensor = (key: string, make: () => tf.Tensor): tf.Tensor => {
    let tensor = kept.get(key);
    if (tensor == null) {
      tensor = tf.keep(make());
      kept.set(key, tensor);
    }
    return tensor;
  };
  const ops = new RecurrentStepOps();
  const variables = [recurrent.kernel, recurrent.recurrentKernel, ...(recurrent.bias != null ? [recurrent.bias] : [])].map((weight) => weight.read() as tf.Variable);

  /** The penalty's value at `w`, times `scale`. */
  const penaltyValue = (w: tf.Tensor, penalty: RecurrentPenalty, scale = 1): tf.Scalar => {
    if (penalty.regularizer != null) {
      const value = weightPenaltyValue(penalty.regularizer, w);
      return scale === 1 ? value : (tf.mul(value, scalars.of(scale)) as tf.Scalar);
    }
    const { l1, l2 } = penalty.coefficients;
    let value: tf.Scalar | null = null;
    if (l1 !== 0) value = tf.mul(tf.sum(tf.abs(w)), scalars.of(l1 * scale)) as tf.Scalar;
    if (l2 !== 0) {
      const squares = l2PenaltyValue(w, scalars.of(l2 * scale), scalars.of(2 * l2 * scale));
      value = value == null ? squares : (tf.add(value, squares) as tf.Scalar);
    }
    return value ?? (scalars.of(0) as tf.Scalar);
  };
  /** `gradient + scale·d(penalty)/dw`: `l1·step(w, −1) + 2·l2·w` (tfjs's abs gradient), or autodiff of another regularizer. */
  const withPenalty = (gradient: tf.Tensor, w: tf.Tensor, penalty: RecurrentPenalty | null, scale = 1): tf.Tensor => {
    if (penalty == null) return gradient;
    if (penalty.regularizer != null) {
      const regularizer = penalty.regularizer;
      const own = tf.grad((weight: tf.Tensor) => weightPenaltyValue(regularizer, weight))(w);
      return tf.add(gradient, scale === 1 ? own : tf.mul(own, scalars.of(scale)));
    }
    const { l1, l2 } = penalty.coefficients;
    let total = gradient;
    if (l1 !== 0) total = tf.add(total, tf.mul(tf.step(w, -1), scalars.of(l1 * scale)));
    if (l2 !== 0) total = tf.add(total, tf.mul(w, scalars.of(2 * l2 * scale)));
    return total;
  };

  const lstmForward = (x: tf.Tensor3D): RecurrentForward => {
    const [batch, steps, features] = x.shape;
    const timeSteps = keptTensor(`steps:${steps}`, () => nativeInt64Scalar(steps) as tf.Tensor);
    const zerosState = keptTensor(`state:${batch}`, () => tf.zeros([batch, units])) as tf.Tensor2D;
    const zerosGate = keptTensor('gate', () => tf.zeros([units])) as tf.Tensor1D;
    const bias = (recurrent.bias?.read() ?? keptTensor('bias', () => tf.zeros([4 * units]))) as tf.Tensor1D;
    const w = tf.concat([recurrent.kernel.read(), recurrent.recurrentKernel.read()], 0) as tf.Tensor2D;
    const args = { timeSteps, x: tf.transpose(x, [1, 0, 2]) as tf.Tensor3D, zerosState, w, zerosGate, bias };
    const outputs = blockLstm(args);
    if (outputs == null) throw new Error('the lean LSTM pass needs the native backend');
    const last = tf.reshape(tf.slice(outputs.h, [steps - 1, 0, 0], [1, batch, units]), [batch, units]) as tf.Tensor2D;
    return {
      last,
      backward: (dLast) => {
        // Only the last output is used: d/dh is dLast at the last step, zero before; nothing reads the cell state.
        const hGrad = tf.pad(tf.reshape(dLast, [1, batch, units]), [[steps - 1, 0], [0, 0], [0, 0]]) as tf.Tensor3D;
        const csGrad = keptTensor(`cs:${steps}:${batch}`, () => tf.zeros([steps, batch, units])) as tf.Tensor3D;
        const grads = blockLstmGrad(args, outputs, hGrad, csGrad);
        if (grads == null) throw new Error('the lean LSTM pass needs the native backend');
        const [kernel, recurrentKernel] = tf.split(grads.w, [features, units], 0);
        return { kernel, recurrentKernel, bias: recurrent.bias != null ? grads.bias : null };
      },
    };
  };

  const gruForward = (x: tf.Tensor3D): RecurrentForward => {
    const [batch, steps, features] = x.shape;
    // Keras/tfjs column order is z, r, h; the fused cell takes [r, u(=z)] and the candidate's columns.
    const full = tf.concat([recurrent.kernel.read(), recurrent.recurrentKernel.read()], 0) as tf.Tensor2D;
    const [fullZ, fullR, fullH] = tf.split(full, 3, 1) as tf.Tensor2D[];
    const wRu = tf.concat([fullR, fullZ], 1) as tf.Tensor2D;
    const wC = fullH;
    const biasValue = (recurrent.bias?.read() ?? keptTensor('bias', () => tf.zeros([3 * units]))) as tf.Tensor1D;
    const [biasZ, biasR, biasH] = tf.split(biasValue, 3, 0) as tf.Tensor1D[];
    const bRu = tf.concat([biasR, biasZ], 0) as tf.Tensor1D;
    const bC = biasH;
    const timeMajor = tf.transpose(x, [1, 0, 2]);
    const inputs = tf.unstack(timeMajor) as tf.Tensor2D[];
    let h = keptTensor(`state:${batch}`, () => tf.zeros([batch, units])) as tf.Tensor2D;
    const previous: tf.Tensor2D[] = [];
    const cells: Array<{ r: tf.Tensor2D; u: tf.Tensor2D; c: tf.Tensor2D }> = [];
    for (const input of inputs) {
      const cell = gruBlockCell(input, h, wRu, wC, bRu, bC);
      if (cell == null) throw new Error('the lean GRU pass needs the native backend');
      previous.push(h);
      cells.push(cell);
      h = cell.h;
    }
    return {
      last: h,
      backward: (dLast) => {
        let dh = dLast;
        const dCBars: tf.Tensor2D[] = new Array(steps);
        const dGates: tf.Tensor2D[] = new Array(steps);
        const weights = { wRu, wC, bRu, bC };
        for (let step = steps - 1; step >= 0; step--) {
          const grads = gruBlockCellGrad({ x: inputs[step], hPrevious: previous[step], ...cells[step] }, weights, dh);
          if (grads == null) throw new Error('the lean GRU pass needs the native backend');
          dCBars[step] = grads.dCBar;
          dGates[step] = grads.dRBarUBar;
          dh = grads.dhPrevious;
        }
        // Σ over steps of [x, h_prev]ᵀ·d[r̄, ū] and [x, r⊙h_prev]ᵀ·dc̄: one matmul each over the stacked steps.
        const xAll = tf.reshape(timeMajor, [steps * batch, features]) as tf.Tensor2D;
        const previousAll = tf.concat(previous, 0) as tf.Tensor2D;
        const resetAll = tf.concat(cells.map((cell) => cell.r), 0);
        const dGatesAll = tf.concat(dGates, 0) as tf.Tensor2D;
        const dCBarAll = tf.concat(dCBars, 0) as tf.Tensor2D;
        const dWRu = matMul2d(tf.concat([xAll, previousAll], 1) as tf.Tensor2D, dGatesAll, true, false);
        const dWC = matMul2d(tf.concat([xAll, tf.mul(resetAll, previousAll)], 1) as tf.Tensor2D, dCBarAll, true, false);
        const [dWR, dWZ] = tf.split(dWRu, 2, 1);
        const [kernel, recurrentKernel] = tf.split(tf.concat([dWZ, dWR, dWC], 1), [features, units], 0);
        let bias: tf.Tensor | null = null;
        if (recurrent.bias != null) {
          const [dBR, dBZ] = tf.split(biasGradient(dGatesAll), 2, 0);
          bias = tf.concat([dBZ, dBR, biasGradient(dCBarAll)], 0);
        }
        return { kernel, recurrentKernel, bias };
      },
    };
  };

  const gruResetAfterForward = (x: tf.Tensor3D): RecurrentForward => {
    const [batch, steps, features] = x.shape;
    const kernel = recurrent.kernel.read() as tf.Tensor2D;
    const recurrentKernel = recurrent.recurrentKernel.read() as tf.Tensor2D;
    // Bias [2, 3·units]: row 0 the input bias, row 1 the recurrent bias (Keras's layout).
    const [inputBias, recurrentBias] = recurrent.bias != null ? (tf.unstack(recurrent.bias.read()) as tf.Tensor1D[]) : [null, null];
    const timeMajor = tf.reshape(tf.transpose(x, [1, 0, 2]), [steps * batch, features]) as tf.Tensor2D;
    // The input projection of every step at once: x·W + b_in, [T·B, 3·units], split into the z/r and h
    // parts per step. The z/r columns of the recurrent bias are added here too (the sum
    // x_zr + b_in + (h·U_zr + b_rec) reassociated: the same value up to float32 rounding).
    let projected: tf.Tensor = ops.matMul(timeMajor, kernel);
    if (inputBias != null) projected = ops.biasAdd(projected, inputBias);
    let [projectedZr, projectedH] = ops.splitColumns(projected, [2 * units, units]);
    const [recurrentKernelZr, recurrentKernelH] = ops.splitColumns(recurrentKernel, [2 * units, units]);
    let recurrentBiasH: tf.Tensor | null = null;
    if (recurrentBias != null) {
      const [recurrentBiasZr, biasH] = tf.split(recurrentBias, [2 * units, units]);
      projectedZr = ops.biasAdd(projectedZr, recurrentBiasZr);
      recurrentBiasH = biasH;
    }
    const inputsZr = tf.unstack(tf.reshape(projectedZr, [steps, batch, 2 * units])) as tf.Tensor2D[];
    const inputsH = tf.unstack(tf.reshape(projectedH, [steps, batch, units])) as tf.Tensor2D[];
    let h = keptTensor(`state:${batch}`, () => tf.zeros([batch, units])) as tf.Tensor2D;
    const previous: tf.Tensor2D[] = [];
    const saved: Array<{ gates: tf.Tensor2D; recurrentH: tf.Tensor2D; candidate: tf.Tensor2D }> = [];
    // 12 kernels per step, each called straight on the backend (lib/train/native-recurrent-kernels.ts):
    // two small matmuls (z/r and h columns) are cheaper than one matmul and a split.
    for (let step = 0; step < steps; step++) {
      const gates = ops.sigmoid(ops.add(inputsZr[step], ops.matMul(h, recurrentKernelZr)));
      const [z, r] = ops.splitColumnsEqually(gates, 2);
      let recurrentH = ops.matMul(h, recurrentKernelH);
      if (recurrentBiasH != null) recurrentH = ops.add(recurrentH, recurrentBiasH);
      const candidate = ops.tanh(ops.add(inputsH[step], ops.mul(r, recurrentH)));
      const difference = ops.sub(h, candidate);
      previous.push(h);
      saved.push({ gates, recurrentH, candidate });
      h = ops.add(candidate, ops.mul(z, difference));
    }
    return {
      last: h,
      backward: (dLast) => {
        // Every factor of the step's backward that does not depend on dh, for all steps at once
        // ([T·B, ·] tensors): with A = (h − h̃)⊙z(1 − z), B = (1 − z)(1 − h̃²), C = B⊙m_h⊙r(1 − r), D = B⊙r,
        //   d[a_z, a_r, m_h] = dh ⊙ [A, C, D]  and  dh_prev = d[a_z, a_r, m_h]·Uᵀ + dh⊙z,
        // so a step back is dh_prev = (tile(dh, 4) ⊙ [A, C, D, z]) · [Uᵀ; I]: 3 kernels per step.
        // z and r of every step: one concatenation of the steps' gates, one split.
        const [zAll, rAll] = ops.splitColumnsEqually(tf.concat(saved.map((step) => step.gates), 0), 2);
        const candidateAll = tf.concat(saved.map((step) => step.candidate), 0) as tf.Tensor2D;
        const previousAll = tf.concat(previous, 0) as tf.Tensor2D;
        const a = sigmoidGrad(zAll, ops.sub(previousAll, candidateAll));
        const b = tanhGrad(candidateAll, ops.sub(scalars.of(1), zAll));
        const c = sigmoidGrad(rAll, ops.mul(b, tf.concat(saved.map((step) => step.recurrentH), 0)));
        const d = ops.mul(b, rAll);
        const factors = tf.unstack(tf.reshape(ops.concatColumns([a, c, d, zAll]), [steps, batch, 4 * units])) as tf.Tensor2D[];
        const back = tf.concat([tf.transpose(recurrentKernel), keptTensor('identity', () => tf.eye(units))], 0) as tf.Tensor2D;
        let dh = dLast;
        const upstream: tf.Tensor2D[] = new Array(steps);
        const products: tf.Tensor2D[] = new Array(steps);
        for (let step = steps - 1; step >= 0; step--) {
          upstream[step] = dh;
          products[step] = ops.mul(ops.tileColumns(dh, 4), factors[step]);
          if (step > 0) dh = ops.matMul(products[step], back);
        }
        // [d(a_z), d(a_r), d(m_h), dh⊙z] per step; the input projection's gradient is [d(a_z), d(a_r), d(candidate pre-activation) = dh⊙B].
        const [dGatesAll, dRecurrentHAll] = ops.splitColumns(tf.concat(products, 0), [2 * units, units, units]);
        const dRecurrentAll = ops.concatColumns([dGatesAll, dRecurrentHAll]);
        const dInputAll = ops.concatColumns([dGatesAll, ops.mul(tf.concat(upstream, 0), b)]);
        const kernelGrad = ops.matMul(timeMajor, dInputAll, true, false);
        const recurrentGrad = ops.matMul(previousAll, dRecurrentAll, true, false);
        const bias = recurrent.bias != null ? tf.stack([biasGradient(dInputAll), biasGradient(dRecurrentAll)]) : null;
        return { kernel: kernelGrad, recurrentKernel: recurrentGrad, bias };
      },
    };
  };

  /**
   * The reset-after GRU on the native backend, with TensorFlow's fused `GRUBlockCell` (a reset-before
   * cell) doing most of each step. Per step, with `s = [x_t, 1, h]` (the step's features, a ones
   * column, the state):
   *   m = s·W_m = h·U_h + b_rh                               (W_m = [0; b_rh; U_h])
   *   GRUBlockCell(x = s, h_prev = m):
   *     [r, z] = sigmoid([s, m]·W_ru + b_ru)                 (W_ru = [[W_r, W_z]; 0; [U_r, U_z]; 0], b_ru = b_in + b_rec)
   *     h̃ = tanh([s, r ⊙ m]·W_c + b_c) = tanh(x·W_h + b_ih + r ⊙ (h·U_h + b_rh))   (W_c = [W_h; 0; 0; I])
   *   h' = h̃ + z ⊙ (h − h̃)                                   (the cell's own h mixes m, not h: unused)
   * so a step is 6 kernels (ConcatV2, MatMul, GRUBlockCell, Sub, Mul, AddV2) where the written-out
   * step is 12, and there is no input projection of all steps up front. Backward as
   * {@link gruResetAfterForward}'s (3 kernels per step), with a fifth factor so that each step's
   * products also hold d(candidate pre-activation): every weight gradient, both bias rows included
   * (through the ones column), is then one matmul `[s_t]ᵀ·[products_t]` over all steps.
   */
  const gruResetAfterFusedForward = (x: tf.Tensor3D): RecurrentForward => {
    const [batch, steps, features] = x.shape;
    const zeros = (rows: number, columns: number) => keptTensor(`zeros:${rows}x${columns}`, () => tf.zeros([rows, columns]));
    const identity = keptTensor('identity', () => tf.eye(units)) as tf.Tensor2D;
    const kernel = recurrent.kernel.read() as tf.Tensor2D;
    const recurrentKernel = recurrent.recurrentKernel.read() as tf.Tensor2D;
    const [kernelZ, kernelR, kernelH] = ops.splitColumnsEqually(kernel, 3);
    const [recurrentZ, recurrentR, recurrentH] = ops.splitColumnsEqually(recurrentKernel, 3);
    const rowOf = (vector: tf.Tensor) => tf.reshape(vector, [1, -1]);
    let biasRu: tf.Tensor1D;
    let biasC: tf.Tensor1D;
    let recurrentBiasH: tf.Tensor;
    if (recurrent.bias != null) {
      // Bias [2, 3·units]: row 0 the input bias, row 1 the recurrent bias (Keras's layout).
      const [inputBias, recurrentBias] = tf.unstack(recurrent.bias.read()) as tf.Tensor1D[];
      const [inputZ, inputR, inputH] = tf.split(inputBias, 3);
      const [biasZ, biasR, biasH] = tf.split(recurrentBias, 3);
      biasRu = tf.concat([tf.add(inputR, biasR), tf.add(inputZ, biasZ)]) as tf.Tensor1D;
      biasC = inputH as tf.Tensor1D;
      recurrentBiasH = rowOf(biasH);
    } else {
      biasRu = keptTensor('zeros:gates', () => tf.zeros([2 * units])) as tf.Tensor1D;
      biasC = keptTensor('zeros:units', () => tf.zeros([units])) as tf.Tensor1D;
      recurrentBiasH = zeros(1, units);
    }
    // Rows of W_ru and W_c: x (features), the ones column, h (units), then m (units).
    const weightsRu = tf.concat([ops.concatColumns([kernelR, kernelZ]), zeros(1, 2 * units), ops.concatColumns([recurrentR, recurrentZ]), zeros(units, 2 * units)], 0) as tf.Tensor2D;
    const weightsC = tf.concat([kernelH, zeros(1 + units, units), identity], 0) as tf.Tensor2D;
    const weightsM = tf.concat([zeros(features, units), recurrentBiasH, recurrentH], 0) as tf.Tensor2D;
    const timeMajor = tf.reshape(tf.transpose(x, [1, 0, 2]), [steps * batch, features]);
    const ones = keptTensor(`ones:${steps * batch}`, () => tf.ones([steps * batch, 1]));
    const inputs = ops.splitRowsEqually(ops.concatColumns([timeMajor, ones]), steps);
    let h = keptTensor(`state:${batch}`, () => tf.zeros([batch, units])) as tf.Tensor2D;
    const stepInputs: tf.Tensor2D[] = new Array(steps);
    const saved = { z: new Array<tf.Tensor2D>(steps), r: new Array<tf.Tensor2D>(steps), candidate: new Array<tf.Tensor2D>(steps), m: new Array<tf.Tensor2D>(steps), difference: new Array<tf.Tensor2D>(steps) };
    for (let step = 0; step < steps; step++) {
      const stepInput = ops.concatColumns([inputs[step], h]);
      const m = ops.matMul(stepInput, weightsM);
      const cell = gruBlockCell(stepInput, m, weightsRu, weightsC, biasRu, biasC);
      if (cell == null) throw new Error('the fused reset-after GRU pass needs the native backend');
      cell.h.dispose();
      const difference = ops.sub(h, cell.c);
      stepInputs[step] = stepInput;
      saved.z[step] = cell.u;
      saved.r[step] = cell.r;
      saved.candidate[step] = cell.c;
      saved.m[step] = m;
      saved.difference[step] = difference;
      h = ops.add(cell.c, ops.mul(cell.u, difference));
    }
    return {
      last: h,
      backward: (dLast) => {
        // As in gruResetAfterForward: A = (h − h̃)⊙z(1 − z), B = (1 − z)(1 − h̃²), C = B⊙m⊙r(1 − r), D = B⊙r, and
        //   dh_prev = (tile(dh, 5) ⊙ [A, C, D, z, B]) · [Uᵀ; I; 0],
        // whose products [d(a_z), d(a_r), d(m), dh⊙z, d(candidate pre-activation)] give every weight gradient.
        // The saved [B, units] tensors of all steps in one concatenation, split into five [T·B, units] views.
        const [zAll, rAll, candidateAll, mAll, differenceAll] = ops.splitRowsEqually(ops.concatRows([...saved.z, ...saved.r, ...saved.candidate, ...saved.m, ...saved.difference]), 5);
        const a = sigmoidGrad(zAll, differenceAll);
        const b = tanhGrad(candidateAll, ops.sub(scalars.of(1), zAll));
        const c = sigmoidGrad(rAll, ops.mul(b, mAll));
        const d = ops.mul(b, rAll);
        const factors = ops.splitRowsEqually(ops.concatColumns([a, c, d, zAll, b]), steps);
        const back = tf.concat([tf.transpose(recurrentKernel), identity, zeros(units, units)], 0) as tf.Tensor2D;
        let dh = dLast;
        const products: tf.Tensor2D[] = new Array(steps);
        for (let step = steps - 1; step >= 0; step--) {
          products[step] = ops.mul(ops.tileColumns(dh, 5), factors[step]);
          if (step > 0) dh = ops.matMul(products[step], back);
        }
        // Σ_t s_tᵀ·products_t: rows x, ones, h; columns d(a_z), d(a_r), d(m), dh⊙z, d(candidate).
        const gradient = ops.matMul(ops.concatRows(stepInputs), ops.concatRows(products), true, false);
        const [gates, dM, , dCandidate] = ops.splitColumns(gradient, [2 * units, units, units, units]);
        const [kernelRows, inputBiasRow] = tf.split(ops.concatColumns([gates, dCandidate]), [features, 1, units], 0);
        const [, recurrentBiasRow, recurrentRows] = tf.split(ops.concatColumns([gates, dM]), [features, 1, units], 0);
        const bias = recurrent.bias != null ? tf.concat([inputBiasRow, recurrentBiasRow], 0) : null;
        return { kernel: kernelRows, recurrentKernel: recurrentRows, bias };
      },
    };
  };

  const forward =
    recurrent.kind === 'lstm' ? lstmForward : recurrent.kind === 'gru' ? gruForward : nativeBackend() != null ? gruResetAfterFusedForward : gruResetAfterForward;

  const recurrentPenalties = (): tf.Scalar | null => {
    let total: tf.Scalar | null = null;
    const add = (value: tf.Scalar) => {
      total = total == null ? value : (tf.add(total, value) as tf.Scalar);
    };
    if (recurrent.kernelPenalty != null) add(penaltyValue(recurrent.kernel.read(), recurrent.kernelPenalty));
    if (recurrent.recurrentPenalty != null) add(penaltyValue(recurrent.recurrentKernel.read(), recurrent.recurrentPenalty));
    if (recurrent.bias != null && recurrent.biasPenalty != null) add(penaltyValue(recurrent.bias.read(), recurrent.biasPenalty));
    return total;
  };

  const objective = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    // The general path's forward (tfjs's own recurrent call, autodiff-able), then the Dense stack's taped objective.
    const h = recurrent.layer.apply(x, { training: true }) as tf.Tensor;
    const layer = recurrent.layer as unknown as { cell: CellInternals };
    let total = dense.objective(h, y);
    if (recurrent.activityPenalty != null) {
      const activity = (recurrent.layer as unknown as RecurrentInternals).activityRegularizer as WeightRegularizer;
      total = tf.add(total, tf.div(weightPenaltyValue(activity, h), scalars.of(h.shape[0] || 1))) as tf.Scalar;
    }
    for (const [weight, regularizer] of [
      [recurrent.kernel, layer.cell.kernelRegularizer],
      [recurrent.recurrentKernel, layer.cell.recurrentRegularizer],
      [recurrent.bias, layer.cell.biasRegularizer],
    ] as const) {
      if (weight != null && regularizer != null) total = tf.add(total, weightPenaltyValue(regularizer as WeightRegularizer, weight.read())) as tf.Scalar;
    }
    return total;
  };

  const handWritten = (x: tf.Tensor, y: tf.Tensor): { value: tf.Scalar; grads: Record<string, tf.Tensor> } => {
    const run = forward(x as tf.Tensor3D);
    const { value: denseValue, grads, inputGradient } = dense.valueGradientsAndInputGradient(run.last, y);
    let penalty = recurrentPenalties();
    let dLast = inputGradient;
    if (recurrent.activityPenalty != null) {
      // Keras 3: the activity penalty of the layer's output, divided by the batch size.
      const count = x.shape[0];
      const scale = count === 0 ? 0 : 1 / count;
      const activity = penaltyValue(run.last, recurrent.activityPenalty, scale);
      penalty = penalty == null ? activity : (tf.add(penalty, activity) as tf.Scalar);
      dLast = withPenalty(dLast, run.last, recurrent.activityPenalty, scale) as tf.Tensor2D;
    }
    const value = (penalty == null ? denseValue : tf.add(denseValue, penalty)) as tf.Scalar;
    const recurrentGrads = run.backward(dLast);
    const [kernel, recurrentKernel, bias] = variables;
    grads[kernel.name] = withPenalty(recurrentGrads.kernel, kernel, recurrent.kernelPenalty);
    grads[recurrentKernel.name] = withPenalty(recurrentGrads.recurrentKernel, recurrentKernel, recurrent.recurrentPenalty);
    if (bias != null && recurrentGrads.bias != null) grads[bias.name] = withPenalty(recurrentGrads.bias, bias, recurrent.biasPenalty);
    return { value, grads };
  };

  const denseVariables = plan.dense.items.flatMap((item) => {
    if (item.kind === 'dense') return [item.kernel.read() as tf.Variable, ...(item.bias != null ? [item.bias.read() as tf.Variable] : [])];
    if (item.kind === 'batchNorm') return [item.gamma.read() as tf.Variable, item.beta.read() as tf.Variable];
    return [];
  });

  return {
    objective,
    valueAndGradients: (x, y) => {
      // The hand-written pass needs labels of the output's shape; others take autodiff of the taped forward.
      if (dense.handlesLabels(x, y)) return handWritten(x, y);
      return tf.variableGrads(() => objective(x, y), [...variables, ...denseVariables]);
    },
    dispose: () => {
      dense.dispose();
      scalars.dispose();
      ops.dispose();
      tf.dispose([...kept.values()]);
      kept.clear();
    },
  };
}
