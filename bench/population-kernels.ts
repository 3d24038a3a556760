/**
 * Profile helper (not a test, not a bench suite): `ts-node --transpile-only bench/population-kernels.ts`
 * trains one population of 6 README-model members (experiments/sweeps/moons-quick.json: 2-16-16-1 MLP,
 * sigmoid + binary cross-entropy, 60 epochs, batch 32, Adam, L2 per kernel; members alternate the
 * two arms, seeds 1-3) on the tensorflow backend, as a sweep round does
 * (`trainModelObjective.runPopulation`), and prints:
 *  - the native kernel calls (TensorFlow eager ops run through tfjs-node's binding, whether tfjs or
 *    layerwise issued them) and host→device uploads per training step, per measurement and per
 *    epoch otherwise, with the ops by name and their mean µs per call in the instrumented round (`--ops`);
 *  - wall milliseconds per epoch of uninstrumented rounds (median of `--repeats`, default 7) and
 *    their CPU milliseconds per epoch (process user + system, mean);
 *    `--no-count` runs only these.
 * Ops are attributed by the call stack: inside the trainer's `measure` → measurement, inside its
 * `step` → step, else other (batch upload, objective read-back, compaction, model building).
 * This file is a command-line tool, so it prints.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

interface Counts {
  ops: Map<string, number>;
  /** Microseconds spent in the native call, per op name. */
  micros: Map<string, number>;
  total: number;
  uploads: number;
}

function emptyCounts(): Counts {
  return { ops: new Map(), micros: new Map(), total: 0, uploads: 0 };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const repeats = Number(option('--repeats', '7'));
  const members = Number(option('--members', '6'));
  const showOps = argv.includes('--ops');
  process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL ?? '2';
  /* eslint-disable @typescript-eslint/no-var-requires */
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  const { initBackend } = require('../lib/backend') as typeof import('../lib/backend');
  const { fromConfig } = require('../lib/sweep/definition-config') as typeof import('../lib/sweep/definition-config');
  const { trainModelObjective } = require('../lib/sweep/objectives/train-model') as typeof import('../lib/sweep/objectives/train-model');
  /* eslint-enable @typescript-eslint/no-var-requires */
  await initBackend({ backend: 'tensorflow', log: false });
  if (tf.getBackend() !== 'tensorflow') throw new Error(`expected the tensorflow backend, got ${tf.getBackend()}`);
  const definition = fromConfig(JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), 'utf8')));
  const epochs = (definition.training as { epochs: number }).epochs;
  const layerNames = (definition.arms[1].layers ?? []) as string[];
  const inputs = () =>
    Array.from({ length: members }, (_, member) => {
      const fraction = ((member * 0.618034) % 1 + 0.05) % 1;
      const value = Math.exp(Math.log(1e-5) + fraction * (Math.log(1e-1) - Math.log(1e-5)));
      const arm = definition.arms[member % 2];
      const params: Record<string, number> = member % 2 === 0 ? { l2: value } : Object.fromEntries(layerNames.map((layer, index) => [`l2.${layer}`, (value * (index + 1)) / layerNames.length]));
      return { definition, arm, params, seed: 1 + (member % 3), trialId: `t${member}`, configId: `c${member}`, index: member, attempt: 1 };
    });
  const paths = new Set<string>();
  const context = {
    signal: new AbortController().signal,
    onEpoch: async () => false,
    onMemberFinished: async (_member: number, outcome: { trainingPath?: string } | Error) => {
      paths.add(outcome instanceof Error ? `error: ${outcome.message}` : String(outcome.trainingPath));
    },
  };
  const round = async (): Promise<number> => {
    paths.clear();
    const started = performance.now();
    await trainModelObjective.runPopulation!(inputs() as never, context as never);
    const ms = performance.now() - started;
    if (paths.size !== 1 || !paths.has('population')) throw new Error(`the members did not train as one population: ${[...paths].join(', ')}`);
    return ms;
  };

  // Warm-up, then the instrumented round.
  await round();
  // tfjs-node's addon object is read-only: count at the backend's entry points every kernel goes through.
  type NativeEntry = (name: string, ...rest: unknown[]) => unknown;
  const backend = tf.engine().backend as unknown as {
    executeSingleOutput: NativeEntry;
    executeMultipleOutputs: NativeEntry;
    getInputTensorIds: (tensors: Array<{ dataId: object }>) => unknown;
    tensorMap: { get: (dataId: object) => { values: unknown } | undefined };
  };
  const originals = { executeSingleOutput: backend.executeSingleOutput, executeMultipleOutputs: backend.executeMultipleOutputs, getInputTensorIds: backend.getInputTensorIds };
  const phases: Record<'step' | 'measure' | 'other', Counts> = { step: emptyCounts(), measure: emptyCounts(), other: emptyCounts() };
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const phaseOf = (): Counts => {
    const stack = new Error().stack ?? '';
    if (/at (async )?measure \(/.test(stack)) return phases.measure;
    if (/at step \(/.test(stack)) return phases.step;
    return phases.other;
  };
  // The phase of the kernel being run (its inputs' uploads count there, without a second stack walk inside the timed call).
  let current: Counts | null = null;
  const counted = (original: NativeEntry): NativeEntry =>
    function (this: unknown, name: string, ...rest: unknown[]) {
      const counts = phaseOf();
      current = counts;
      counts.ops.set(name, (counts.ops.get(name) ?? 0) + 1);
      counts.total++;
      const started = process.hrtime.bigint();
      try {
        return original.call(this, name, ...rest);
      } finally {
        counts.micros.set(name, (counts.micros.get(name) ?? 0) + Number(process.hrtime.bigint() - started) / 1000);
        current = null;
      }
    };
  backend.executeSingleOutput = counted(originals.executeSingleOutput);
  backend.executeMultipleOutputs = counted(originals.executeMultipleOutputs);
  backend.getInputTensorIds = function (this: typeof backend, tensors: Array<{ dataId: object }>) {
    // A tensor whose values are still on the host is uploaded now (TFE_NewTensorHandle).
    const uploads = tensors.filter((tensor) => this.tensorMap.get(tensor.dataId)?.values != null).length;
    if (uploads > 0) (current ?? phaseOf()).uploads += uploads;
    return originals.getInputTensorIds.call(this, tensors);
  };
  let instrumentedMs = NaN;
  try {
    // --no-count: only the timed rounds (for a profiler or timers around them).
    if (!argv.includes('--no-count')) instrumentedMs = await round();
  } finally {
    Object.assign(backend, originals);
    Error.stackTraceLimit = previousLimit;
  }
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let repeat = 0; repeat < repeats; repeat++) times.push(await round());
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time of the whole process (TensorFlow's threads too): steadier than wall time on a loaded machine.
  const cpuMsPerEpoch = (cpu.user + cpu.system) / 1000 / (repeats * epochs);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  // Steps: the moons train split's batches per epoch, times the epochs.
  const trainRows = Math.round(300 * 0.4);
  const batchSize = (definition.training as { batchSize: number }).batchSize;
  const steps = Math.ceil(trainRows / batchSize) * epochs;
  const line = (label: string, counts: Counts, per: number) =>
    `${label}: ${(counts.total / per).toFixed(1)} kernels, ${(counts.uploads / per).toFixed(1)} uploads (${counts.total} / ${counts.uploads} over ${per})`;
  console.log(`population of ${members} README members, ${epochs} epochs, ${steps / epochs} steps per epoch, backend ${tf.getBackend()}`);
  console.log(line('per step', phases.step, steps));
  console.log(line('per measurement', phases.measure, epochs));
  console.log(line('other per epoch', phases.other, epochs));
  console.log(`kernels per epoch: ${((phases.step.total + phases.measure.total + phases.other.total) / epochs).toFixed(1)}`);
  console.log(`CPU ms per epoch: ${cpuMsPerEpoch.toFixed(3)} (mean over the timed rounds)`);
  console.log(`wall ms per epoch: median ${(median / epochs).toFixed(3)} (round ${median.toFixed(1)} ms; min ${(times[0] / epochs).toFixed(3)}, max ${(times[times.length - 1] / epochs).toFixed(3)}; instrumented round ${instrumentedMs.toFixed(0)} ms)`);
  if (showOps) {
    for (const [label, counts] of Object.entries(phases)) {
      const sorted = [...counts.ops.entries()].sort((a, b) => b[1] - a[1]);
      console.log(`${label}: ${sorted.map(([name, count]) => `${name} ${count} (${((counts.micros.get(name) ?? 0) / count).toFixed(0)} µs)`).join(', ')}`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
