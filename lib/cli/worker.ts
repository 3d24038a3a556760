/**
 * `layerwise worker --storage postgres://... --sweep NAME`: joins a sweep stored in PostgreSQL and
 * claims and runs its trials until none are left. Start as many as you like, on as many machines as
 * you like, at any time; kill them at any time (a killed worker's trial goes stale and is retried).
 * SIGINT or SIGTERM stops a worker cleanly: its running trial's training is aborted, and once the
 * objective has ended the trial is re-queued and the worker exits (130); a second signal exits at
 * once, as `layerwise sweep` does (the trial then goes stale and is retried).
 *
 * Credentials come from the URL or the PG* environment variables (PGUSER, PGPASSWORD, PGHOST, ...);
 * the password is never printed.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { LayerwiseConfigError } from '../errors/config-error';
import type { SweepDefinition } from '../sweep/definition';
import { isPostgresUrl, openPostgresStore } from '../sweep/postgres/open';
import { redactUrl } from '../sweep/postgres/redact';
import { registeredWorkerObjective } from '../sweep/postgres/registry-objective';
import { RegisteredWorkerObjective, runWorker, WorkerEvent, WorkerObjective } from '../sweep/postgres/run-worker';
import type { PostgresTrialStore } from '../sweep/postgres/store';
import { describeBackendChoice } from '../backend/measure';
import type { BackendChoice } from '../backend/measure';
import type { WorkerObjectiveOptions } from '../sweep/postgres/registry-objective';
import { CommandExit, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes';

/** What the worker command needs from the rest of the program. */
export interface WorkerCommandDependencies {
  /**
   * The objective that runs this sweep's trials, by `definition.objective`, after loading
   * `objectiveModules` (the `--objective-module` paths). Default: `registeredWorkerObjective`,
   * which resolves names exactly as `layerwise sweep` does (user modules, then the built-in
   * objectives) and trains populations where the objective can.
   */
  resolveObjective?(
    definition: SweepDefinition,
    objectiveModules: readonly string[],
    options?: WorkerObjectiveOptions,
  ): WorkerObjective | RegisteredWorkerObjective | Promise<WorkerObjective | RegisteredWorkerObjective>;
  /** Opens the store. Default: `openPostgresStore(url)`. */
  openStore?: (url: string) => Promise<PostgresTrialStore>;
  /** Progress lines. Default: process.stderr.write. */
  writeError?: (text: string) => void;
  /**
   * Signals that stop the worker (its running trial is aborted, then requeued once its objective has
   * ended). Default: SIGINT and SIGTERM of this process, a second one exiting at once.
   */
  onStopSignal?: (stop: () => void) => () => void;
}

interface WorkerOptions {
  storage?: string;
  sweep: string;
  workerId?: string;
  maxTrials?: number;
  wait: boolean;
  heartbeatSeconds?: number;
  population?: number;
  objectiveModule?: string[];
  module?: string[];
  backend?: string;
  quiet?: boolean;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new InvalidArgumentError(`got "${value}"; allowed: a number > 0`);
  return number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`got "${value}"; allowed: a positive integer`);
  return number;
}

function describeEvent(event: WorkerEvent): string {
  switch (event.type) {
    case 'claimed':
      return `claimed ${event.trialId} (attempt ${event.attempt})`;
    case 'finished':
      return `finished ${event.trialId}: ${event.state}`;
    case 'requeued':
      return `requeued ${event.trialId} after attempt ${event.attempt}: ${event.reason}`;
    case 'lost':
      return `gave up ${event.trialId} (attempt ${event.attempt}): ${event.reason}`;
    case 'waiting':
      return `nothing waiting; ${event.running} trial(s) still running elsewhere`;
  }
}

function defaultStopSignals(stop: () => void): () => void {
  let stopping = false;
  const onSignal = (): void => {
    // The first signal stops cleanly, which waits for the running objective to end; a second one is
    // for an objective that does not end soon: exit now (its trial goes stale and is retried).
    if (stopping) process.exit(EXIT_INTERRUPTED);
    stopping = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Runs the worker command; returns the exit code. */
export async function runWorkerCommand(options: WorkerOptions, dependencies: WorkerCommandDependencies): Promise<number> {
  const writeError = dependencies.writeError ?? ((text: string) => process.stderr.write(text));
  const url = options.storage ?? process.env.LAYERWISE_STORAGE;
  if (!url) throw new CommandExit(EXIT_USAGE, '--storage: missing; allowed: a postgres:// or postgresql:// URL (or set LAYERWISE_STORAGE)');
  if (!isPostgresUrl(url)) throw new CommandExit(EXIT_USAGE, `--storage: got "${redactUrl(url)}"; allowed: a postgres:// or postgresql:// URL`);
  let store: PostgresTrialStore;
  try {
    store = await (dependencies.openStore ?? ((location: string) => openPostgresStore(location)))(url);
  } catch (error) {
    throw new CommandExit(EXIT_FAILURE, error instanceof Error ? error.message : String(error));
  }
  const controller = new AbortController();
  const release = (dependencies.onStopSignal ?? defaultStopSignals)(() => controller.abort());
  try {
    const sweep = await store.findSweep(options.sweep);
    if (!sweep) {
      const names = (await store.listSweeps()).map((found) => JSON.stringify(found.name));
      throw new CommandExit(EXIT_USAGE, `--sweep: no sweep named ${JSON.stringify(options.sweep)} in ${store.displayUrl}; sweeps there: ${names.join(', ') || '(none)'}`);
    }
    let objective: WorkerObjective | RegisteredWorkerObjective;
    let backendChoice: BackendChoice | undefined;
    try {
      objective = await (dependencies.resolveObjective ?? registeredWorkerObjective)(sweep.definition, [...(options.module ?? []), ...(options.objectiveModule ?? [])], {
        backend: options.backend,
        onBackendChoice: (choice) => {
          backendChoice = choice;
          if (!options.quiet) writeError(`${describeBackendChoice(choice)}\n`);
        },
      });
    } catch (error) {
      if (error instanceof LayerwiseConfigError) throw new CommandExit(EXIT_USAGE, error.message);
      throw error;
    }
    // Each worker chooses its backend on its own machine: the store keeps every choice, so a report says which ran and why.
    if (backendChoice !== undefined) await store.recordBackendChoice(sweep.name, backendChoice, options.workerId);
    if (!options.quiet) writeError(`worker joined sweep "${sweep.name}" at ${store.displayUrl}\n`);
    const summary = await runWorker(store, sweep.name, objective, {
      workerId: options.workerId,
      maxTrials: options.maxTrials,
      waitForRunning: options.wait,
      heartbeatSeconds: options.heartbeatSeconds,
      population: options.population,
      signal: controller.signal,
      onEvent: options.quiet ? undefined : (event) => writeError(`${describeEvent(event)}\n`),
    });
    if (!options.quiet) {
      writeError(`worker done: ${summary.claimed} claimed, ${summary.finished} finished, ${summary.requeued} requeued, ${summary.lost} lost\n`);
    }
    return summary.stopped ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (error) {
    if (error instanceof CommandExit) throw error;
    // Store errors are already redacted.
    throw new CommandExit(EXIT_FAILURE, error instanceof Error ? error.message : String(error));
  } finally {
    release();
    await store.close();
  }
}

/** Adds `layerwise worker` to the program. */
export function registerWorkerCommand(program: Command, dependencies: WorkerCommandDependencies = {}, setExitCode: (code: number) => void = (code) => (process.exitCode = code)): void {
  program
    .command('worker')
    .description('Join a sweep stored in PostgreSQL and run its trials until none are left; start any number, anywhere, any time.')
    .option('--storage <url>', 'postgres://[user[:password]@]host[:port]/database; missing parts come from PGUSER, PGPASSWORD, PGHOST, PGPORT, PGDATABASE (default: $LAYERWISE_STORAGE)')
    .requiredOption('--sweep <name>', 'name of the sweep to work on (created by `layerwise sweep --storage URL`)')
    .option('--worker-id <id>', 'name in the attempt history (default: hostname:pid)')
    .option('--max-trials <n>', 'stop after claiming this many trials', positiveInteger)
    .option('--no-wait', 'exit as soon as nothing is waiting, even while trials run elsewhere')
    .option('--module <path...>', 'user modules that register datasets, models or objectives the sweep uses (as for `layerwise sweep`)')
    .option('--objective-module <path...>', 'alias of --module')
    .option('--backend <name>', "backend of this worker's trials: auto (time the sweep's model on each available backend here, keep the fastest), tensorflow, cpu or wasm (default: $LAYERWISE_BACKEND, else the definition's execution.backend, else auto)")
    .option(
      '--population <n>',
      "at most this many waiting trials with an equal population key claimed together and trained as one population (default: the sweep's execution.population; auto means 8; 1 trains every trial alone)",
      positiveInteger,
    )
    .option('--heartbeat-seconds <s>', "seconds between heartbeats (default: a third of the sweep's grace period)", positiveNumber)
    .option('--quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing left to run, 1 store error, 2 usage error, 130 stopped by SIGINT/SIGTERM (the running trial is aborted and requeued once its training has ended; a second signal exits at once).\n' +
        'A worker killed outright (SIGKILL, lost machine) stops heartbeating; its trial is retried by the next worker that looks.',
    )
    .action(async (options: WorkerOptions) => {
      setExitCode(await runWorkerCommand(options, dependencies));
    });
}
