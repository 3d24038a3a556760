/**
 * Micro benchmark (not part of the test suite): layerwise `train` vs raw `model.fit` on the same
 * model, MLP 784-256-10 (ReLU, softmax), Adam, batch 128, synthetic data of a fixed seed.
 *
 *   npx ts-node --transpile-only test/train/benchmark-train.ts [--backend tensorflow|cpu|wasm] [--samples N] [--epochs N] [--l2 1e-4]
 *
 * Prints one JSON line per case and the ratio train/fit (samples/s, median of timed epochs after one warm-up epoch).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { median, timeFitEpochs, timeTrainEpochs } from '../../bench/epoch-timing';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function buildMlp(l2: number): tf.LayersModel {
  const regularizer = l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 256, inputShape: [784], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), kernelRegularizer: regularizer }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), kernelRegularizer: regularizer }));
  return model;
}

async function main(): Promise<void> {
  const backend = argument('backend', process.env.LAYERWISE_BACKEND ?? '');
  const info = await initBackend({ backend: (backend || undefined) as never, log: false });
  const samples = Number(argument('samples', info.name === 'tensorflow' ? '16384' : '2048'));
  const timedEpochs = Number(argument('epochs', '5'));
  const l2 = Number(argument('l2', '1e-4'));
  const batchSize = 128;
  const x = tf.randomUniform([samples, 784], 0, 1, 'float32', 42);
  const y = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.randomUniform([samples], 0, 1, 'float32', 43), 10), 'int32'), 10).toFloat());
  const timing = { batchSize, warmupEpochs: 1, timedEpochs };
  const rows: Record<string, number> = {};
  const order = (argument('order', 'fit,train,train-measured') as string).split(',');
  for (const name of order) {
    const model = buildMlp(l2);
    let seconds: number[];
    if (name === 'fit') {
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      seconds = await timeFitEpochs(model, x, y, timing);
    } else if (name === 'train') {
      seconds = (await timeTrainEpochs(model, x, y, timing)).training;
    } else {
      // Every epoch also measures the train split in inference mode (loss, accuracy, penalty, norms).
      seconds = (await timeTrainEpochs(model, x, y, { ...timing, trainOptions: { evaluateEvery: 1 } })).withMeasurement;
    }
    model.dispose();
    rows[name] = samples / median(seconds);
    process.stdout.write(`${JSON.stringify({ backend: info.name, case: name, samples, batchSize, l2, epochSeconds: seconds.map((s) => +s.toFixed(4)), samplesPerSecond: Math.round(rows[name]) })}\n`);
  }
  if (rows.fit && rows.train) process.stdout.write(`ratio train/fit = ${(rows.train / rows.fit).toFixed(3)}${rows['train-measured'] ? `; train-measured/fit = ${(rows['train-measured'] / rows.fit).toFixed(3)}` : ''}\n`);
  tf.dispose([x, y]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
