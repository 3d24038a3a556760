/**
 * Micro benchmark (not part of the test suite) of the models the hand-written Dense-stack pass
 * (lib/train/lean-dense-stack.ts) added to the lean path, layerwise `train` with the lean path on
 * (default) and off (`leanObjective: false`, the general path), interleaved, median of repeats:
 *
 *  - issue16: 784-256(relu, activity L1)-Dropout(0.3)-BatchNorm-128(relu)-10(softmax), L2 kernels
 *    (BatchNormalization keeps it on the general path either way: a control);
 *  - issue16-no-bn: the same without BatchNormalization (lean since the Dense-stack pass);
 *  - sigmoid-bce: 784-256(relu)-128(relu)-1(sigmoid), L2 kernels, binary cross-entropy;
 *  - cnn-bn-dropout: 28x28x1 Conv2D(16, 3x3, no bias)-BatchNorm-ReLU-MaxPool-Conv2D(32, 3x3, relu)-MaxPool-Dropout(0.25)-Flatten-Dense(10, softmax), batch 64;
 *  - conv1d: sequences 64x8, Conv1D(32, 5, relu)-MaxPooling1D(2)-Conv1D(32, 3, relu)-GlobalAveragePooling1D-Dropout(0.2)-Dense(10, softmax).
 *
 * Adam, batch 128 (CNN 64), synthetic data of a fixed seed.
 *
 *   npx ts-node --transpile-only test/train/benchmark-lean-coverage.ts [--samples 8192] [--epochs 3] [--repeats 3] [--cases issue16,issue16-no-bn,sigmoid-bce] [--paths lean,general]
 *
 * Prints one JSON line per (case, path, repeat) and a summary line per (case, path): samples/s as
 * the median over repeats of each run's median timed epoch (one warm-up epoch per run).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { carryActivityRegularizer } from '../../lib/activity';
import { train } from '../../lib/train';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

type CaseName = 'issue16' | 'issue16-no-bn' | 'sigmoid-bce' | 'cnn-bn-dropout' | 'conv1d';

function build(name: CaseName): tf.Sequential {
  const l2 = () => tf.regularizers.l2({ l2: 1e-4 });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const layers: tf.layers.Layer[] = [];
  if (name === 'cnn-bn-dropout') {
    layers.push(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, useBias: false, kernelInitializer: init(1) }));
    layers.push(tf.layers.batchNormalization());
    layers.push(tf.layers.activation({ activation: 'relu' }));
    layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
    layers.push(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
    layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
    layers.push(tf.layers.dropout({ rate: 0.25 }));
    layers.push(tf.layers.flatten());
    layers.push(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }));
  } else if (name === 'conv1d') {
    layers.push(tf.layers.conv1d({ inputShape: [64, 8], filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }));
    layers.push(tf.layers.maxPooling1d({ poolSize: 2 }));
    layers.push(tf.layers.conv1d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
    layers.push(tf.layers.globalAveragePooling1d());
    layers.push(tf.layers.dropout({ rate: 0.2 }));
    layers.push(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }));
  } else if (name === 'sigmoid-bce') {
    layers.push(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: init(1), kernelRegularizer: l2() }));
    layers.push(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(2), kernelRegularizer: l2() }));
    layers.push(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(3), kernelRegularizer: l2() }));
  } else {
    layers.push(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: init(1), kernelRegularizer: l2(), activityRegularizer: tf.regularizers.l1({ l1: 1e-5 }) }));
    layers.push(tf.layers.dropout({ rate: 0.3 }));
    if (name === 'issue16') layers.push(tf.layers.batchNormalization());
    layers.push(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(2), kernelRegularizer: l2() }));
    layers.push(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3), kernelRegularizer: l2() }));
  }
  layers.forEach((layer) => carryActivityRegularizer(layer));
  return tf.sequential({ layers });
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'tensorflow' as never, log: false });
  const samples = Number(argument('samples', '8192'));
  const timedEpochs = Number(argument('epochs', '3'));
  const repeats = Number(argument('repeats', '3'));
  const cases = argument('cases', 'issue16,issue16-no-bn,sigmoid-bce').split(',') as CaseName[];
  const paths = argument('paths', 'lean,general').split(',');
  const x = tf.randomUniform([samples, 784], 0, 1, 'float32', 42);
  const images = cases.includes('cnn-bn-dropout') ? tf.reshape(x, [samples, 28, 28, 1]) : null;
  const sequences = cases.includes('conv1d') ? tf.randomUniform([samples, 64, 8], 0, 1, 'float32', 45) : null;
  const y10 = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.randomUniform([samples], 0, 1, 'float32', 43), 10), 'int32'), 10).toFloat());
  const y1 = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([samples, 1], 0, 1, 'float32', 44), 0.5), 'float32'));
  const rates = new Map<string, number[]>();
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const name of cases) {
      for (const path of paths) {
        const model = build(name);
        const seconds: number[] = [];
        const input = name === 'cnn-bn-dropout' ? (images as tf.Tensor) : name === 'conv1d' ? (sequences as tf.Tensor) : x;
        const result = await train(model, { train: { x: input, y: name === 'sigmoid-bce' ? y1 : y10 } }, {
          epochs: 1 + timedEpochs,
          batchSize: name === 'cnn-bn-dropout' ? 64 : 128,
          loss: name === 'sigmoid-bce' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
          optimizer: { name: 'adam', learningRate: 1e-3 },
          evaluateEvery: 1 + timedEpochs,
          seed: repeat + 1,
          leanObjective: path === 'lean',
          onEpochTrained: ({ epoch, seconds: epochSeconds }) => {
            if (epoch > 1) seconds.push(epochSeconds);
          },
        });
        model.dispose();
        const rate = samples / median(seconds);
        const key = `${name} ${path}`;
        rates.set(key, [...(rates.get(key) ?? []), rate]);
        process.stdout.write(`${JSON.stringify({ backend: info.name, case: name, path, repeat, trainingPath: result.trainingPath, generalPathReason: result.generalPathReason, epochSeconds: seconds.map((s) => +s.toFixed(3)), samplesPerSecond: Math.round(rate) })}\n`);
      }
    }
  }
  for (const [key, values] of rates) process.stdout.write(`summary ${key}: median ${Math.round(median(values))} samples/s (runs ${values.map(Math.round).join(', ')})\n`);
  tf.dispose([x, y10, y1]);
  if (images != null) images.dispose();
  if (sequences != null) sequences.dispose();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
