/**
 * `layerwise worker` against a real PostgreSQL server: runs a sweep to the end, errors without
 * secrets; through the real program, finds built-in objectives and loads --objective-module.
 */
import { Command } from 'commander';
import { registerWorkerCommand } from '../../lib/cli/worker';
import { CommandExit, EXIT_USAGE, EXIT_FAILURE } from '../../lib/cli/exit-codes';
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { definitionOf, expectedLoss, openArgs, quadraticObjective, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';
import { runSweep } from '../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../sweep/fixtures/definitions';

describeWhenAvailable(['postgresql'], 'layerwise worker on PostgreSQL', () => {
  const OBJECTIVE_MODULE = path.join(__dirname, 'objective-module.ts');

  let server: PostgresServer;
  let store: PostgresTrialStore;

  beforeAll(async () => {
    server = await startPostgresServer();
    store = await openPostgresStore(server.url);
    await store.openSweep(openArgs('cli'));
    await store.enqueueTrials('cli', trialsOf('cli', 4));
  }, 60000);

  afterAll(async () => {
    await store?.close();
    await server?.destroy();
  });

  async function runCommand(args: string[]): Promise<{ code: number; stderr: string; objectives: string[] }> {
    const program = new Command().exitOverride();
    let code = -1;
    let stderr = '';
    const objectives: string[] = [];
    registerWorkerCommand(
      program,
      {
        resolveObjective: (definition) => {
          objectives.push(definition.objective);
          return quadraticObjective(2, 5);
        },
        writeError: (text) => (stderr += text),
        onStopSignal: () => () => undefined,
      },
      (exitCode) => (code = exitCode),
    );
    try {
      await program.parseAsync(['worker', ...args], { from: 'user' });
    } catch (error) {
      if (!(error instanceof CommandExit)) throw error;
      code = error.exitCode;
      stderr += error.message;
    }
    return { code, stderr, objectives };
  }

  test('runs every trial of the sweep and exits 0, naming the objective from the stored definition', async () => {
    const result = await runCommand(['--storage', server.url, '--sweep', 'cli', '--worker-id', 'cli-test']);
    expect(result.code).toBe(0);
    expect(result.objectives).toEqual(['test-quadratic']);
    expect(result.stderr).toContain('worker done: 4 claimed, 4 finished, 0 requeued, 0 lost');
    expect(result.stderr).toContain(`postgres://${server.user}:***@`);
    expect(result.stderr).not.toContain(server.password);
    expect((await store.countTrials('cli')).complete).toBe(4);
  });

  test('a wrong password is a store error whose message has no password', async () => {
    const url = `postgres://${server.user}:wrong-pass-42@127.0.0.1:${server.port}/${server.database}`;
    const result = await runCommand(['--storage', url, '--sweep', 'cli']);
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toMatch(/password authentication failed/);
    expect(result.stderr).not.toContain('wrong-pass-42');
  });

  test('usage errors: unknown sweep (listing the known ones), a storage that is not a postgres URL', async () => {
    const unknown = await runCommand(['--storage', server.url, '--sweep', 'missing']);
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.stderr).toMatch(/no sweep named "missing".*sweeps there: "cli"/);
    expect(unknown.stderr).not.toContain(server.password);
    const notPostgres = await runCommand(['--storage', 'runs/my-sweep', '--sweep', 'cli']);
    expect(notPostgres.code).toBe(EXIT_USAGE);
    expect(notPostgres.stderr).toMatch(/--storage: got .*allowed: a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  describe('the real program (lib/cli/main), no injected objective', () => {
    /** Runs `layerwise <args>` as main.ts wires it; returns the exit code and what went to stderr. */
    async function layerwise(args: string[]): Promise<{ code: number; stderr: string }> {
      let stderr = '';
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      });
      try {
        return { code: await main(args), stderr };
      } finally {
        spy.mockRestore();
      }
    }

    test('a worker runs the built-in synthetic.quadratic objective (built-ins load as in `layerwise sweep`)', async () => {
      const definition = { ...definitionOf('builtin'), objective: 'synthetic.quadratic', training: { epochs: 2, noise: 0 } };
      await store.openSweep({ definition, fingerprint: 'fp-builtin' });
      await store.enqueueTrials('builtin', trialsOf('builtin', 3));
      const result = await layerwise(['worker', '--storage', server.url, '--sweep', 'builtin', '--worker-id', 'builtin-test']);
      expect(result.stderr).not.toMatch(/not a registered objective/);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('worker done: 3 claimed, 3 finished, 0 requeued, 0 lost');
      const trials = await store.listTrials('builtin');
      expect(trials.map((trial) => trial.state)).toEqual(['complete', 'complete', 'complete']);
      // synthetic.quadratic with noise 0: validation loss at epoch e = 0.15 + 0.5·exp(−e/2) + 0.1·(log10 l2 + 3)²
      // (lib/sweep/objectives/quadratic.ts); l2 = 0.001 gives distance 0. Tolerance 1e-12 (float rounding).
      const first = trials.find((trial) => trial.params.l2 === 0.001)!;
      expect(first.epochs).toHaveLength(2);
      expect(first.backend).toBe('none');
      expect(first.final!.validation!.loss).toBeCloseTo(0.15 + 0.5 * Math.exp(-1), 12);
      const second = trials.find((trial) => trial.params.l2 === 0.002)!;
      expect(second.final!.validation!.loss).toBeCloseTo(0.15 + 0.5 * Math.exp(-1) + 0.1 * Math.log10(2) ** 2, 12);
    });

    test('the worker command trains populations: --population 3 packs waiting trials with an equal key (test.population)', async () => {
      // Enqueued by `runSweep --enqueue-only` on its own store connection (the fixture sweep: 2 arms × 4 configurations × 2 seeds).
      const enqueuer = await openPostgresStore(server.url);
      try {
        const definition = sweepDefinition({ name: 'cli-population', objective: 'test.population', training: { epochs: 2 }, execution: { population: 'auto' } });
        await runSweep({ definition, storage: enqueuer, enqueueOnly: true, objectiveModules: [FIXTURE_OBJECTIVES] });
      } finally {
        await enqueuer.close();
      }
      const result = await layerwise(['worker', '--storage', server.url, '--sweep', 'cli-population', '--module', FIXTURE_OBJECTIVES, '--population', '3']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('worker done: 16 claimed, 16 finished, 0 requeued, 0 lost');
      const trials = await store.listTrials('cli-population');
      // test.population says how each trial ran ("population of K" or "alone"): one worker claiming
      // at most 3 at a time packs 16 waiting trials as 5 populations of 3 and one trial alone.
      const sizes = trials.map((trial) => (trial.backend === 'alone' ? 1 : Number(/^population of (\d+)$/.exec(trial.backend ?? '')?.[1])));
      expect(sizes.sort()).toEqual([1, ...Array<number>(15).fill(3)]);
    });

    test('--objective-module loads a user objective in the worker; an unknown objective is a usage error naming the registered ones', async () => {
      await store.openSweep(openArgs('with-module'));
      await store.enqueueTrials('with-module', trialsOf('with-module', 2));
      const missing = await layerwise(['worker', '--storage', server.url, '--sweep', 'with-module', '--quiet']);
      expect(missing.code).toBe(EXIT_USAGE);
      expect(missing.stderr).toMatch(/layerwise: objective: "test-quadratic" is not a registered objective; registered: .*synthetic\.quadratic.*train/);
      expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const loaded = await layerwise(['worker', '--storage', server.url, '--sweep', 'with-module', '--objective-module', OBJECTIVE_MODULE]);
      expect(loaded.code).toBe(0);
      expect(loaded.stderr).toContain('worker done: 2 claimed, 2 finished');
      const trials = await store.listTrials('with-module');
      expect(trials.map((trial) => trial.final!.validation!.loss)).toEqual([expectedLoss(0.001, 2), expectedLoss(0.002, 2)]);
    });
  });
});
