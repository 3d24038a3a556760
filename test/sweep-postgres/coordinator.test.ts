/**
 * `layerwise sweep --storage URL` as the coordinator while another worker (`runWorker`, the loop of
 * `layerwise worker`) takes trials of the same sweep, against a real PostgreSQL server. The
 * coordinator waits for the trials it could not claim, passes their results to its events, and its
 * summary, `status --storage` and `report --storage` count every worker's trials. Also: store
 * errors of `sweep`, `status` and `report` are clean, redacted messages.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { main } from '../../lib/cli/main';
import { loadStoredTrials, loadStoredTrialSummaries, loadTrialsFrom } from '../../lib/cli/dependencies';
import { registerReportCommand } from '../../lib/cli/report';
import { registerStatusCommand, SweepStatus } from '../../lib/cli/status';
import { registerSweepCommand } from '../../lib/cli/sweep';
import { CommandExit, EXIT_FAILURE, EXIT_USAGE } from '../../lib/cli/exit-codes';
import type { SweepEvent, SweepSummary } from '../../lib/sweep/events';
import { openPostgresStore, PostgresTrialStore, runWorker, WorkerSummary } from '../../lib/sweep/postgres';
import { workerObjectiveFor } from '../../lib/sweep/postgres/registry-objective';
import { SweepProgress } from '../../lib/sweep/progress';
import { runSweep } from '../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepConfig, sweepDefinition } from '../sweep/fixtures/definitions';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'sweeps coordinated through PostgreSQL', () => {
  let server: PostgresServer;
  let store: PostgresTrialStore;
  let directory: string;

  beforeAll(async () => {
    server = await startPostgresServer();
    store = await openPostgresStore(server.url);
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-coordinator-'));
  }, 60000);

  afterAll(async () => {
    await store?.close();
    await server?.destroy();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  /** Runs one command of a fresh program; returns its exit code, stdout and stderr (a CommandExit's message included). */
  async function command(register: (program: Command, write: (text: string) => void, setExitCode: (code: number) => void) => void, args: string[]) {
    const program = new Command().exitOverride();
    let stdout = '';
    let code = 0;
    register(program, (text) => (stdout += text), (exitCode) => (code = exitCode));
    try {
      await program.parseAsync(args, { from: 'user' });
      return { code, stdout, stderr: '' };
    } catch (error) {
      if (!(error instanceof CommandExit)) throw error;
      return { code: error.exitCode, stdout, stderr: error.message };
    }
  }

  describe('a sweep with --storage and an external worker', () => {
    // 2 arms × budget 3 × 2 seeds = 12 trials of 2 × 15 ms; the external worker takes 150 ms more per
    // trial, so it still holds a trial when the coordinator runs out of trials to claim.
    const definition = sweepDefinition({ name: 'shared', training: { epochs: 2, epochMilliseconds: 15 }, budget: 3 });
    let summary: SweepSummary;
    let workerSummary: WorkerSummary;
    const events: SweepEvent[] = [];
    const workerFinished: string[] = [];

    beforeAll(async () => {
      const sweeping = runSweep({ definition, storage: store, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES], pollSeconds: 0.05, onEvent: (event) => events.push(event) });
      // Joins once the coordinator has enqueued the sweep, as `layerwise worker` started at that moment.
      const deadline = Date.now() + 20000;
      while (!(await store.findSweep('shared')) || (await store.countTrials('shared')).waiting === 0) {
        if (Date.now() > deadline) throw new Error('the coordinator enqueued nothing');
        await sleep(5);
      }
      const workerStore = await openPostgresStore(server.url);
      try {
        const objective = await workerObjectiveFor((await workerStore.findSweep('shared'))!.definition, [FIXTURE_OBJECTIVES]);
        workerSummary = await runWorker(
          workerStore,
          'shared',
          async (trial, context) => {
            await sleep(150);
            return objective(trial, context);
          },
          { workerId: 'external', pollSeconds: 0.05, onEvent: (event) => event.type === 'finished' && workerFinished.push(event.trialId) },
        );
      } finally {
        await workerStore.close();
      }
      summary = await sweeping;
    }, 60000);

    test('the summary counts every trial, the external worker\'s included, each once', async () => {
      expect(workerSummary.finished).toBeGreaterThanOrEqual(1);
      expect(workerFinished).toHaveLength(workerSummary.finished);
      expect(summary).toMatchObject({ total: 12, complete: 12, failed: 0, interrupted: false });
      expect(summary.finishedThisRun + workerSummary.finished).toBe(12);
      const ids = summary.records.map((record) => record.trialId);
      expect(new Set(ids).size).toBe(12);
      for (const trialId of workerFinished) expect(ids).toContain(trialId);
      expect((await store.countTrials('shared')).complete).toBe(12);
    });

    test('progress events carry the external worker\'s results, so the progress view reaches 12/12', () => {
      const finishes = events.filter((event): event is Extract<SweepEvent, { type: 'trial-finish' }> => event.type === 'trial-finish');
      expect(finishes).toHaveLength(12);
      expect(new Set(finishes.map((event) => event.record.trialId)).size).toBe(12);
      expect(finishes.filter((event) => event.elsewhere).map((event) => event.record.trialId).sort()).toEqual([...workerFinished].sort());
      // The 'end' event comes after every finish: the coordinator waited for the worker's last trial.
      expect(events[events.length - 1].type).toBe('end');
      const progress = new SweepProgress();
      let snapshot = progress.snapshot();
      for (const event of events) snapshot = progress.update(event);
      expect(snapshot).toMatchObject({ total: 12, done: 12, complete: 12, running: 0, finished: true });
    });

    test('`status --storage --sweep` prints the counts of the store; --json has the same numbers', async () => {
      const register = (program: Command, write: (text: string) => void, setExitCode: (code: number) => void) => registerStatusCommand(program, { write, setExitCode });
      const text = await command(register, ['status', '--storage', server.url, '--sweep', 'shared']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('sweep shared in postgres://');
      expect(text.stdout).toContain('finished 12/12 trials');
      expect(text.stdout).toContain('uniform: 6 complete (planned 6)');
      expect(text.stdout).toContain('per-layer: 6 complete (planned 6)');
      expect(text.stdout).not.toContain(server.password);
      const json = await command(register, ['status', '--storage', server.url, '--sweep', 'shared', '--json']);
      const status = JSON.parse(json.stdout) as SweepStatus;
      expect(status).toMatchObject({ sweepName: 'shared', source: 'postgres', total: 12, planned: 12 });
      expect(status.arms.map((arm) => arm.counts.complete)).toEqual([6, 6]);
    });

    test('`report --storage --sweep` reports every trial, the external worker\'s included', async () => {
      const register = (program: Command, write: (text: string) => void) => registerReportCommand(program, { loadTrials: loadTrialsFrom, loadStoredTrials, write, writeError: () => undefined });
      const result = await command(register, ['report', '--storage', server.url, '--sweep', 'shared', '--format', 'json', '--bootstrap', '200']);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { trials: Array<{ trialId: string }> };
      expect(report.trials).toHaveLength(12);
      for (const trialId of workerFinished) expect(report.trials.map((trial) => trial.trialId)).toContain(trialId);
      // The older `postgres://…#sweep` location reads the same trials.
      expect((await loadTrialsFrom(`${server.url}#shared`)).map((record) => record.trialId).sort()).toEqual(report.trials.map((trial) => trial.trialId).sort());
    });
  });

  describe('the sweep, status and report commands with --storage', () => {
    test('`sweep --storage` runs the sweep in the store, says where the results are, and writes the report', async () => {
      const config = path.join(directory, 'small.json');
      fs.writeFileSync(config, JSON.stringify(sweepConfig({ name: 'small', budget: 1, seeds: [5], training: { epochs: 2 } })));
      const out = path.join(directory, 'small-out');
      const register = (program: Command, write: (text: string) => void, setExitCode: (code: number) => void) => registerSweepCommand(program, { write, setExitCode, writeError: () => undefined });
      const result = await command(register, ['sweep', config, '--storage', server.url, '--workers', '0', '--objective-module', FIXTURE_OBJECTIVES, '--out', out, '--quiet']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^small: 2 complete, 0 pruned, 0 diverged, 0 failed of 2 \(2 run here, .* s\); results in postgres:\/\/\S+:\*\*\*@\S+ \(sweep small\)\n/);
      expect(result.stdout).not.toContain(server.password);
      expect(fs.existsSync(path.join(out, 'report', 'report.html'))).toBe(true);
      expect((await store.countTrials('small')).complete).toBe(2);
    }, 30000);

    test('a wrong password: `layerwise sweep --storage` ends with a redacted one-line message and exit code 1, no stack', async () => {
      const config = path.join(directory, 'denied.json');
      fs.writeFileSync(config, JSON.stringify(sweepConfig({ name: 'denied' })));
      const url = `postgres://${server.user}:wrong-pass-42@127.0.0.1:${server.port}/${server.database}`;
      let stderr = '';
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      });
      let code: number;
      try {
        code = await main(['sweep', config, '--storage', url, '--workers', '0', '--quiet']);
      } finally {
        spy.mockRestore();
      }
      expect(code).toBe(EXIT_FAILURE);
      expect(stderr).toMatch(/^layerwise: sweep: cannot open the PostgreSQL store at postgres:\/\/layerwise:\*\*\*@127\.0\.0\.1:\d+\/\S+: password authentication failed/);
      expect(stderr).not.toContain('wrong-pass-42');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });

    test('status and report: store errors are redacted failures; missing or conflicting options are usage errors', async () => {
      const bad = `postgres://${server.user}:wrong-pass-42@127.0.0.1:${server.port}/${server.database}`;
      const status = (program: Command, write: (text: string) => void, setExitCode: (code: number) => void) => registerStatusCommand(program, { write, setExitCode });
      const report = (program: Command, write: (text: string) => void) => registerReportCommand(program, { loadTrials: loadTrialsFrom, loadStoredTrials, write });
      for (const register of [status, report]) {
        const name = register === status ? 'status' : 'report';
        const denied = await command(register, [name, '--storage', bad, '--sweep', 'shared']);
        expect(denied.code).toBe(EXIT_FAILURE);
        expect(denied.stderr).toMatch(/password authentication failed/);
        expect(denied.stderr).not.toContain('wrong-pass-42');
        const unknown = await command(register, [name, '--storage', server.url, '--sweep', 'nope']);
        expect(unknown.code).toBe(EXIT_FAILURE);
        expect(unknown.stderr).toMatch(/no sweep named "nope".*sweeps there: .*"shared"/);
        expect((await command(register, [name])).code).toBe(EXIT_USAGE);
        expect((await command(register, [name, '--storage', server.url])).stderr).toMatch(/--sweep: missing/);
        expect((await command(register, [name, 'some-folder', '--storage', server.url, '--sweep', 'shared'])).stderr).toMatch(/both a folder/);
        expect((await command(register, [name, '--storage', 'runs/x', '--sweep', 'shared'])).stderr).toMatch(/--storage: got ".*"; allowed: a postgres/);
      }
    });
  });

  describe('an evaluation on fresh seeds through the store', () => {
    test('the coordinator runs the evaluation after selection; the store keeps the role; a rerun runs nothing more', async () => {
      const definition = sweepDefinition({ name: 'evaluated', training: { epochs: 1 }, budget: 2, evaluation: { seeds: { min: 3, max: 8 } } });
      const args = { definition, storage: store, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES], pollSeconds: 0.05 };
      const summary = await runSweep(args);
      expect(summary.evaluation?.status).toBe('decisive');
      const stored = await store.listTrials('evaluated');
      const evaluation = stored.filter((record) => record.role === 'evaluation');
      expect(evaluation).toHaveLength(2 * summary.evaluation!.seeds);
      expect(new Set(evaluation.map((record) => record.seed))).toEqual(new Set(summary.evaluation!.freshSeeds));
      expect(stored.filter((record) => record.role === undefined)).toHaveLength(8);
      const again = await runSweep(args);
      expect(again.finishedThisRun).toBe(0);
      expect(again.evaluation).toEqual(summary.evaluation);
      // `report --storage` replays the stored definition's rule (not the defaults) and answers from the fresh seeds.
      const loaded = await loadStoredTrialSummaries(server.url, 'evaluated');
      expect(loaded.evaluation).toEqual(definition.evaluation);
    });
  });

  describe('sweep --storage --enqueue-only', () => {
    const register = (program: Command, write: (text: string) => void, setExitCode: (code: number) => void) => registerSweepCommand(program, { write, setExitCode, writeError: () => undefined });

    test('enqueues every trial and exits; again, it adds nothing; workers then run them all', async () => {
      const config = path.join(directory, 'queued.json');
      fs.writeFileSync(config, JSON.stringify(sweepConfig({ name: 'queued', budget: 2, seeds: [1, 2], training: { epochs: 1 } })));
      const args = ['sweep', config, '--storage', server.url, '--enqueue-only', '--quiet'];
      const first = await command(register, args);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^queued: 8 of 8 trials left to run in postgres:\/\/\S+ \(sweep queued\); run them with: layerwise worker --storage <the same URL> --sweep queued\n$/);
      expect(await store.countTrials('queued')).toMatchObject({ waiting: 8, running: 0, complete: 0 });
      expect((await command(register, args)).code).toBe(0);
      expect((await store.listTrials('queued')).length).toBe(8);
      const objective = await workerObjectiveFor((await store.findSweep('queued'))!.definition, [FIXTURE_OBJECTIVES]);
      expect(await runWorker(store, 'queued', objective, { workerId: 'after-enqueue' })).toMatchObject({ claimed: 8, finished: 8 });
      expect((await command(register, args)).stdout).toMatch(/^queued: 0 of 8 trials left/);
    });

    test('needs --storage, and a sampler that does not depend on results', async () => {
      const config = path.join(directory, 'tpe.json');
      fs.writeFileSync(config, JSON.stringify(sweepConfig({ name: 'tpe', sampler: { type: 'tpe', seed: 1 } })));
      const noStorage = await command(register, ['sweep', config, '--enqueue-only']);
      expect(noStorage).toMatchObject({ code: EXIT_USAGE });
      expect(noStorage.stderr).toMatch(/--enqueue-only: needs --storage/);
      await expect(command(register, ['sweep', config, '--storage', server.url, '--enqueue-only', '--quiet'])).rejects.toThrow(
        /sampler\.type: "tpe" chooses each configuration from finished results.*allowed with --enqueue-only: "grid", "random"/,
      );
    });
  });
});
