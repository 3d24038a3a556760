/**
 * Turns sweep trial records into the per-seed metrics a baseline holds: per entry, each seed's
 * final test accuracy, test data loss, train accuracy and generalization gaps.
 *
 * Entries are named by something that is the same on every backend and with every sampler, so a
 * fresh run is compared configuration for configuration:
 *   - `configurations`: one entry per grid point, `arm/param=value,...`. The values are those the
 *     definition lists (a grid's choices), never sampled floats; use it for grid sweeps only.
 *   - `selected`: one entry per arm, `arm/selected`: the configuration that arm selected on
 *     validation loss (mean over its seeds; the report's rule). Use it for sampled sweeps (TPE,
 *     random), whose proposals differ between backends in the last digits.
 */
import type { TrialRecord } from '../sweep/record';
import { EntryKeys, ENTRY_KEYS, MetricsTable } from './baseline';
import { LayerwiseConfigError } from '../errors/config-error';

/** Names a grid point's entry: the arm plus its parameters in a stable order, e.g. `uniform/l2=0.001`. */
export function entryName(trial: Pick<TrialRecord, 'arm' | 'params'>): string {
  const parameters = Object.keys(trial.params)
    .sort()
    .map((key) => `${key}=${trial.params[key]}`)
    .join(',');
  return parameters === '' ? trial.arm : `${trial.arm}/${parameters}`;
}

/** The name of an arm's selected-configuration entry. */
export function selectedEntryName(arm: string): string {
  return `${arm}/selected`;
}

type Final = NonNullable<TrialRecord['final']>;
const METRICS: ReadonlyArray<[string, (final: Final) => number | undefined]> = [
  ['testAccuracy', (final) => final.test?.accuracy],
  ['testLoss', (final) => final.test?.loss],
  ['trainAccuracy', (final) => final.train.accuracy],
  ['lossGap', (final) => final.lossGap],
  ['accuracyGap', (final) => final.accuracyGap],
];

/**
 * Completed selection trials. Evaluation re-runs (role 'evaluation', fresh seeds after selection)
 * share their configuration's configId; counted here they would change which configuration an arm
 * selects and add seeds a baseline without an evaluation block does not have.
 */
function usable(trial: TrialRecord): boolean {
  return trial.state === 'complete' && trial.final != null && trial.role !== 'evaluation';
}

/** Per-seed values of one configuration's trials (one trial per seed: a repeated seed keeps the smallest trialId). */
function samplesOf(trials: readonly TrialRecord[]): MetricsTable[string] {
  const bySeed = new Map<number, TrialRecord>();
  for (const trial of [...trials].sort((a, b) => (a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : 0))) {
    if (!bySeed.has(trial.seed)) bySeed.set(trial.seed, trial);
  }
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const finals = seeds.map((seed) => (bySeed.get(seed) as TrialRecord).final as Final);
  const metrics: Record<string, number[]> = {};
  for (const [metric, pick] of METRICS) {
    const values = finals.map(pick);
    // A metric is kept only when every seed recorded it, so values and seeds stay aligned.
    if (values.every((value): value is number => value !== undefined && Number.isFinite(value))) metrics[metric] = values as number[];
  }
  return { seeds, metrics };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Per-seed metrics of completed trials, named as `keys` says (default `configurations`). */
export function metricsFromTrials(trials: readonly TrialRecord[], keys: EntryKeys = 'configurations'): MetricsTable {
  if (!ENTRY_KEYS.includes(keys)) throw new LayerwiseConfigError('--entries', ` = ${JSON.stringify(keys)}: expected one of ${ENTRY_KEYS.join(', ')}`);
  const byConfiguration = new Map<string, TrialRecord[]>();
  for (const trial of trials) {
    if (!usable(trial)) continue;
    byConfiguration.set(trial.configId, [...(byConfiguration.get(trial.configId) ?? []), trial]);
  }
  const table: MetricsTable = {};
  if (keys === 'configurations') {
    for (const group of byConfiguration.values()) table[entryName(group[0])] = samplesOf(group);
    return table;
  }
  // `selected`: per arm, the configuration with the lowest mean final validation loss (ties: smaller configId).
  const best = new Map<string, { configId: string; validationLoss: number }>();
  for (const [configId, group] of byConfiguration) {
    const losses = group.map((trial) => trial.final?.validation?.loss);
    if (!losses.every((loss): loss is number => loss !== undefined && Number.isFinite(loss))) continue;
    const validationLoss = mean(losses);
    const current = best.get(group[0].arm);
    if (current === undefined || validationLoss < current.validationLoss || (validationLoss === current.validationLoss && configId < current.configId)) {
      best.set(group[0].arm, { configId, validationLoss });
    }
  }
  const arms = new Set([...byConfiguration.values()].map((group) => group[0].arm));
  const withoutValidation = [...arms].filter((arm) => !best.has(arm));
  if (withoutValidation.length > 0) {
    throw new LayerwiseConfigError(
      '--entries',
      ` = "selected": arm(s) ${withoutValidation.join(', ')} have no configuration whose every seed recorded a validation loss, so none can be selected; add a validation split, or name entries by grid point with --entries configurations (grid sweeps only)`,
    );
  }
  for (const [arm, { configId }] of [...best.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    table[selectedEntryName(arm)] = samplesOf(byConfiguration.get(configId) as TrialRecord[]);
  }
  return table;
}
