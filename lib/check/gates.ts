/**
 * Named CI gates: tiny seeded experiments that `layerwise check --run <gate>` reruns and compares
 * with a committed baseline (experiments/baselines/gate.json). Each gate is a miniature of a study
 * in experiments/, small enough to finish in well under a minute on the native backend and in a
 * few minutes on the pure-JS fallback, yet trained long enough that a change which degrades
 * accuracy (a broken regularizer, optimizer, loss or data path) moves the numbers beyond tolerance.
 *
 *   moons:   2 → 64 ReLU → 1 MLP on the first 30 shipped two-moons points (70 test), Adam 1e-2,
 *            300 full-batch epochs, L2 on the hidden kernel ∈ {0, 1e-3, 1e-1}, seeds 1-5,
 *            run through the sweep runner and the `train` objective.
 *   circles: the same MLP shape on shipped circles, activity L1(1e-3) before vs after the ReLU
 *            and without, 300 epochs, seeds 1-5, through lib/layers and `train` directly.
 *   ci:      both; entries are prefixed `moons/` and `circles/`.
 *
 * Entries hold every seed's metrics (see `metricsFromTrials`), named by grid point
 * (`moons/hidden-l2/l2=0.001`) or placement (`circles/none`): labels from the definition, never
 * sampled floats, so runs on different backends are compared entry for entry.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { layerSeed } from '../builders';
import { loadDataset, splitOrdered, toTrainingData } from '../data';
import { LayerwiseConfigError } from '../errors/config-error';
import { layers } from '../layers';
import { l1 } from '../regularizers';
import { fromConfig, runSweep } from '../sweep';
import type { TrialRecord } from '../sweep';
import { train } from '../train';
import type { MetricsTable } from './baseline';
import { metricsFromTrials } from './metrics-from-trials';

/** Knobs of a gate run. The defaults are the committed gate; tests override them to cripple a model on purpose. */
export interface GateRunArgs {
  /** Receives one progress line per finished trial. Default: none. */
  onProgress?: (line: string) => void;
  /** Hidden units of the MLP. Default 64. */
  hiddenUnits?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** Full-batch epochs. Default 300. */
  epochs?: number;
  /** Seeds (paired across settings, and with the baseline's seeds). Default {@link GATE_SEEDS}. */
  seeds?: number[];
}

/**
 * Seeds of every gate entry. Five paired seeds give the paired t-test 4 degrees of freedom
 * (t(0.95, 4) = 2.13 against 6.31 with two seeds), enough to decide non-inferiority across
 * backends, while the whole `ci` gate stays well under a minute on the native backend.
 */
export const GATE_SEEDS: readonly number[] = [1, 2, 3, 4, 5];

const DEFAULTS = { hiddenUnits: 64, learningRate: 0.01, epochs: 300, seeds: [...GATE_SEEDS] };

/** L2 coefficients of the moons gate (0 is the unregularized baseline). */
export const MOONS_GATE_COEFFICIENTS = [0, 1e-3, 1e-1];

/** The moons gate's sweep definition (plain JSON, validated by `fromConfig`). */
export function moonsGateDefinition(args: GateRunArgs = {}): Record<string, unknown> {
  const settings = { ...DEFAULTS, ...args };
  return {
    name: 'gate-moons',
    objective: 'train',
    model: { type: 'mlp', inputSize: 2, hidden: [settings.hiddenUnits], outputSize: 1, activation: 'relu', task: 'binary' },
    data: { dataset: 'moons', split: { ordered: true, train: 30 } },
    training: { epochs: settings.epochs, batchSize: 30, optimizer: { name: 'adam', learningRate: settings.learningRate }, evaluateEvery: settings.epochs },
    arms: [{ name: 'hidden-l2', kind: 'uniform', layers: ['dense_1'], penalties: { l2: { type: 'choice', values: MOONS_GATE_COEFFICIENTS } } }],
    budget: MOONS_GATE_COEFFICIENTS.length,
    seeds: settings.seeds,
    sampler: { type: 'grid', seed: 0 },
  };
}

async function moonsGate(args: GateRunArgs): Promise<MetricsTable> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-gate-moons-'));
  try {
    const summary = await runSweep({
      definition: fromConfig(moonsGateDefinition(args)),
      directory,
      workers: 0,
      onEvent: (event) => {
        if (event.type === 'trial-finish') args.onProgress?.(`moons ${JSON.stringify(event.record.params)} seed ${event.record.seed}: ${event.record.state}`);
      },
    });
    // A trial that errored is a broken gate, not a regression: say why instead of reporting missing metrics.
    const failed = summary.records.find((record) => record.state === 'failed');
    if (failed !== undefined) throw new Error(`gate moons: trial ${JSON.stringify(failed.params)} seed ${failed.seed} failed: ${failed.error}`);
    return metricsFromTrials(summary.records);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Where the circles gate puts its activity penalty. */
export type ActivityPlacement = 'none' | 'before-relu' | 'after-relu';
const PLACEMENTS: readonly ActivityPlacement[] = ['none', 'before-relu', 'after-relu'];

/** Activity L1 coefficient of the circles gate. Larger than the study's 1e-4 so that placement matters within 300 epochs. */
export const CIRCLES_GATE_ACTIVITY_L1 = 1e-3;

/**
 * The circles gate's model: Dense(hidden) with the activity penalty on its linear output followed by
 * a ReLU layer ('before-relu'), or Dense(hidden, relu) with the penalty on its output ('after-relu').
 * Kernels are Glorot-uniform seeded per layer like lib/builders.
 */
export function circlesGateModel(placement: ActivityPlacement, hiddenUnits: number, seed: number): tf.LayersModel {
  const model = tf.sequential();
  const init = (position: number) => tf.initializers.glorotUniform({ seed: layerSeed(seed, position) });
  const activityRegularizer = placement === 'none' ? undefined : l1({ l1: CIRCLES_GATE_ACTIVITY_L1 });
  const linear = placement === 'before-relu';
  model.add(layers.dense({ name: 'dense_1', units: hiddenUnits, activation: linear ? 'linear' : 'relu', inputShape: [2], kernelInitializer: init(1), activityRegularizer }));
  if (linear) model.add(tf.layers.activation({ name: 'relu_1', activation: 'relu' }));
  model.add(layers.dense({ name: 'output', units: 1, activation: 'sigmoid', kernelInitializer: init(2) }));
  return model;
}

async function circlesGate(args: GateRunArgs): Promise<MetricsTable> {
  const settings = { ...DEFAULTS, ...args };
  const splits = splitOrdered(loadDataset('circles'), { train: 30 });
  const records: TrialRecord[] = [];
  for (const [index, placement] of PLACEMENTS.entries()) {
    for (const seed of settings.seeds) {
      const data = toTrainingData(splits, { labels: 'binary' });
      const model = circlesGateModel(placement, settings.hiddenUnits, seed);
      try {
        const result = await train(model, data, {
          seed,
          epochs: settings.epochs,
          optimizer: { name: 'adam', learningRate: settings.learningRate },
          loss: 'binaryCrossentropy',
          evaluateEvery: settings.epochs,
        });
        records.push({
          trialId: `${placement}-${seed}`,
          configId: placement,
          sweepName: 'gate-circles',
          arm: placement,
          index,
          params: {},
          seed,
          state: result.status === 'diverged' ? 'diverged' : 'complete',
          attempts: 1,
          epochs: result.epochs,
          final: result.final,
          backend: result.backend,
        });
        args.onProgress?.(`circles ${placement} seed ${seed}: ${result.status}`);
      } finally {
        model.dispose();
        tf.dispose(data as unknown as tf.TensorContainer);
      }
    }
  }
  return metricsFromTrials(records);
}

function prefixed(prefix: string, table: MetricsTable): MetricsTable {
  return Object.fromEntries(Object.entries(table).map(([entry, metrics]) => [`${prefix}/${entry}`, metrics]));
}

const GATES: Record<string, (args: GateRunArgs) => Promise<MetricsTable>> = {
  moons: async (args) => prefixed('moons', await moonsGate(args)),
  circles: async (args) => prefixed('circles', await circlesGate(args)),
  ci: async (args) => ({ ...prefixed('moons', await moonsGate(args)), ...prefixed('circles', await circlesGate(args)) }),
};

/** Names `layerwise check --run` accepts. */
export function gateNames(): string[] {
  return Object.keys(GATES);
}

/**
 * Runs a named gate on the project's backend (initialized here if nobody did) and returns its
 * metrics table. `args` overrides the gate's settings (tests use it to degrade a model).
 */
export async function runGate(name: string, onProgress?: (line: string) => void, args: GateRunArgs = {}): Promise<MetricsTable> {
  const gate = GATES[name];
  if (gate === undefined) throw new LayerwiseConfigError('gate', ` = "${name}": unknown gate; available: ${gateNames().join(', ')}`);
  await initBackend();
  return gate({ ...args, onProgress: args.onProgress ?? onProgress });
}
