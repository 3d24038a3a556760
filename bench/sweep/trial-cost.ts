/**
 * Time per sweep trial as a function of model size and backend: the data for the cost model in
 * docs/benchmarks.md ("Main job vs Optuna + Keras"). One trial = what the sweep's `train` objective
 * does: build the builder's MLP with a seed and a uniform L2 policy, `train` it (Adam, shuffled,
 * every split measured every epoch), dispose. Each backend runs in its own child process.
 *
 * Run: npx ts-node --transpile-only bench/sweep/trial-cost.ts [--backends tensorflow,cpu] [--trials 3] [--out FILE]
 * Prints a Markdown table and writes JSON (default runs/bench-trial-cost-<timestamp>.json).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName, BackendName } from '../../lib/backend';
import type { ModelSpec } from '../../lib/builders/spec';
import { applyPolicy, uniform } from '../../lib/policy';
import { l2 } from '../../lib/regularizers';
import { train } from '../../lib/train/train';
import { median } from '../stats';

/** One trial shape: the model, the split sizes and the training settings. */
interface TrialShape {
  id: string;
  spec: ModelSpec;
  train: number;
  validation: number;
  test: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Backends to skip (too slow to be worth the wait). */
  skip?: BackendName[];
}

const mlp = (inputSize: number, hidden: number[], outputSize: number): ModelSpec =>
  ({ type: 'mlp', inputSize, hidden, outputSize, activation: 'relu', task: outputSize === 1 ? 'binary' : 'multiclass' }) as unknown as ModelSpec;

const SHAPES: TrialShape[] = [
  { id: 'readme 2-16-16-1', spec: mlp(2, [16, 16], 1), train: 120, validation: 90, test: 90, epochs: 60, batchSize: 32, learningRate: 0.01 },
  { id: 'mid 20-64-32-16-3', spec: mlp(20, [64, 32, 16], 3), train: 900, validation: 300, test: 300, epochs: 40, batchSize: 64, learningRate: 1e-3 },
  { id: 'wide 20-256-256-3', spec: mlp(20, [256, 256], 3), train: 900, validation: 300, test: 300, epochs: 40, batchSize: 64, learningRate: 1e-3 },
  { id: 'mnist-like 784-128-10', spec: mlp(784, [128], 10), train: 1000, validation: 250, test: 250, epochs: 10, batchSize: 128, learningRate: 1e-3 },
];

function parameters(spec: ModelSpec): number {
  const { inputSize, hidden, outputSize } = spec as unknown as { inputSize: number; hidden: number[]; outputSize: number };
  const sizes = [inputSize, ...hidden, outputSize];
  let count = 0;
  for (let index = 1; index < sizes.length; index++) count += sizes[index - 1] * sizes[index] + sizes[index];
  return count;
}

function split(rows: number, shape: TrialShape, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const { inputSize, outputSize } = shape.spec as unknown as { inputSize: number; outputSize: number };
  return tf.tidy(() => {
    const x = tf.randomUniform([rows, inputSize], 0, 1, 'float32', seed);
    if (outputSize === 1) return { x, y: tf.cast(tf.greater(tf.randomUniform([rows, 1], 0, 1, 'float32', seed + 1), 0.5), 'float32') };
    return { x, y: tf.oneHot(tf.cast(tf.floor(tf.randomUniform([rows], 0, outputSize, 'float32', seed + 1)), 'int32'), outputSize).toFloat() };
  });
}

/** Child process: times `trials` trials of every shape on one backend, prints `TRIAL_COST {...}`. */
async function child(backend: BackendName, trials: number): Promise<void> {
  await initBackend({ backend, log: false });
  const results: Array<{ id: string; seconds: number[] }> = [];
  for (const shape of SHAPES) {
    if (shape.skip?.includes(backend)) continue;
    const data = { train: split(shape.train, shape, 1), validation: split(shape.validation, shape, 2), test: split(shape.test, shape, 3) };
    const seconds: number[] = [];
    // One untimed trial first (kernel warm-up, as a pool worker has after its first trial).
    for (let trial = 0; trial <= trials; trial++) {
      const started = performance.now();
      const model = applyPolicy(shape.spec, uniform({ regularizer: l2({ l2: 1e-4 }) }), { seed: trial });
      await train(model, data, { seed: trial, epochs: shape.epochs, batchSize: shape.batchSize, optimizer: { name: 'adam', learningRate: shape.learningRate } });
      model.dispose();
      if (trial > 0) seconds.push((performance.now() - started) / 1000);
    }
    tf.dispose(data as unknown as tf.TensorContainer);
    results.push({ id: shape.id, seconds });
  }
  process.stdout.write(`TRIAL_COST ${JSON.stringify(results)}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: string): string => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
  const trials = Number(value('trials', '3'));
  if (argv.includes('--child')) return child(parseBackendName(value('backend', 'cpu'), '--backend') as BackendName, trials);
  const backends = value('backends', 'tensorflow,cpu').split(',').map((name) => parseBackendName(name, '--backends') as BackendName);
  const out = path.resolve(value('out', path.join(__dirname, '..', '..', 'runs', `bench-trial-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)));
  const rows: Array<Record<string, unknown>> = [];
  for (const backend of backends) {
    process.stderr.write(`trial-cost: ${backend}\n`);
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', '--backend', backend, '--trials', String(trials)], {
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = String(result.stdout).split('\n').find((candidate) => candidate.startsWith('TRIAL_COST '));
    if (line === undefined) {
      rows.push({ backend, error: String(result.stderr).trim().split('\n').pop() });
      continue;
    }
    for (const measured of JSON.parse(line.slice('TRIAL_COST '.length)) as Array<{ id: string; seconds: number[] }>) {
      const shape = SHAPES.find((candidate) => candidate.id === measured.id) as TrialShape;
      const steps = shape.epochs * Math.ceil(shape.train / shape.batchSize);
      const perTrial = median(measured.seconds);
      rows.push({ backend, model: shape.id, parameters: parameters(shape.spec), steps, epochs: shape.epochs, secondsPerTrial: perTrial, msPerStep: (1000 * perTrial) / steps, seconds: measured.seconds });
    }
  }
  const lines = [
    '| model | parameters | backend | steps/trial | s/trial (median) | ms/step incl. measurement |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) =>
      row.error !== undefined
        ? `| - | - | ${String(row.backend)} | - | - (${String(row.error)}) | - |`
        : `| ${String(row.model)} | ${String(row.parameters)} | ${String(row.backend)} | ${String(row.steps)} | ${(row.secondsPerTrial as number).toFixed(2)} | ${(row.msPerStep as number).toFixed(2)} |`,
    ),
  ];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ command: `npx ts-node --transpile-only bench/sweep/trial-cost.ts ${argv.join(' ')}`.trim(), date: new Date().toISOString(), loadAverage: os.loadavg(), trials, rows }, null, 2)}\n`);
  process.stdout.write(`${lines.join('\n')}\n\nload average: ${os.loadavg().map((load) => load.toFixed(1)).join(', ')}\nJSON: ${path.relative(process.cwd(), out)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`trial-cost failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
