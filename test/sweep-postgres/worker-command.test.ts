/** `layerwise worker` against a real PostgreSQL server: runs a sweep to the end, errors without secrets. */
import { Command } from 'commander';
import { registerWorkerCommand } from '../../lib/cli/worker';
import { CommandExit, EXIT_USAGE, EXIT_FAILURE } from '../../lib/cli/exit-codes';
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import { openArgs, quadraticObjective, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';

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
