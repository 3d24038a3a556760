/**
 * The floor of the zoo GRU's time steps on the native backend: the per-step kernels of layerwise's
 * reset-after GRU pass (lib/train/lean-recurrent-stack.ts `gruResetAfterFusedForward`: ConcatV2,
 * MatMul, GRUBlockCell, Sub, Mul, AddV2 forward; Tile, Mul, MatMul back) called straight on
 * tfjs-node's backend with the zoo's shapes (batch 64, 32 steps, 16 features, 64 units), with no
 * training code around them: no penalties, no dense head, no optimizer, no per-batch setup.
 * Prints the median milliseconds per batch of the two loops and the mean µs per kernel call.
 * Keras's whole GRU step (forward, backward, Adam) takes ~8.8 ms per batch on 2 cores
 * (`npm run bench -- --suite zoo --models gru`), so a per-step structure whose loops alone take
 * longer cannot reach it by trimming the code around them (docs/benchmarks.md "Model zoo, session 6").
 *
 *   npx ts-node --transpile-only bench/zoo/gru-kernel-floor.ts [--batches 100]
 *
 * This file is a command-line tool, so it prints.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { nativeBackend } from '../../lib/backend/native-ops';

const BATCH = 64;
const UNITS = 64;
const FEATURES = 16;
const STEPS = 32;

async function main(): Promise<void> {
  const position = process.argv.indexOf('--batches');
  const batches = position >= 0 ? Number(process.argv[position + 1]) : 100;
  if (!Number.isInteger(batches) || batches < 1) throw new Error(`--batches: expected an integer >= 1, got ${process.argv[position + 1]}`);
  await initBackend({ backend: 'tensorflow', log: (line) => process.stdout.write(`${line}\n`) });
  const native = nativeBackend();
  if (native == null) throw new Error('the native backend is not active');
  const binding = native.binding as typeof native.binding & { TF_INT32: number };
  const float = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const product = [float, { name: 'transpose_a', type: binding.TF_ATTR_BOOL, value: false }, { name: 'transpose_b', type: binding.TF_ATTR_BOOL, value: false }];
  const concatenate = [{ name: 'N', type: binding.TF_ATTR_INT, value: 2 }, float, { name: 'Tidx', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 }];
  const tile = [float, { name: 'Tmultiples', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 }];
  // Inputs with the pass's shapes: s_t = [x_t, 1, h], W_m, W_ru, W_c and the biases, the backward factors and [Uᵀ; I; 0].
  const inputs = Array.from({ length: STEPS }, () => tf.randomUniform([BATCH, FEATURES + 1]));
  const weightsM = tf.randomNormal([FEATURES + 1 + UNITS, UNITS], 0, 0.1);
  const weightsRu = tf.randomNormal([FEATURES + 1 + 2 * UNITS, 2 * UNITS], 0, 0.1);
  const weightsC = tf.randomNormal([FEATURES + 1 + 2 * UNITS, UNITS], 0, 0.1);
  const biasRu = tf.zeros([2 * UNITS]);
  const biasC = tf.zeros([UNITS]);
  const columnAxis = tf.scalar(1, 'int32');
  const fiveTimes = tf.tensor1d([1, 5], 'int32');
  const factors = Array.from({ length: STEPS }, () => tf.randomUniform([BATCH, 5 * UNITS]));
  const back = tf.randomNormal([5 * UNITS, UNITS], 0, 0.1);
  const perKernel = new Map<string, { calls: number; nanoseconds: number }>();
  const timed = <T>(kernel: string, call: () => T): T => {
    const start = process.hrtime.bigint();
    const result = call();
    const entry = perKernel.get(kernel) ?? { calls: 0, nanoseconds: 0 };
    entry.calls++;
    entry.nanoseconds += Number(process.hrtime.bigint() - start);
    perKernel.set(kernel, entry);
    return result;
  };
  const batch = (): number => {
    const start = process.hrtime.bigint();
    const made: tf.Tensor[] = [];
    let h: tf.Tensor = tf.zeros([BATCH, UNITS]);
    made.push(h);
    for (let step = 0; step < STEPS; step++) {
      const stepInput = timed('ConcatV2', () => native.executeSingleOutput('ConcatV2', concatenate, [inputs[step], h, columnAxis]));
      const m = timed('MatMul (forward)', () => native.executeSingleOutput('MatMul', product, [stepInput, weightsM]));
      const [r, u, c, cellH] = timed('GRUBlockCell', () => native.executeMultipleOutputs('GRUBlockCell', [float], [stepInput, m, weightsRu, weightsC, biasRu, biasC], 4));
      cellH.dispose();
      const difference = timed('Sub', () => native.executeSingleOutput('Sub', [float], [h, c]));
      const scaled = timed('Mul (forward)', () => native.executeSingleOutput('Mul', [float], [u, difference]));
      h = timed('AddV2', () => native.executeSingleOutput('AddV2', [float], [c, scaled]));
      made.push(stepInput, m, r, u, c, difference, scaled, h);
    }
    let dh: tf.Tensor = h;
    for (let step = STEPS - 1; step >= 0; step--) {
      const tiled = timed('Tile', () => native.executeSingleOutput('Tile', tile, [dh, fiveTimes]));
      const products = timed('Mul (back)', () => native.executeSingleOutput('Mul', [float], [tiled, factors[step]]));
      made.push(tiled, products);
      if (step > 0) {
        dh = timed('MatMul (back)', () => native.executeSingleOutput('MatMul', product, [products, back]));
        made.push(dh);
      }
    }
    tf.dispose(made);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let warmUp = 0; warmUp < 20; warmUp++) batch();
  perKernel.clear();
  const milliseconds = Array.from({ length: batches }, batch).sort((a, b) => a - b);
  process.stdout.write(`GRU loops only (${STEPS} steps forward + back, batch ${BATCH}, ${UNITS} units): median ${milliseconds[Math.floor(batches / 2)].toFixed(2)} ms per batch over ${batches} batches\n`);
  for (const [kernel, entry] of perKernel) {
    process.stdout.write(`${kernel.padEnd(18)} ${(entry.calls / batches).toFixed(0).padStart(4)} calls/batch ${(entry.nanoseconds / entry.calls / 1e3).toFixed(1).padStart(7)} µs/call\n`);
  }
  tf.dispose([...inputs, weightsM, weightsRu, weightsC, biasRu, biasC, columnAxis, fiveTimes, ...factors, back]);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
