/**
 * CSV views of a report: one row per trial, and one row per configuration. RFC 4180 (CRLF line
 * ends, quoted fields where needed); missing values are empty fields.
 */
import type { SweepReport } from './analyze';
import { csvField, csvRow } from './format';
import { SNAPSHOT_METRICS, SnapshotMetric } from '../sweep/selection/trial-summary';

const LINE_END = '\r\n';

/** snake_case column stem of a snapshot metric, e.g. `testLoss` → `test_loss`. */
function column(metric: SnapshotMetric): string {
  return metric.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function unionKeys(objects: ReadonlyArray<Record<string, unknown>>): string[] {
  const keys = new Set<string>();
  for (const object of objects) for (const key of Object.keys(object)) keys.add(key);
  return [...keys].sort();
}

/**
 * One row per trial: identity, state, parameters, final and best-epoch metrics, per-layer penalties
 * and weight norms; selection trials first, then evaluation re-runs on fresh seeds (`role` column).
 */
export function renderTrialsCsv(report: SweepReport): string {
  return [...trialsCsvLines(report)].join('');
}

/** The lines of {@link renderTrialsCsv} (each with its line end), one at a time: a file of 100,000 rows is written without holding it. */
export function* trialsCsvLines(report: SweepReport): Generator<string> {
  const trials = [...report.trials, ...(report.evaluationTrials ?? [])];
  const paramKeys = unionKeys(trials.map((trial) => trial.params));
  const penaltyKeys = unionKeys(trials.map((trial) => trial.penaltyPerLayer));
  const normKeys = unionKeys(trials.map((trial) => trial.weightNorms));
  const header = [
    'sweep', 'arm', 'trial_id', 'config_id', 'index', 'seed', 'state', 'usable', 'exclusion', 'epochs_run',
    ...paramKeys.map((key) => `param:${key}`),
    'final_epoch', ...SNAPSHOT_METRICS.map((metric) => `final_${column(metric)}`),
    'best_epoch', ...SNAPSHOT_METRICS.map((metric) => `best_${column(metric)}`),
    ...penaltyKeys.map((key) => `penalty:${key}`),
    ...normKeys.map((key) => `norm:${key}`),
    'diverged_at_epoch', 'seconds', 'backend', 'training_path', 'general_path_reason', 'error', 'role',
  ];
  yield csvRow(header) + LINE_END;
  // Built field by field into one string (no per-row array): 100,000 rows of ~80 fields each.
  for (const trial of trials) {
    let line = `${csvField(trial.sweepName)},${csvField(trial.arm)},${csvField(trial.trialId)},${csvField(trial.configId)},${csvField(trial.index)},${csvField(trial.seed)},${csvField(trial.state)},${csvField(trial.usable)},${csvField(trial.exclusion)},${csvField(trial.epochsRun)}`;
    for (const key of paramKeys) line += `,${csvField(trial.params[key])}`;
    line += `,${csvField(trial.final?.epoch)}`;
    for (const metric of SNAPSHOT_METRICS) line += `,${csvField(trial.final?.[metric])}`;
    line += `,${csvField(trial.best?.epoch)}`;
    for (const metric of SNAPSHOT_METRICS) line += `,${csvField(trial.best?.[metric])}`;
    for (const key of penaltyKeys) line += `,${csvField(trial.penaltyPerLayer[key])}`;
    for (const key of normKeys) line += `,${csvField(trial.weightNorms[key])}`;
    line += `,${csvField(trial.divergedAtEpoch)},${csvField(trial.seconds)},${csvField(trial.backend)},${csvField(trial.trainingPath)},${csvField(trial.generalPathReason)},${csvField(trial.error)},${csvField(trial.role ?? 'selection')}`;
    yield line + LINE_END;
  }
}

/** One row per configuration: parameters, trial counts, and n/mean/std/t-interval/bootstrap interval of each final metric. */
export function renderConfigurationsCsv(report: SweepReport): string {
  return [...configurationsCsvLines(report)].join('');
}

/** The lines of {@link renderConfigurationsCsv} (each with its line end), one at a time. */
export function* configurationsCsvLines(report: SweepReport): Generator<string> {
  const paramKeys = unionKeys(report.configurations.map((configuration) => configuration.params));
  const selected = new Set(report.arms.map((arm) => arm.selection.configId).filter((id): id is string => id !== null));
  const statColumns = (prefix: string): string[] =>
    SNAPSHOT_METRICS.flatMap((metric) => {
      const stem = `${prefix}${column(metric)}`;
      return [`${stem}_n`, `${stem}_mean`, `${stem}_std`, `${stem}_t_lower`, `${stem}_t_upper`, `${stem}_bootstrap_lower`, `${stem}_bootstrap_upper`];
    });
  const header = [
    'arm', 'config_id', 'index', 'selected', 'coefficient',
    ...paramKeys.map((key) => `param:${key}`),
    'trials', 'usable', 'failed', 'diverged', 'pruned', 'unfinished', 'no_metrics', 'non_finite', 'seeds',
    ...statColumns('final_'),
    ...statColumns('best_'),
  ];
  yield csvRow(header) + LINE_END;
  // Built field by field into one string (no per-row arrays): 20,000 rows of ~180 fields each.
  for (const configuration of report.configurations) {
    const counts = configuration.counts;
    let line = `${csvField(configuration.arm)},${csvField(configuration.configId)},${csvField(configuration.index)},${csvField(selected.has(configuration.configId))},${csvField(configuration.coefficient)}`;
    for (const key of paramKeys) line += `,${csvField(configuration.params[key])}`;
    line += `,${counts.total},${counts.usable},${counts.excluded.failed},${counts.excluded.diverged},${counts.excluded.pruned},${counts.excluded.unfinished},${counts.excluded['no-metrics']},${counts.excluded['non-finite']},${csvField(configuration.seeds.join(' '))}`;
    for (const which of ['final', 'best'] as const) {
      for (const metric of SNAPSHOT_METRICS) {
        const summary = configuration[which][metric];
        line += `,${csvField(summary.n)},${csvField(summary.mean)},${csvField(summary.std)},${csvField(summary.tInterval?.lower ?? null)},${csvField(summary.tInterval?.upper ?? null)},${csvField(summary.bootstrapInterval?.lower ?? null)},${csvField(summary.bootstrapInterval?.upper ?? null)}`;
      }
    }
    yield line + LINE_END;
  }
}
