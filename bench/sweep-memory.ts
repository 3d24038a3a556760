/**
 * Memory over many real trials (issue 6: "memory over 200 small trials: RSS growth < 5%, tensor
 * count flat"). Runs the `train` objective in this process on a tiny two-moons MLP for N trials
 * and prints the tensor count and RSS after the first 20 trials and at the end, as JSON.
 *
 *   npm run bench:sweep-memory -- [trials=200]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { fromConfig } from '../lib/sweep/definition-config';
import { trainModelObjective } from '../lib/sweep/objectives/train-model';

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 200);
  const backend = await initBackend({ log: false });
  const definition = fromConfig({
    name: 'memory',
    objective: 'train',
    model: { type: 'mlp', inputSize: 2, hidden: [16, 16], outputSize: 1, task: 'binary', dropout: 0.1 },
    data: { dataset: 'moons', split: { validation: 0.2, test: 0.2 } },
    training: { epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms: [{ name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2'], penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 }, weightDecay: { type: 'logUniform', low: 1e-5, high: 1e-2 } } }],
    budget: 1,
    seeds: [1],
  });
  const arm = definition.arms[0];
  const snapshot = () => {
    (global as unknown as { gc?: () => void }).gc?.();
    return { tensors: tf.memory().numTensors, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  };
  let afterWarmup = snapshot();
  const started = Date.now();
  for (let index = 0; index < trials; index += 1) {
    await trainModelObjective.run(
      { definition, arm, params: { 'l2.dense_1': 1e-3, 'l2.dense_2': 1e-4, 'weightDecay.dense_1': 1e-3, 'weightDecay.dense_2': 1e-4 }, seed: index + 1, trialId: `t${index}`, configId: 'c', index, attempt: 1 },
      { signal: new AbortController().signal, onEpoch: async () => false },
    );
    if (index === 19) afterWarmup = snapshot();
  }
  const end = snapshot();
  process.stdout.write(`${JSON.stringify({
    backend: backend.name,
    trials,
    secondsPerTrial: (Date.now() - started) / 1000 / trials,
    after20: afterWarmup,
    atEnd: end,
    tensorGrowth: end.tensors - afterWarmup.tensors,
    rssGrowthPercent: ((end.rssMiB - afterWarmup.rssMiB) / afterWarmup.rssMiB) * 100,
  }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
