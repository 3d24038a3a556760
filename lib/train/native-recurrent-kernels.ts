/**
 * TensorFlow's fused recurrent kernels (tensorflow/core/kernels/rnn/*), reached through tfjs-node's
 * backend, for the lean recurrent pass (lib/train/lean-recurrent-stack.ts). tfjs has no binding for
 * them; its LSTM and GRU layers run ~10 small ops per time step forward and autodiff's ~20 back,
 * each ~20 µs of eager overhead on the native backend, which is what made them 0.13x Keras.
 *
 *  - `BlockLSTMV2` / `BlockLSTMGradV2`: a whole LSTM sequence forward in one kernel and its
 *    backward through time in one kernel. Gate layout i, f, c, o (Keras's kernel column order, so
 *    Keras/tfjs weights are used as they are: `w = [kernel; recurrent_kernel]`), no forget bias,
 *    sigmoid gates and tanh cell activation, no peepholes, no cell clip (cell_clip 0 disables it).
 *  - `GRUBlockCell` / `GRUBlockCellGrad`: one GRU step forward and back, the `reset_after=False`
 *    cell (`c = tanh([x, r⊙h]·W_c + b_c)`, `h' = u⊙h + (1−u)⊙c`), tfjs's GRUCell's formula; gate
 *    columns r then u (Keras orders z(=u), r, h: the caller permutes).
 *  - `TanhGrad` / `SigmoidGrad`: `dy·(1−y²)` and `dy·y·(1−y)` in one kernel each.
 *
 * Each function returns null when the native backend is not active (the caller then falls back).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBackend, type NativeBackend } from '../backend/native-ops';
import { matMul2d } from './native-kernels';

function floatAttr(native: NativeBackend): { name: string; type: number; value: unknown } {
  return { name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
}

interface BindingWithFloat {
  TF_ATTR_FLOAT: number;
  TF_ATTR_TYPE: number;
  TF_INT32: number;
  TF_INT64: number;
}

/**
 * A kept int64 scalar holding `value` (BlockLSTMV2's `seq_len_max` is int64, a dtype tfjs cannot
 * create): a native `Cast` from int32, whose int64 handle tfjs-node passes through as it is. tfjs-node
 * warns once per int64 output ("stored as BigInt64Array"); the value is never read here, so the
 * warning is silenced for this one call. Dispose it when done.
 */
export function nativeInt64Scalar(value: number): tf.Tensor | null {
  const native = nativeBackend();
  if (native == null) return null;
  const binding = native.binding as unknown as BindingWithFloat;
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return tf.keep(
      tf.tidy(() =>
        native.executeSingleOutput(
          'Cast',
          [
            { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
            { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_INT64 },
            { name: 'Truncate', type: native.binding.TF_ATTR_BOOL, value: false },
          ],
          [tf.scalar(value, 'int32')],
        ),
      ),
    );
  } finally {
    console.warn = warn;
  }
}

/** The seven [T, B, H] outputs of `BlockLSTMV2`: gates i, f, o, cell state cs, cell input ci, tanh(cs) co, and h. */
export interface BlockLstmOutputs {
  i: tf.Tensor3D;
  cs: tf.Tensor3D;
  f: tf.Tensor3D;
  o: tf.Tensor3D;
  ci: tf.Tensor3D;
  co: tf.Tensor3D;
  h: tf.Tensor3D;
}

function lstmAttrs(native: NativeBackend): unknown[] {
  return [floatAttr(native), { name: 'use_peephole', type: native.binding.TF_ATTR_BOOL, value: false }];
}

/**
 * LSTM over a time-major sequence `x` [T, B, I] from zero state: `w` [I + H, 4H] (kernel rows, then
 * recurrent kernel rows), `bias` [4H], `zerosState` [B, H], `zerosGate` [H] (unused peepholes).
 * `timeSteps` from {@link nativeInt64Scalar}. Null off the native backend.
 */
export function blockLstm(args: { timeSteps: tf.Tensor; x: tf.Tensor3D; zerosState: tf.Tensor2D; w: tf.Tensor2D; zerosGate: tf.Tensor1D; bias: tf.Tensor1D }): BlockLstmOutputs | null {
  const native = nativeBackend();
  if (native == null) return null;
  const binding = native.binding as unknown as BindingWithFloat;
  const { timeSteps, x, zerosState, w, zerosGate, bias } = args;
  const attrs = [...lstmAttrs(native), { name: 'cell_clip', type: binding.TF_ATTR_FLOAT, value: 0 }];
  const [i, cs, f, o, ci, co, h] = native.executeMultipleOutputs('BlockLSTMV2', attrs, [timeSteps, x, zerosState, zerosState, w, zerosGate, zerosGate, zerosGate, bias], 7) as tf.Tensor3D[];
  return { i, cs, f, o, ci, co, h };
}

/**
 * Backward through time of {@link blockLstm}: given d(objective)/d(h) [T, B, H] and d/d(cs)
 * [T, B, H] (zeros when only h is used), the gradients of `x` [T, B, I], `w` [I + H, 4H] and `bias` [4H].
 */
export function blockLstmGrad(
  args: { timeSteps: tf.Tensor; x: tf.Tensor3D; zerosState: tf.Tensor2D; w: tf.Tensor2D; zerosGate: tf.Tensor1D; bias: tf.Tensor1D },
  outputs: BlockLstmOutputs,
  hGrad: tf.Tensor3D,
  csGrad: tf.Tensor3D,
): { x: tf.Tensor3D; w: tf.Tensor2D; bias: tf.Tensor1D } | null {
  const native = nativeBackend();
  if (native == null) return null;
  const { timeSteps, x, zerosState, w, zerosGate, bias } = args;
  const { i, cs, f, o, ci, co, h } = outputs;
  const grads = native.executeMultipleOutputs(
    'BlockLSTMGradV2',
    lstmAttrs(native),
    [timeSteps, x, zerosState, zerosState, w, zerosGate, zerosGate, zerosGate, bias, i, cs, f, o, ci, co, h, csGrad, hGrad],
    8,
  );
  const [xGrad, , , wGrad, , , , biasGrad] = grads;
  // The state and peephole gradients are not needed (zero initial state, no peepholes).
  tf.dispose([grads[1], grads[2], grads[4], grads[5], grads[6]]);
  return { x: xGrad as tf.Tensor3D, w: wGrad as tf.Tensor2D, bias: biasGrad as tf.Tensor1D };
}

/** One `GRUBlockCell` step: reset gate r, update gate u, candidate c, new state h (each [B, H]). Null off the native backend. */
export function gruBlockCell(x: tf.Tensor2D, hPrevious: tf.Tensor2D, wRu: tf.Tensor2D, wC: tf.Tensor2D, bRu: tf.Tensor1D, bC: tf.Tensor1D): { r: tf.Tensor2D; u: tf.Tensor2D; c: tf.Tensor2D; h: tf.Tensor2D } | null {
  const native = nativeBackend();
  if (native == null) return null;
  const [r, u, c, h] = native.executeMultipleOutputs('GRUBlockCell', [floatAttr(native)], [x, hPrevious, wRu, wC, bRu, bC], 4) as tf.Tensor2D[];
  return { r, u, c, h };
}

/**
 * `GRUBlockCellGrad`: given d(objective)/d(h) of one step, the gradient of the previous state and
 * of the candidate's and gates' pre-activations (`dCBar` [B, H], `dRBarUBar` [B, 2H]); the weight
 * gradients are these times the step's inputs, summed over time by the caller.
 */
export function gruBlockCellGrad(
  step: { x: tf.Tensor2D; hPrevious: tf.Tensor2D; r: tf.Tensor2D; u: tf.Tensor2D; c: tf.Tensor2D },
  weights: { wRu: tf.Tensor2D; wC: tf.Tensor2D; bRu: tf.Tensor1D; bC: tf.Tensor1D },
  dh: tf.Tensor2D,
): { dhPrevious: tf.Tensor2D; dCBar: tf.Tensor2D; dRBarUBar: tf.Tensor2D } | null {
  const native = nativeBackend();
  if (native == null) return null;
  const [dx, dhPrevious, dCBar, dRBarUBar] = native.executeMultipleOutputs(
    'GRUBlockCellGrad',
    [floatAttr(native)],
    [step.x, step.hPrevious, weights.wRu, weights.wC, weights.bRu, weights.bC, step.r, step.u, step.c, dh],
    4,
  ) as tf.Tensor2D[];
  dx.dispose();
  return { dhPrevious, dCBar, dRBarUBar };
}

/** `dy·(1 − y²)`, the gradient of tanh through its output y: one `TanhGrad` on the native backend. */
export function tanhGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  if (native != null) return native.executeSingleOutput('TanhGrad', [floatAttr(native)], [y, dy]);
  return tf.mul(dy, tf.sub(1, tf.square(y)));
}

/** `dy·y·(1 − y)`, the gradient of sigmoid through its output y: one `SigmoidGrad` on the native backend. */
export function sigmoidGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  if (native != null) return native.executeSingleOutput('SigmoidGrad', [floatAttr(native)], [y, dy]);
  return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
}

/**
 * The small ops of a written-out recurrent step, called straight on the native backend's eager entry
 * point when it is active (tfjs's op layer costs about as much again per call as the kernel itself:
 * ~38 µs for `tf.add` vs ~16 µs for `AddV2` on [64, 192], and `tf.split` / `tf.concat` upload their
 * sizes and axis as fresh tensors every call; here they are kept). Elsewhere, tfjs's ops. The same
 * kernels either way (Add, Sub, Mul, Sigmoid, Tanh, Split, SplitV, ConcatV2, BiasAdd, Tile), so the same numbers.
 * Rank-2 float32 tensors only; `dispose()` frees the kept size and axis tensors.
 */
export class RecurrentStepOps {
  private readonly native = nativeBackend();
  private readonly kept = new Map<string, tf.Tensor>();

  private constant(key: string, make: () => tf.Tensor): tf.Tensor {
    let tensor = this.kept.get(key);
    if (tensor == null) {
      tensor = tf.keep(make());
      this.kept.set(key, tensor);
    }
    return tensor;
  }

  private binary(name: 'AddV2' | 'Sub' | 'Mul', a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
    const native = this.native;
    if (native != null) return native.executeSingleOutput(name, [floatAttr(native)], [a, b]) as tf.Tensor2D;
    return (name === 'AddV2' ? tf.add(a, b) : name === 'Sub' ? tf.sub(a, b) : tf.mul(a, b)) as tf.Tensor2D;
  }

  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
    return this.binary('AddV2', a, b);
  }

  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
    return this.binary('Sub', a, b);
  }

  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
    return this.binary('Mul', a, b);
  }

  sigmoid(x: tf.Tensor): tf.Tensor2D {
    const native = this.native;
    if (native != null) return native.executeSingleOutput('Sigmoid', [floatAttr(native)], [x]) as tf.Tensor2D;
    return tf.sigmoid(x) as tf.Tensor2D;
  }

  tanh(x: tf.Tensor): tf.Tensor2D {
    const native = this.native;
    if (native != null) return native.executeSingleOutput('Tanh', [floatAttr(native)], [x]) as tf.Tensor2D;
    return tf.tanh(x) as tf.Tensor2D;
  }

  /** `a·b` of rank-2 tensors: {@link matMul2d} (`MatMul`, about a quarter of `BatchMatMulV2`'s CPU at [64, 64]·[64, 192]). */
  matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor2D {
    return matMul2d(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB);
  }

  /** `x + bias` over the last axis (no gradient of its own). */
  biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
    const native = this.native;
    if (native != null) return native.executeSingleOutput('BiasAdd', [floatAttr(native), { name: 'data_format', type: native.binding.TF_ATTR_STRING, value: 'NHWC' }], [x, bias]) as tf.Tensor2D;
    return tf.add(x, bias) as tf.Tensor2D;
  }

  /** Splits a rank-2 tensor's columns into pieces of `sizes`. */
  splitColumns(x: tf.Tensor, sizes: number[]): tf.Tensor2D[] {
    const native = this.native;
    if (native == null) return tf.split(x, sizes, 1) as tf.Tensor2D[];
    const sizeTensor = this.constant(`sizes:${sizes.join(',')}`, () => tf.tensor1d(sizes, 'int32'));
    const axis = this.constant('axis:1', () => tf.scalar(1, 'int32'));
    const attrs = [
      { name: 'num_split', type: native.binding.TF_ATTR_INT, value: sizes.length },
      floatAttr(native),
      { name: 'Tlen', type: native.binding.TF_ATTR_TYPE, value: (native.binding as unknown as BindingWithFloat).TF_INT32 },
    ];
    return native.executeMultipleOutputs('SplitV', attrs, [x, sizeTensor, axis], sizes.length) as tf.Tensor2D[];
  }

  /** Splits a rank-2 tensor's columns into `count` equal pieces: `Split` (~15 µs) where `SplitV` takes ~26 µs on [64, 128]. */
  splitColumnsEqually(x: tf.Tensor, count: number): tf.Tensor2D[] {
    const native = this.native;
    if (native == null) return tf.split(x, count, 1) as tf.Tensor2D[];
    const axis = this.constant('axis:1', () => tf.scalar(1, 'int32'));
    const attrs = [{ name: 'num_split', type: native.binding.TF_ATTR_INT, value: count }, floatAttr(native)];
    return native.executeMultipleOutputs('Split', attrs, [axis, x], count) as tf.Tensor2D[];
  }

  /**
   * Splits a rank-2 tensor's rows into `count` equal pieces: one `Split` on axis 0, whose pieces
   * TensorFlow returns as views of the input's buffer when a row's bytes are a multiple of 64 (no
   * copy; `tf.unstack` of the reshaped tensor is an `Unpack`, which copies every piece).
   */
  splitRowsEqually(x: tf.Tensor, count: number): tf.Tensor2D[] {
    const native = this.native;
    if (native == null) return tf.split(x, count, 0) as tf.Tensor2D[];
    const axis = this.constant('axis:0', () => tf.scalar(0, 'int32'));
    const attrs = [{ name: 'num_split', type: native.binding.TF_ATTR_INT, value: count }, floatAttr(native)];
    return native.executeMultipleOutputs('Split', attrs, [axis, x], count) as tf.Tensor2D[];
  }

  /** Stacks rank-2 tensors of equal width on top of each other (along the rows); one part is returned as it is (`ConcatV2` takes at least two). */
  concatRows(parts: tf.Tensor[]): tf.Tensor2D {
    if (parts.length === 1) return parts[0] as tf.Tensor2D;
    const native = this.native;
    if (native == null) return tf.concat(parts, 0) as tf.Tensor2D;
    const axis = this.constant('axis:0', () => tf.scalar(0, 'int32'));
    const attrs = [
      { name: 'N', type: native.binding.TF_ATTR_INT, value: parts.length },
      floatAttr(native),
      { name: 'Tidx', type: native.binding.TF_ATTR_TYPE, value: (native.binding as unknown as BindingWithFloat).TF_INT32 },
    ];
    return native.executeSingleOutput('ConcatV2', attrs, [...parts, axis]) as tf.Tensor2D;
  }

  /** Joins rank-2 tensors side by side (along the columns). */
  concatColumns(parts: tf.Tensor[]): tf.Tensor2D {
    const native = this.native;
    if (native == null) return tf.concat(parts, 1) as tf.Tensor2D;
    const axis = this.constant('axis:1', () => tf.scalar(1, 'int32'));
    const attrs = [
      { name: 'N', type: native.binding.TF_ATTR_INT, value: parts.length },
      floatAttr(native),
      { name: 'Tidx', type: native.binding.TF_ATTR_TYPE, value: (native.binding as unknown as BindingWithFloat).TF_INT32 },
    ];
    return native.executeSingleOutput('ConcatV2', attrs, [...parts, axis]) as tf.Tensor2D;
  }

  /** `x` repeated `times` times side by side ([B, H] → [B, times·H]). */
  tileColumns(x: tf.Tensor, times: number): tf.Tensor2D {
    const native = this.native;
    if (native == null) return tf.tile(x, [1, times]) as tf.Tensor2D;
    const multiples = this.constant(`tile:${times}`, () => tf.tensor1d([1, times], 'int32'));
    const attrs = [floatAttr(native), { name: 'Tmultiples', type: native.binding.TF_ATTR_TYPE, value: (native.binding as unknown as BindingWithFloat).TF_INT32 }];
    return native.executeSingleOutput('Tile', attrs, [x, multiples]) as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose([...this.kept.values()]);
    this.kept.clear();
  }
}
