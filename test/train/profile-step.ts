/**
 * Profiling script (not part of the test suite): per-step kernel calls and time of layerwise's
 * `train` on a bench model or a model-zoo model (bench/zoo/models.ts), the native backend.
 *
 *   npx ts-node --transpile-only test/train/profile-step.ts [--model mlp|cnn] [--epochs 4]
 *   npx ts-node --transpile-only test/train/profile-step.ts --zoo gru [--epochs 3]
 *
 * With `--zoo ID` the model, data, loss, batch size and learning rate are the zoo's (what
 * `npm run bench -- --suite zoo` trains); each kernel's line then also shows its mean µs per call,
 * which is how docs/benchmarks.md's kernel floors were read.
 *
 * Wraps tfjs-node's `binding.executeOp` (every eager kernel call goes through it, synchronously) and
 * counts/times calls between consecutive `onBatchEnd` events after the first (warm-up) epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { buildPolicyModel } from '../../bench/cases';
import { syntheticData } from '../../bench/data';
import { BENCH_MODEL_SHAPES, BenchModelName } from '../../bench/models';
import { train } from '../../lib/train';
import { zooModel } from '../../bench/zoo/models';
import { zooData } from '../../bench/zoo/worker';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  await initBackend({ backend: 'tensorflow', log: false });
  const zooId = argument('zoo', '');
  const name = argument('model', 'mlp') as BenchModelName;
  const epochs = Number(argument('epochs', '4'));
  const zoo = zooId === '' ? null : zooModel(zooId);
  const samples = Number(argument('samples', zoo != null ? String(zoo.samples) : name === 'mlp' ? '16384' : '4096'));
  const backend = tf.engine().backend as unknown as { binding: { executeOp: (...args: unknown[]) => unknown } };
  const original = backend.binding.executeOp.bind(backend.binding);
  // The binding object is frozen: put a wrapper object in front of it (its prototype) instead.
  const binding = Object.create(backend.binding) as { executeOp: (...args: unknown[]) => unknown };
  backend.binding = binding;
  const perKernel = new Map<string, { calls: number; ms: number }>();
  let counting = false;
  Object.defineProperty(binding, "executeOp", { value: (...args: unknown[]) => {
    if (!counting) return original(...args);
    const start = performance.now();
    const result = original(...args);
    const entry = perKernel.get(args[0] as string) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += performance.now() - start;
    perKernel.set(args[0] as string, entry);
    return result;
  } });
  const model = zoo != null ? zoo.build() : buildPolicyModel(name);
  const { x, y } = zoo != null ? zooData(zoo, samples, 7) : syntheticData(name, samples, 7);
  let steps = 0;
  let stepStart = 0;
  let wall = 0;
  await train(model, { train: { x, y } }, {
    epochs,
    batchSize: zoo != null ? zoo.batchSize : BENCH_MODEL_SHAPES[name].batchSize,
    loss: zoo != null ? zoo.loss : 'categoricalCrossentropy',
    optimizer: { name: 'adam', learningRate: zoo != null ? zoo.learningRate : 1e-3 },
    evaluateEvery: 1000,
    seed: 1,
    onBatchEnd: ({ epoch, batch, batches }) => {
      const now = performance.now();
      if (counting) {
        steps++;
        wall += now - stepStart;
      }
      counting = epoch > 1 && batch < batches - 1;
      stepStart = performance.now();
    },
  });
  counting = false;
  const rows = [...perKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let calls = 0;
  let kernelMs = 0;
  for (const [, entry] of rows) {
    calls += entry.calls;
    kernelMs += entry.ms;
  }
  process.stdout.write(`${zoo != null ? `zoo ${zoo.id}` : name}, `);
  process.stdout.write(`steps ${steps}: ${(wall / steps).toFixed(3)} ms wall/step, ${(kernelMs / steps).toFixed(3)} ms in executeOp, ${(calls / steps).toFixed(1)} calls/step, tensors ${tf.memory().numTensors}\n`);
  process.stdout.write(`${'kernel'.padEnd(34)} ${'calls/step'.padStart(10)} ${'ms/step'.padStart(8)} ${'µs/call'.padStart(8)}\n`);
  for (const [kernel, entry] of rows) {
    process.stdout.write(`${kernel.padEnd(34)} ${(entry.calls / steps).toFixed(2).padStart(10)} ${(entry.ms / steps).toFixed(3).padStart(8)} ${((entry.ms * 1000) / entry.calls).toFixed(1).padStart(8)}\n`);
  }
  tf.dispose([x, y]);
  model.dispose();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
