/**
 * `layerwise sweep <config> [--out dir] [--workers N] [--shard i/n] [--extend]` runs or resumes a
 * sweep; `layerwise sweep merge <dir...> --into <dir>` merges shard outputs. Progress goes to
 * stderr; Ctrl-C stops cleanly (running trials are abandoned, finished ones are on disk) and a
 * second Ctrl-C exits at once. Exit: 0 done, 1 some trials failed, 2 bad usage/config, 130 interrupted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import type { Shard } from '../sweep/plan';
import type { SweepDefinition } from '../sweep/definition';
import { ProcessPoolExecutor } from '../sweep/executors/process-pool';
import { CommandExit, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes';
import { ProgressView } from './sweep-progress-view';
import type { PostgresTrialStore } from '../sweep/postgres';

// Module loading is a visible part of a small sweep's wall time (~0.5 s, mostly TensorFlow.js), so
// this file loads only the process pool up front: the pool's workers start first and load their
// own modules while this process loads the sweep runner (runner, below). The report writer and the
// PostgreSQL client load only when used (a sweep into a folder with --no-report needs neither).
const runner = (): typeof import('../sweep/runner') => require('../sweep/runner') as typeof import('../sweep/runner');
const sweepFile = (): typeof import('../sweep/sweep-file') => require('../sweep/sweep-file') as typeof import('../sweep/sweep-file');
const plan = (): typeof import('../sweep/plan') => require('../sweep/plan') as typeof import('../sweep/plan');
const storageErrors = (): typeof import('../sweep/storage/storage') => require('../sweep/storage/storage') as typeof import('../sweep/storage/storage');
const postgres = (): typeof import('../sweep/postgres') => require('../sweep/postgres') as typeof import('../sweep/postgres');
const sweepReport = (): typeof import('../report/sweep-report') => require('../report/sweep-report') as typeof import('../report/sweep-report');

export interface SweepCommandOptions {
  /** Receives the exit code of the command. Default: sets process.exitCode. */
  setExitCode?: (code: number) => void;
  /** Progress and messages. Default: process.stderr. */
  writeError?: (text: string) => void;
  /** Results. Default: process.stdout. */
  write?: (text: string) => void;
  /** Whether stderr is a terminal. Default: process.stderr.isTTY. */
  isTTY?: boolean;
}

interface SweepFlags {
  out?: string;
  workers?: string;
  shard?: string;
  extend?: boolean;
  objectiveModule?: string[];
  module?: string[];
  backend?: string;
  quiet?: boolean;
  storage?: string;
  enqueueOnly?: boolean;
  report: boolean;
}

/** Most worker processes per CPU core: each loads TensorFlow.js (hundreds of MB), and more than a few per core only queue for the CPU. */
export const WORKERS_PER_CORE_LIMIT = 4;

/** The most `--workers` this machine accepts: {@link WORKERS_PER_CORE_LIMIT} per CPU core. */
export function workerLimit(cores = os.cpus().length): number {
  return WORKERS_PER_CORE_LIMIT * Math.max(1, cores);
}

function parseWorkers(text: string | undefined, warn: (text: string) => void): number {
  if (text === undefined) return os.cpus().length;
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 0) throw new CommandExit(EXIT_USAGE, `--workers: "${text}" is not allowed; give an integer >= 0 (0 runs trials in this process)`);
  const limit = workerLimit();
  if (workers > limit) {
    warn(`layerwise: --workers ${text} capped at ${limit} (${WORKERS_PER_CORE_LIMIT} per CPU core, ${os.cpus().length} cores here)\n`);
    return limit;
  }
  return workers;
}

/**
 * Whether the sweep will surely choose its backend with `auto` for the built-in `train` objective
 * (which loads the native library when it is installed): a JSON definition with no other objective
 * and no `execution.backend`, no user modules, no `--backend` or LAYERWISE_BACKEND forcing one. A
 * glance only (JSON.parse, no validation): false whenever unsure, and then nothing is lost but the
 * head start.
 */
export function autoWithBuiltInTraining(config: string, modules: readonly string[], option: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const isAuto = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && ['', 'auto'].includes(value.trim().toLowerCase()));
  if (modules.length > 0 || !config.endsWith('.json') || !isAuto(option) || !isAuto(env.LAYERWISE_BACKEND)) return false;
  try {
    const parsed = JSON.parse(fs.readFileSync(config, 'utf8')) as { objective?: unknown; execution?: { backend?: unknown } };
    return (parsed.objective ?? 'train') === 'train' && isAuto(parsed.execution?.backend);
  } catch {
    return false;
  }
}

export function registerSweepCommand(program: Command, options: SweepCommandOptions = {}): void {
  const setExitCode = options.setExitCode ?? ((code: number) => (process.exitCode = code));
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const isTTY = options.isTTY ?? Boolean(process.stderr.isTTY);

  const sweep = program
    .command('sweep')
    .description('Run or resume a sweep: uniform vs per-layer regularization at equal budget, paired seeds, in parallel worker processes.')
    .argument('<config>', 'sweep definition: .json file (JSON Schema: `layerwise schema` prints it; package export layerwise/sweep-definition.schema.json) or .js/.ts module exporting it')
    .option('--out <dir>', 'output folder holding the journal (default: sweeps/<name>)')
    .option('--workers <n>', 'worker processes; 0 runs trials in this process (default: number of CPU cores)')
    .option('--shard <i/n>', 'run only the deterministic slice i of n (1-based), e.g. for Kubernetes Indexed Jobs or Slurm arrays')
    .option('--extend', 'continue a sweep whose definition changed (more budget, more seeds)')
    .option('--module <path...>', 'user modules (.js/.ts) that register datasets (registerDataset), models (registerModel) or objectives (registerObjective) the sweep uses; loaded here and in every worker before any trial (a config error, exit 2, names the module and line)')
    .option('--objective-module <path...>', 'alias of --module')
    .option('--backend <name>', "backend of every trial: auto (time this sweep's model on each available backend, keep the fastest), tensorflow, cpu or wasm (default: $LAYERWISE_BACKEND, else the definition's execution.backend, else auto)")
    .option('--quiet', 'no progress output')
    .option(
      '--storage <url>',
      "keep trials in PostgreSQL (postgres://user@host/db; missing parts from PG* variables) instead of the folder's journal; " +
        '`layerwise worker --storage URL --sweep NAME` on other machines joins the same sweep, and this command waits for their trials',
    )
    .option('--enqueue-only', 'with --storage: create the sweep and enqueue its trials, then exit; `layerwise worker` runs them (grid and random samplers)')
    .option('--no-report', 'do not write the report when the sweep ends')
    .addHelpText(
      'after',
      '\nRe-running the same command resumes: finished trials are kept and not rerun.\n' +
        'Ctrl-C stops cleanly (a second Ctrl-C exits at once); rerun to resume.\n' +
        'Shards write journal.shard-i-of-n.jsonl into the same --out folder; `layerwise status` and\n' +
        '`layerwise report` read them together, `layerwise sweep merge` combines them into one journal.\n' +
        'Exit codes: 0 done, 1 some trials failed, 2 usage or config error, 130 interrupted.',
    )
    .action(async (config: string, flags: SweepFlags) => {
      const workers = parseWorkers(flags.workers, writeError);
      if (flags.enqueueOnly && flags.storage === undefined) throw new CommandExit(EXIT_USAGE, '--enqueue-only: needs --storage postgres://...; the folder journal has no workers that could run the trials');
      const modules = [...(flags.module ?? []), ...(flags.objectiveModule ?? []), ...(/\.(c?js|ts)$/.test(config) ? [config] : [])];
      // The pool's workers start before anything else (reading and checking the definition loads
      // the model libraries here, ~0.5 s), so that their own start-up overlaps it. runSweep owns the
      // pool from then on: it tells the workers to load the native library when `auto` will measure
      // (or reuse a measurement); when a glance at the file already says so, they are told now.
      const pool =
        workers > 0 && !flags.enqueueOnly
          ? new ProcessPoolExecutor({ workers, objectiveModules: modules, backendPending: true, preloadNative: autoWithBuiltInTraining(config, modules, flags.backend) })
          : undefined;
      pool?.prestart();
      let definition: SweepDefinition;
      let shard: Shard | undefined;
      try {
        definition = sweepFile().readSweepFile(config);
        shard = flags.shard !== undefined ? plan().parseShard(flags.shard) : undefined;
      } catch (error) {
        await pool?.close();
        throw error;
      }
      const directory = flags.out ?? path.join('sweeps', definition.name);
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const view = flags.quiet || flags.enqueueOnly ? undefined : new ProgressView({ write: writeError, isTTY });
      let storage: PostgresTrialStore | undefined;
      if (flags.storage !== undefined) {
        const { isPostgresUrl, openPostgresStore, redactUrl } = postgres();
        if (!isPostgresUrl(flags.storage)) {
          await pool?.close();
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
          throw new CommandExit(EXIT_USAGE, `--storage: got "${redactUrl(flags.storage)}"; allowed: a postgres:// or postgresql:// URL`);
        }
        try {
          storage = await openPostgresStore(flags.storage);
        } catch (error) {
          // The store's errors carry the URL with its password masked; print no stack.
          await pool?.close();
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
          throw new CommandExit(EXIT_FAILURE, `sweep: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const where = storage === undefined ? directory : `${storage.displayUrl} (sweep ${definition.name})`;
      try {
        const summary = await runner().runSweep({
          definition,
          directory: storage === undefined ? directory : undefined,
          storage,
          workers,
          shard,
          extend: flags.extend,
          // A definition module may register datasets or objectives too: workers load it like --module.
          objectiveModules: modules,
          pool,
          backend: flags.backend,
          enqueueOnly: flags.enqueueOnly,
          signal: controller.signal,
          onEvent: (event) => view?.handle(event),
        });
        if (flags.enqueueOnly) {
          const left = summary.total - summary.trials.length;
          write(
            `${summary.sweepName}: ${left} of ${summary.total} trials left to run in ${where}; ` +
              `run them with: layerwise worker --storage <the same URL> --sweep ${summary.sweepName}\n`,
          );
          setExitCode(EXIT_OK);
          return;
        }
        write(
          `${summary.sweepName}: ${summary.complete} complete, ${summary.pruned} pruned, ${summary.diverged} diverged, ${summary.failed} failed of ${summary.total}${summary.evaluation !== undefined ? ' selection trials' : ''}` +
            ` (${summary.finishedThisRun} run ${storage === undefined ? 'now' : 'here'}, ${summary.seconds.toFixed(1)} s); results in ${where}\n`,
        );
        if (summary.evaluation !== undefined) {
          write(`${summary.sweepName}: evaluation on fresh seeds: ${summary.evaluation.status === 'no selected configuration' || summary.evaluation.status === 'no test metric' ? `not run: ${summary.evaluation.message}` : summary.evaluation.message} (${summary.evaluationTrials?.length ?? 0} evaluation trials)\n`);
        }
        if (flags.report && !summary.interrupted && summary.trials.length > 0) {
          // The report is a view of every finished trial, this run's and earlier ones', read as summaries;
          // per-epoch records only of the configurations it draws (lib/report/sweep-report.ts).
          const reportDirectory = path.join(directory, 'report');
          const written = await sweepReport().writeSweepSummaryReport(reportDirectory, summary, { evaluation: definition.evaluation });
          write(`report: ${path.join(reportDirectory, 'report.html')} (${Object.keys(written.files).length} formats)\n`);
        }
        setExitCode(summary.interrupted ? EXIT_INTERRUPTED : summary.failed > 0 ? EXIT_FAILURE : EXIT_OK);
      } catch (error) {
        if (error instanceof storageErrors().SweepDefinitionChangedError) throw new CommandExit(EXIT_USAGE, error.message, error);
        if (storage !== undefined && error instanceof postgres().PostgresStoreError) throw new CommandExit(EXIT_FAILURE, `sweep: ${error.message}`);
        throw error;
      } finally {
        await storage?.close();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });

  sweep
    .command('merge')
    .description('Merge sweep folders (e.g. shard outputs) into one journal.jsonl; trials are deduplicated by identity.')
    .argument('<dirs...>', 'sweep output folders to merge')
    .requiredOption('--into <dir>', 'folder receiving the merged journal.jsonl (may be one of the inputs)')
    .option('--extend', 'accept folders whose sweep definitions differ (the last one is kept)')
    .action(async (directories: string[], flags: { into: string; extend?: boolean }) => {
      try {
        const { mergeSweepDirectories } = require('../sweep/storage/sweep-directory') as typeof import('../sweep/storage/sweep-directory');
        const merged = await mergeSweepDirectories({ sources: directories, target: flags.into, extend: flags.extend });
        write(`merged ${merged.trials} trials (${merged.finished} finished) into ${merged.journal}\n`);
        setExitCode(EXIT_OK);
      } catch (error) {
        throw new CommandExit(EXIT_USAGE, `sweep merge: ${(error as Error).message}`, error);
      }
    });
}
