/**
 * Named CI gates: tiny seeded sweeps that `layerwise check --run <gate>` reruns and compares with a
 * committed baseline (experiments/baselines/gate.json). Each gate is a sweep definition under
 * experiments/sweeps/ (`gate-<name>.json`, which `layerwise sweep` also runs as is), a miniature of
 * a study in experiments/, small enough to finish in well under a minute on the native backend and
 * in a few minutes on the pure-JS fallback, yet trained long enough that a change which degrades
 * accuracy (a broken regularizer, optimizer, loss or data path) moves the numbers beyond tolerance.
 * Every gate runs through the sweep runner and the `train` objective; its metrics are read from the
 * sweep's store.
 *
 *   moons:   2 → 64 ReLU → 1 MLP on the first 30 shipped two-moons points (70 test), Adam 1e-2,
 *            300 full-batch epochs, L2 on the hidden kernel ∈ {0, 1e-3, 1e-1}, seeds 1-5.
 *   circles: the same MLP shape on shipped circles with its ReLU as its own layer, activity
 *            L1(1e-3) before the ReLU (on the linear dense_1), after it (on activation_1), or a
 *            `none` arm, seeds 1-5.
 *   ci:      both; entries are prefixed `moons/` and `circles/`.
 *
 * Entries hold every seed's metrics (see `metricsFromTrials`), named by grid point
 * (`moons/hidden-l2/l2=0.001`) or arm (`circles/none`: fixed coefficients are not parameters):
 * labels from the definition, never sampled floats, so runs on different backends are compared
 * entry for entry.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../backend';
import { LayerwiseConfigError } from '../errors/config-error';
import { fromConfig, loadTrials, runSweep } from '../sweep';
import type { MetricsTable } from './baseline';
import { metricsFromTrials } from './metrics-from-trials';

/**
 * Folder of the gates' definitions: experiments/sweeps/ at the package root (two levels above this
 * file both as lib/check/gates.ts and as dist/check/gates.js).
 */
export const GATE_DEFINITIONS_DIRECTORY = path.resolve(__dirname, '..', '..', 'experiments', 'sweeps');

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

/** The gates and the file of each one's definition. */
const GATE_FILES: Record<'moons' | 'circles', string> = { moons: 'gate-moons.json', circles: 'gate-circles.json' };

/**
 * A gate's sweep definition (plain JSON, validated by `fromConfig` when it runs): the committed
 * file, with the settings `args` overrides (hidden units, learning rate, epochs, seeds).
 */
export function gateDefinition(gate: 'moons' | 'circles', args: GateRunArgs = {}): Record<string, any> {
  const file = path.join(GATE_DEFINITIONS_DIRECTORY, GATE_FILES[gate]);
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
  delete config.$schema;
  if (args.hiddenUnits !== undefined) config.model = { ...config.model, hidden: [args.hiddenUnits] };
  if (args.epochs !== undefined) config.training = { ...config.training, epochs: args.epochs, evaluateEvery: args.epochs };
  if (args.learningRate !== undefined) config.training = { ...config.training, optimizer: { ...config.training.optimizer, learningRate: args.learningRate } };
  if (args.seeds !== undefined) config.seeds = [...args.seeds];
  return config;
}

/** The moons gate's sweep definition (experiments/sweeps/gate-moons.json with `args` applied). */
export function moonsGateDefinition(args: GateRunArgs = {}): Record<string, unknown> {
  return gateDefinition('moons', args);
}

/** Runs one gate's sweep in a temporary folder and returns the metrics of the records its store holds. */
async function sweepGate(gate: 'moons' | 'circles', args: GateRunArgs): Promise<MetricsTable> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `layerwise-gate-${gate}-`));
  try {
    await runSweep({
      definition: fromConfig(gateDefinition(gate, args)),
      directory,
      workers: 0,
      onEvent: (event) => {
        if (event.type === 'trial-finish') args.onProgress?.(`${gate} ${event.record.arm} ${JSON.stringify(event.record.params)} seed ${event.record.seed}: ${event.record.state}`);
      },
    });
    const records = await loadTrials(directory);
    // A trial that errored is a broken gate, not a regression: say why instead of reporting missing metrics.
    const failed = records.find((record) => record.state === 'failed');
    if (failed !== undefined) throw new Error(`gate ${gate}: trial ${failed.arm} ${JSON.stringify(failed.params)} seed ${failed.seed} failed: ${failed.error}`);
    return metricsFromTrials(records);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function prefixed(prefix: string, table: MetricsTable): MetricsTable {
  return Object.fromEntries(Object.entries(table).map(([entry, metrics]) => [`${prefix}/${entry}`, metrics]));
}

const GATES: Record<string, (args: GateRunArgs) => Promise<MetricsTable>> = {
  moons: async (args) => prefixed('moons', await sweepGate('moons', args)),
  circles: async (args) => prefixed('circles', await sweepGate('circles', args)),
  ci: async (args) => ({ ...prefixed('moons', await sweepGate('moons', args)), ...prefixed('circles', await sweepGate('circles', args)) }),
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
