/**
 * One zoo worker process: one backend, one model, kept alive so the driver can interleave its
 * repeats with the Keras process's (and so its peak RSS is this model's alone).
 *
 * Arguments: --backend NAME --model ID --samples N --epochs E --seed S
 * Protocol (one JSON line each, prefixed, on stdout; commands one per line on stdin):
 *   start            -> `ZOO_READY {backend, path, pathSource, parameters}` after data, model and one untimed warm-up epoch
 *   `run`            -> `ZOO_REPEAT {seconds, cpuSeconds}`: training seconds of E epochs (`onEpochTrained`: steps and
 *                       shuffle, no measurement) and the process CPU seconds from the `train` call to the last epoch's end
 *   `quit`           -> `ZOO_DONE {maxRssBytes}` and exit
 */
import * as readline from 'readline';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { initBackend, parseBackendName, BackendName } from '../../lib/backend';
import { train } from '../../lib/train/train';
import { ZooModel, zooModel } from './models';

export const ZOO_PREFIX = { ready: 'ZOO_READY ', repeat: 'ZOO_REPEAT ', done: 'ZOO_DONE ' } as const;

/** Which training path `train` took for this model and loss, as its TrainResult says. */
export interface TrainingPathReport {
  /** `lean`: hand-written forward/backward; `general`: `model.apply` + autodiff; `unknown` before the first epoch. */
  path: 'lean' | 'general' | 'unknown' | string;
  /** Always `result`: read from `TrainResult.trainingPath`. */
  source: 'result';
}

/** Inputs uniform in [0, 1) and random one-hot or 0/1 targets from a fixed seed. */
export function zooData(model: ZooModel, samples: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const random = seedrandom(`layerwise-zoo-${model.id}-${seed}`);
  const features = model.input.reduce((product, size) => product * size, 1);
  const x = new Float32Array(samples * features);
  for (let index = 0; index < x.length; index++) x[index] = random();
  const target = model.target;
  if (target.kind === 'binary') {
    const y = new Float32Array(samples);
    for (let index = 0; index < samples; index++) y[index] = random() < 0.5 ? 0 : 1;
    return { x: tf.tensor(x, [samples, ...model.input]), y: tf.tensor2d(y, [samples, 1]) };
  }
  const labels = new Int32Array(samples);
  for (let index = 0; index < samples; index++) labels[index] = Math.floor(random() * target.classes);
  return tf.tidy(() => ({ x: tf.tensor(x, [samples, ...model.input]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), target.classes).toFloat() }));
}

function pathFromResult(result: unknown): string | undefined {
  const record = result as Record<string, unknown>;
  return typeof record.trainingPath === 'string' ? record.trainingPath : undefined;
}

function argument(argv: string[], name: string): string {
  const position = argv.indexOf(`--${name}`);
  if (position < 0 || argv[position + 1] === undefined) throw new Error(`--${name} is required`);
  return argv[position + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = parseBackendName(argument(argv, 'backend'), '--backend') as BackendName;
  const spec = zooModel(argument(argv, 'model'));
  const samples = Number(argument(argv, 'samples'));
  const epochs = Number(argument(argv, 'epochs'));
  const seed = Number(argument(argv, 'seed'));
  const info = await initBackend({ backend, log: false });
  const { x, y } = zooData(spec, samples, seed);
  const model = spec.build();
  let trainingPath: TrainingPathReport = { path: 'unknown', source: 'result' };
  let round = 0;
  /** Trains `count` epochs; returns the summed training seconds and the CPU seconds up to the last epoch's end (no evaluation). */
  const trainEpochs = async (count: number): Promise<{ seconds: number; cpuSeconds: number }> => {
    let seconds = 0;
    let cpuSeconds = 0;
    const cpuStart = process.cpuUsage();
    const result = await train(model, { train: { x, y } }, {
      epochs: count,
      batchSize: spec.batchSize,
      loss: spec.loss,
      optimizer: { name: 'adam', learningRate: spec.learningRate },
      seed: seed + round++,
      evaluateEvery: count,
      onEpochTrained: (trained) => {
        seconds += trained.seconds;
        const used = process.cpuUsage(cpuStart);
        cpuSeconds = (used.user + used.system) / 1e6;
      },
    });
    const reported = pathFromResult(result);
    if (reported !== undefined) trainingPath = { path: reported, source: 'result' };
    return { seconds, cpuSeconds };
  };
  await trainEpochs(1);
  process.stdout.write(`${ZOO_PREFIX.ready}${JSON.stringify({ backend: info.name, path: trainingPath.path, pathSource: trainingPath.source, parameters: model.countParams() })}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = line.trim();
    if (command === 'run') {
      const { seconds, cpuSeconds } = await trainEpochs(epochs);
      process.stdout.write(`${ZOO_PREFIX.repeat}${JSON.stringify({ seconds, cpuSeconds })}\n`);
    } else if (command === 'quit') {
      break;
    }
  }
  tf.dispose([x, y]);
  model.dispose();
  // maxRSS is in kilobytes (getrusage's ru_maxrss on Linux).
  process.stdout.write(`${ZOO_PREFIX.done}${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  lines.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`zoo worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
