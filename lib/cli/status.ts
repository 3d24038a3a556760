/**
 * `layerwise status <dir> [--json]` or `layerwise status --storage URL --sweep NAME [--json]`: what
 * a sweep holds (a folder's shard journals merged, or the PostgreSQL store its workers share):
 * trials by state and arm against the planned total, and each arm's best configuration by mean
 * validation loss over its complete seeds (validation only: test metrics never select).
 */
import { describeBackendChoice } from '../backend/describe-choice';
import type { BackendChoice } from '../backend/measure';
import { describeExecutionGroup, ExecutionGroup, summarizeExecution } from '../report/execution-summary';
import type { Command } from 'commander';
import { readSweepHeads, SweepDirectory } from '../sweep/storage/sweep-directory';
import type { SweepInfo } from '../sweep/storage/storage';
import type { TrialRecord, TrialState } from '../sweep/record';
import { armConfigurations } from '../sweep/plan';
import type { StoredSweep, StoredSweepSummaries } from '../sweep/postgres/open';
import { storageUrlOf } from '../sweep/postgres/storage-url';
import { CommandExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';
import { isFinished } from '../sweep/storage/journal-format';
import { divergenceReason, trialAtClipCeiling } from '../train/divergence';

export interface StatusCommandOptions {
  setExitCode?: (code: number) => void;
  write?: (text: string) => void;
  /** Reads a sweep from a shared store. Default: `readStoredSweepSummaries` (PostgreSQL, no epochs fetched). */
  readStoredSweep?: (url: string, sweepName: string) => Promise<StoredSweep | StoredSweepSummaries>;
}

interface StatusFlags {
  json?: boolean;
  storage?: string;
  sweep?: string;
}

const STATES: readonly TrialState[] = ['complete', 'pruned', 'diverged', 'failed', 'running', 'waiting'];

export interface ArmStatus {
  arm: string;
  /** Planned trials: budget × seeds (when the definition is known). */
  planned?: number;
  counts: Record<TrialState, number>;
  /** Finished trials whose final loss sits at the cross-entropy clip ceiling (saturated outputs): counted among their state, flagged here. */
  atClipCeiling: number;
  /** Why trials diverged (the first 3, with their trial ids), when any did. */
  divergenceReasons?: Array<{ trialId: string; reason: string }>;
  /** Best configuration by mean final validation loss over its complete seeds. */
  best?: { configId: string; params: TrialRecord['params']; validationLoss: number; seeds: number };
}

export interface SweepStatus {
  /** The folder, or the store's URL with its password masked. */
  directory: string;
  /** Where the trials live: a folder's journals or a shared PostgreSQL store. Default 'folder'. */
  source?: 'folder' | 'postgres';
  sweepName?: string;
  journals: string[];
  skippedLines: number;
  total: number;
  planned?: number;
  arms: ArmStatus[];
  /** Which backend and training path ran the finished trials, grouped. */
  execution: ExecutionGroup[];
  /** The latest run's backend decision and why (with its timings when measured), when recorded. */
  backendChoice?: BackendChoice;
  /** Evaluation trials (role 'evaluation': selected configurations re-run on fresh seeds) by state; not in `arms` nor `planned`. */
  evaluation?: Record<TrialState, number>;
}

function zeroCounts(): Record<TrialState, number> {
  return { complete: 0, pruned: 0, diverged: 0, failed: 0, running: 0, waiting: 0 };
}

/** The status of a sweep read from a shared store (same counts and best configurations as a folder's). */
export function storedSweepStatus(stored: StoredSweep | StoredSweepSummaries): SweepStatus {
  const status = sweepStatus({ directory: stored.displayUrl, journals: [], sweeps: [stored.sweep], trials: stored.trials, skippedLines: 0 });
  return { ...status, source: 'postgres' };
}

/**
 * A trial as status reads it: a full record, a summary, or a head from the journal index (epochs
 * and metric snapshots not needed: a head carries the final validation loss and the clip flag).
 */
type StatusTrial = Omit<TrialRecord, 'epochs' | 'final'> & { epochs?: TrialRecord['epochs']; final?: TrialRecord['final']; finalValidationLoss?: number; atClipCeiling?: boolean };

/** Final validation loss of a record, summary or head. */
function finalValidationLossOf(trial: StatusTrial): number | undefined {
  return trial.finalValidationLoss ?? trial.final?.validation?.loss;
}

/** Clip-ceiling flag of a finished record, summary or head. */
function atClipCeilingOf(trial: StatusTrial): boolean {
  return trial.atClipCeiling ?? trial.lossAtClipCeiling ?? trialAtClipCeiling(trial);
}

/** Computes the status of a read sweep folder (full records or the index's summaries). */
export function sweepStatus(folder: Omit<SweepDirectory, 'trials'> & { trials: readonly StatusTrial[] }): SweepStatus {
  const sweep: SweepInfo | undefined = [...folder.sweeps].reverse().find((info) => info !== undefined);
  const definition = sweep?.definition;
  const armNames = [...new Set([...(definition?.arms.map((arm) => arm.name) ?? []), ...folder.trials.map((trial) => trial.arm)])];
  // Evaluation re-runs (fresh seeds after selection) are counted apart: they are not in the plan and never select.
  const evaluation = folder.trials.filter((trial) => trial.role === 'evaluation');
  const arms = armNames.map((arm): ArmStatus => {
    const trials = folder.trials.filter((trial) => trial.arm === arm && trial.role !== 'evaluation');
    const counts = zeroCounts();
    for (const trial of trials) counts[trial.state]++;
    const byConfig = new Map<string, { params: TrialRecord['params']; losses: number[] }>();
    for (const trial of trials) {
      const loss = finalValidationLossOf(trial);
      if (trial.state !== 'complete' || loss === undefined || !Number.isFinite(loss)) continue;
      const entry = byConfig.get(trial.configId) ?? { params: trial.params, losses: [] };
      entry.losses.push(loss);
      byConfig.set(trial.configId, entry);
    }
    let best: ArmStatus['best'];
    for (const [configId, entry] of byConfig) {
      const mean = entry.losses.reduce((a, b) => a + b, 0) / entry.losses.length;
      if (best === undefined || mean < best.validationLoss) best = { configId, params: entry.params, validationLoss: mean, seeds: entry.losses.length };
    }
    const status: ArmStatus = { arm, counts, atClipCeiling: trials.filter((trial) => isFinished(trial) && atClipCeilingOf(trial)).length };
    const diverged = trials.filter((trial) => trial.state === 'diverged').slice(0, 3);
    if (diverged.length > 0) status.divergenceReasons = diverged.map((trial) => ({ trialId: trial.trialId, reason: trial.error ?? divergenceReason(trial.epochs ?? [], trial.divergedAtEpoch) }));
    const armDefinition = definition?.arms.find((candidate) => candidate.name === arm);
    if (definition !== undefined && armDefinition !== undefined) status.planned = armConfigurations(definition, armDefinition) * definition.seeds.length;
    if (best !== undefined) status.best = best;
    return status;
  });
  const ran = folder.trials.filter((trial) => ['complete', 'pruned', 'diverged'].includes(trial.state));
  const result: SweepStatus = { directory: folder.directory, journals: folder.journals, skippedLines: folder.skippedLines, total: folder.trials.length, arms, execution: summarizeExecution(ran) };
  if (sweep !== undefined) result.sweepName = sweep.name;
  if (evaluation.length > 0) {
    result.evaluation = zeroCounts();
    for (const trial of evaluation) result.evaluation[trial.state]++;
  }
  const choices = folder.backendChoices ?? [];
  if (choices.length > 0) result.backendChoice = choices[choices.length - 1];
  // An arm that searches nothing runs one configuration (see planSlots).
  if (definition !== undefined) result.planned = definition.arms.reduce((sum, arm) => sum + armConfigurations(definition, arm), 0) * definition.seeds.length;
  return result;
}

function formatParams(params: TrialRecord['params']): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${name}=${typeof params[name] === 'number' ? Number((params[name] as number).toPrecision(4)) : params[name]}`)
    .join(' ');
}

/** Human-readable status. */
export function formatStatus(status: SweepStatus): string {
  const stored = status.source === 'postgres';
  const lines = [`sweep ${status.sweepName ?? '(unknown)'} in ${status.directory}`];
  if (!stored) lines.push(`journals: ${status.journals.map((file) => file.split(/[\\/]/).pop()).join(', ')}${status.skippedLines > 0 ? ` (${status.skippedLines} unreadable line(s) skipped)` : ''}`);
  const finished = status.arms.reduce((sum, arm) => sum + arm.counts.complete + arm.counts.pruned + arm.counts.diverged + arm.counts.failed, 0);
  lines.push(`finished ${finished}/${status.planned ?? status.total} trials`);
  for (const arm of status.arms) {
    const counts = STATES.filter((state) => arm.counts[state] > 0).map((state) => `${arm.counts[state]} ${state === 'running' && !stored ? 'running or interrupted' : state}`);
    lines.push(`  ${arm.arm}: ${counts.join(', ') || 'no trials'}${arm.planned !== undefined ? ` (planned ${arm.planned})` : ''}`);
    if (arm.atClipCeiling > 0) {
      lines.push(`    ${arm.atClipCeiling} finished trial(s) with loss at the cross-entropy clip ceiling ((1 - accuracy) x 16.12: saturated outputs, learning rate far too high?); flagged, not results to trust`);
    }
    for (const { trialId, reason } of arm.divergenceReasons ?? []) lines.push(`    diverged ${trialId.slice(0, 12)}: ${reason}`);
    if (arm.best !== undefined) lines.push(`    best mean validation loss ${arm.best.validationLoss.toPrecision(4)} over ${arm.best.seeds} seed(s): ${formatParams(arm.best.params)}`);
  }
  if (status.evaluation !== undefined) {
    const evaluation = status.evaluation;
    lines.push(`evaluation on fresh seeds: ${STATES.filter((state) => evaluation[state] > 0).map((state) => `${evaluation[state]} ${state}`).join(', ')} (the report says what they decided)`);
  }
  if (status.execution.length > 0) lines.push(`ran on: ${status.execution.map(describeExecutionGroup).join('; ')}`);
  if (status.backendChoice !== undefined) lines.push(`latest run's ${describeBackendChoice(status.backendChoice)}`);
  return `${lines.join('\n')}\n`;
}

export function registerStatusCommand(program: Command, options: StatusCommandOptions = {}): void {
  const setExitCode = options.setExitCode ?? ((code: number) => (process.exitCode = code));
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  // The pg driver and pg-boss load only when a stored sweep is asked for (a folder's status never needs them).
  const readStored = options.readStoredSweep ?? (async (url: string, sweepName: string) => (await import('../sweep/postgres/open')).readStoredSweepSummaries(url, sweepName));
  program
    .command('status')
    .description("Show a sweep: trials by state and arm (a folder's shard journals merged, or a PostgreSQL store) and each arm's best configuration by validation loss.")
    .argument('[dir]', 'sweep output folder (or use --storage and --sweep)')
    .option('--storage <url>', 'read the sweep from PostgreSQL (postgres://user@host/db; missing parts from PG* variables; default with --sweep: $LAYERWISE_STORAGE)')
    .option('--sweep <name>', 'name of the sweep in --storage')
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExamples:\n  layerwise status sweeps/moons-quick\n  layerwise status --storage postgres://user@db.internal/sweeps --sweep moons-quick\n')
    .action(async (directory: string | undefined, flags: StatusFlags) => {
      let url: string | undefined;
      try {
        // $LAYERWISE_STORAGE applies only when --sweep asks for a stored sweep.
        url = flags.storage !== undefined || flags.sweep !== undefined ? storageUrlOf(flags.storage) : undefined;
      } catch (error) {
        throw new CommandExit(EXIT_USAGE, `status: ${(error as Error).message}`);
      }
      let status: SweepStatus;
      if (url === undefined && flags.sweep === undefined) {
        if (directory === undefined) throw new CommandExit(EXIT_USAGE, 'status: give a sweep folder, or --storage URL --sweep NAME for a sweep in PostgreSQL');
        let folder: ReturnType<typeof readSweepHeads>;
        try {
          // Through the journals' indexes, heads only: states and final validation losses, never epochs or metric snapshots.
          folder = readSweepHeads(directory);
        } catch (error) {
          throw new CommandExit(EXIT_USAGE, `status: ${(error as Error).message}`);
        }
        status = sweepStatus(folder);
      } else {
        if (directory !== undefined) throw new CommandExit(EXIT_USAGE, `status: got both a folder ("${directory}") and --storage/--sweep; give one of them`);
        if (url === undefined) throw new CommandExit(EXIT_USAGE, 'status: --storage: missing; allowed: a postgres:// or postgresql:// URL (or set LAYERWISE_STORAGE)');
        if (flags.sweep === undefined) throw new CommandExit(EXIT_USAGE, 'status: --sweep: missing; give the name of the sweep in the store');
        try {
          status = storedSweepStatus(await readStored(url, flags.sweep));
        } catch (error) {
          // Store errors are already redacted: print the message, never a stack.
          throw new CommandExit(EXIT_FAILURE, `status: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      setExitCode(EXIT_OK);
    });
}
