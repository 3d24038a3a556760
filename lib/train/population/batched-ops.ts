/**
 * The kernels of a population step: the Dense-stack kernels of lib/train/native-kernels.ts with a
 * leading population dimension K (inputs [K, B, in], kernels [K, in, out], biases [K, 1, out]).
 * Each member's slice is the same computation as the single-model kernel on that member: on the
 * pure-JS backend a 2-D `matMul` IS a batched one with batch 1, so the numbers are the same; on the
 * native backend they differ by float32 rounding (another kernel, see `batchedMatMul`).
 *
 * Per-member broadcasts (a bias [K, 1, out] over the batch rows, a coefficient per member over a
 * whole weight) take tfjs-backend-cpu's general broadcasting loop, which allocates two index
 * arrays per element (~1 µs each: slower than the whole step on a small model). On the pure-JS
 * backend these few operations are therefore written here as plain loops over the tensors'
 * values: each result element is the same single float32 operation (JavaScript computes it in
 * double precision and rounds once, which is the float32 result), so the numbers do not change.
 * On the native backend TensorFlow's broadcasting kernels run them (./native-elementwise.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMul, nativeBackend, profilerAttached, reluGrad } from '../native-kernels';
import * as elementwise from './native-elementwise';

/** Whether the plain-loop versions apply: the pure-JS backend, whose `dataSync` hands out the stored values without a copy. */
function onPureJs(): boolean {
  return tf.getBackend() === 'cpu';
}

/**
 * `a·b` per member (rank-3 operands, optionally transposed; a batch dimension of 1 broadcasts):
 * natively one `BatchMatMulV3`, TensorFlow's Eigen kernel. With oneDNN on (tfjs-node's default),
 * TensorFlow rewrites an eager `BatchMatMulV2` to oneDNN's kernel, which costs ~70-100 µs per call
 * at a population's sizes ([6, 32, 16]·[6, 16, 16]) against ~10-25 µs for `BatchMatMulV3` (same
 * products, another summation order: float32 rounding). Under a sampling profiler `BatchMatMulV2`
 * (TensorFlow's Eigen matmul aborts there, see lib/train/native-kernels.ts `matMul2d`). Else `tf.matMul`.
 */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  return eigenMatMul(a, b, transposeA, transposeB) as tf.Tensor3D;
}

/** `a·b` of two matrices, as {@link batchedMatMul} (natively `BatchMatMulV3`: TensorFlow's `MatMul` also goes to oneDNN, ~85 µs per call at a measurement's sizes). */
export function matrixProduct(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return eigenMatMul(a, b, false, false) as tf.Tensor2D;
}

function eigenMatMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const native = nativeBackend();
  if (native == null || profilerAttached()) return batchMatMul(a, b, transposeA, transposeB);
  const float = { type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
  const attrs = [
    { name: 'Ta', ...float },
    { name: 'Tb', ...float },
    { name: 'Tout', ...float },
    { name: 'adj_x', type: native.binding.TF_ATTR_BOOL, value: transposeA },
    { name: 'adj_y', type: native.binding.TF_ATTR_BOOL, value: transposeB },
  ];
  return native.executeSingleOutput('BatchMatMulV3', attrs, [a, b]);
}

/** `z + bias` per member: z [K, B, out], bias [K, 1, out]. */
export function addMemberBias(z: tf.Tensor3D, bias: tf.Tensor): tf.Tensor3D {
  if (!onPureJs()) return elementwise.add(z, bias) as tf.Tensor3D;
  const [members, rows, units] = z.shape;
  const values = z.dataSync() as Float32Array;
  const biasValues = bias.dataSync() as Float32Array;
  const result = new Float32Array(values.length);
  for (let member = 0; member < members; member++) {
    const biasOffset = member * units;
    for (let row = 0; row < rows; row++) {
      const offset = (member * rows + row) * units;
      for (let unit = 0; unit < units; unit++) result[offset + unit] = values[offset + unit] + biasValues[biasOffset + unit];
    }
  }
  return tf.tensor3d(result, z.shape);
}

/** `x·W + b` per member, then ReLU when asked: [K, B, in] × [K, in, out] + [K, 1, out]. */
export function batchedDenseForward(x: tf.Tensor3D, kernel: tf.Tensor3D, bias: tf.Tensor | null, relu: boolean): tf.Tensor3D {
  // The single-model path: tfjs's fused matMul (product, bias add, activation) or BatchMatMulV2 + BiasAdd + Relu: the same three steps.
  let z: tf.Tensor3D = batchedMatMul(x, kernel);
  if (bias != null) z = addMemberBias(z, bias);
  return (relu ? elementwise.relu(z) : z) as tf.Tensor3D;
}

/** ReLU's gradient (`dy` where y > 0): one `ReluGrad` natively. */
export function batchedReluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return reluGrad(dy, y);
}

/**
 * The bias gradient per member: Σ over the batch rows of dz [K, B, out], as [K, 1, out] (rows summed
 * in order, as tfjs's sum over axis 0). Natively, with `onesRow` (ones [1, 1, B], kept by the caller),
 * one product onesRow·dz: `BatchMatMulV3` costs about half of TensorFlow's `Sum` reduction plus its
 * axis upload at these sizes (same sum, another order: float32 rounding); without it `tf.sum`.
 */
export function batchedBiasGradient(dz: tf.Tensor3D, onesRow?: tf.Tensor3D): tf.Tensor3D {
  if (!onPureJs()) return onesRow != null ? batchedMatMul(onesRow, dz) : (tf.sum(dz, 1, true) as tf.Tensor3D);
  const [members, rows, units] = dz.shape;
  const values = dz.dataSync() as Float32Array;
  const result = new Float32Array(members * units);
  for (let member = 0; member < members; member++) {
    for (let unit = 0; unit < units; unit++) {
      let sum = 0;
      for (let row = 0; row < rows; row++) sum += values[(member * rows + row) * units + unit];
      result[member * units + unit] = sum;
    }
  }
  return tf.tensor3d(result, [members, 1, units]);
}

/**
 * `x · factor[member]` for x [K, ...] and one float32 factor per member. `kept`, when given, holds
 * the same factors as [K, 1, ...] (x's rank) for the native backend: no upload per call.
 */
export function scaleByMember(x: tf.Tensor, factors: Float32Array, kept?: tf.Tensor): tf.Tensor {
  const members = x.shape[0];
  if (!onPureJs()) return elementwise.mul(x, kept != null && kept.rank === x.rank ? kept : tf.tensor(factors, [members, ...x.shape.slice(1).map(() => 1)]));
  const values = x.dataSync() as Float32Array;
  const size = values.length / members;
  const result = new Float32Array(values.length);
  for (let member = 0; member < members; member++) {
    const factor = factors[member];
    const offset = member * size;
    for (let index = 0; index < size; index++) result[offset + index] = values[offset + index] * factor;
  }
  return tf.tensor(result, x.shape);
}

/** The elementwise operations {@link memberRowOp} applies. */
export type MemberRowOperation = 'add' | 'sub' | 'mul';

/**
 * `x ∘ row[member]` for x [K, B, units] and one row [K, 1, units] per member (a per-member
 * BatchNormalization statistic, gamma or beta broadcast over the batch rows): `tf.add`, `tf.sub`
 * or `tf.mul` natively; on the pure-JS backend a plain loop (the same single float32 operation per
 * element, see the module comment).
 */
export function memberRowOp(x: tf.Tensor3D, row: tf.Tensor, operation: MemberRowOperation): tf.Tensor3D {
  if (!onPureJs()) return (operation === 'add' ? elementwise.add(x, row) : operation === 'sub' ? elementwise.sub(x, row) : elementwise.mul(x, row)) as tf.Tensor3D;
  const [members, rows, units] = x.shape;
  const values = x.dataSync() as Float32Array;
  const rowValues = row.dataSync() as Float32Array;
  const result = new Float32Array(values.length);
  for (let member = 0; member < members; member++) {
    const rowOffset = member * units;
    for (let sample = 0; sample < rows; sample++) {
      const offset = (member * rows + sample) * units;
      if (operation === 'add') for (let unit = 0; unit < units; unit++) result[offset + unit] = values[offset + unit] + rowValues[rowOffset + unit];
      else if (operation === 'sub') for (let unit = 0; unit < units; unit++) result[offset + unit] = values[offset + unit] - rowValues[rowOffset + unit];
      else for (let unit = 0; unit < units; unit++) result[offset + unit] = values[offset + unit] * rowValues[rowOffset + unit];
    }
  }
  return tf.tensor3d(result, x.shape);
}

/**
 * Inference-mode BatchNormalization of every member ([K, n, units]) with its own moving mean and
 * variance, gamma and beta ([K, 1, units] each): tfjs's own `batchNorm` kernel (the one the layer's
 * inference call runs), on the members laid side by side as [n, K·units] with rank-1 statistics
 * [K·units], so each element is the kernel's formula on that member's values.
 */
export function batchedBatchNormInference(x: tf.Tensor3D, mean: tf.Tensor, variance: tf.Tensor, beta: tf.Tensor, gamma: tf.Tensor, epsilon: number): tf.Tensor3D {
  if (onPureJs()) {
    // tfjs-backend-cpu's batchNorm loop, the same expression per element (in double precision, rounded once), without the two transposes.
    const [members, rows, units] = x.shape;
    const values = x.dataSync() as Float32Array;
    const [meanValues, varianceValues, betaValues, gammaValues] = [mean, variance, beta, gamma].map((tensor) => tensor.dataSync() as Float32Array);
    const result = new Float32Array(values.length);
    for (let member = 0; member < members; member++) {
      for (let row = 0; row < rows; row++) {
        const offset = (member * rows + row) * units;
        for (let unit = 0; unit < units; unit++) {
          const at = member * units + unit;
          result[offset + unit] = betaValues[at] + ((values[offset + unit] - meanValues[at]) * gammaValues[at]) / Math.sqrt(varianceValues[at] + epsilon);
        }
      }
    }
    return tf.tensor3d(result, x.shape);
  }
  return tf.tidy(() => {
    const [members, rows, units] = x.shape;
    const flat = (tensor: tf.Tensor) => tf.reshape(tensor, [members * units]) as tf.Tensor1D;
    const sideBySide = tf.reshape(tf.transpose(x, [1, 0, 2]), [rows, members * units]) as tf.Tensor2D;
    const normalized = tf.batchNorm2d(sideBySide, flat(mean), flat(variance), flat(beta), flat(gamma), epsilon);
    return tf.transpose(tf.reshape(normalized, [rows, members, units]), [1, 0, 2]) as tf.Tensor3D;
  });
}

/**
 * The mean over the batch rows of each member, [K, B, units] → [K, 1, units]: `tf.mean(x, 1, true)`;
 * on the pure-JS backend tfjs-backend-cpu's formula as a loop (each element divided by B in float32,
 * the quotients summed in row order in double precision and rounded once), without its transpose.
 */
export function memberRowsMean(x: tf.Tensor3D): tf.Tensor3D {
  if (!onPureJs()) return tf.mean(x, 1, true) as tf.Tensor3D;
  const [members, rows, units] = x.shape;
  const values = x.dataSync() as Float32Array;
  const quotients = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) quotients[index] = values[index] / rows;
  const result = new Float32Array(members * units);
  for (let member = 0; member < members; member++) {
    for (let unit = 0; unit < units; unit++) {
      let sum = 0;
      for (let row = 0; row < rows; row++) sum += quotients[(member * rows + row) * units + unit];
      result[member * units + unit] = sum;
    }
  }
  return tf.tensor3d(result, [members, 1, units]);
}

/**
 * `x` clipped to [low, high] (`min(max(x, low), high)` per element, as tfjs's clipByValue): one
 * native `ClipByValue` with the kept bound scalars (tfjs-node's clipByValue runs Minimum then
 * Maximum, uploading each bound), else `tf.clipByValue`.
 */
export function clipBetween(x: tf.Tensor, low: tf.Scalar, high: tf.Scalar, bounds: { low: number; high: number }): tf.Tensor {
  const native = nativeBackend();
  if (native == null) return tf.clipByValue(x, bounds.low, bounds.high);
  return native.executeSingleOutput('ClipByValue', [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }], [x, low, high]);
}

/**
 * The Euclidean norm of each member's slice of x [K, ...]: [K]. Natively one `EuclideanNorm`
 * kernel (√Σx² over every axis but the first); else `sqrt(sum(square(x)))`.
 */
export function memberNorms(x: tf.Tensor): tf.Tensor1D {
  const axes = Array.from({ length: x.rank - 1 }, (_, axis) => axis + 1);
  const native = nativeBackend();
  if (native == null) return tf.sqrt(tf.sum(tf.square(x), axes)) as tf.Tensor1D;
  const binding = native.binding as typeof native.binding & { TF_INT32: number };
  const axesTensor = tf.tensor1d(axes, 'int32');
  const norms = native.executeSingleOutput(
    'EuclideanNorm',
    [
      { name: 'keep_dims', type: binding.TF_ATTR_BOOL, value: false },
      { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
      { name: 'Tidx', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
    ],
    [x, axesTensor],
  ) as tf.Tensor1D;
  axesTensor.dispose();
  return norms;
}
