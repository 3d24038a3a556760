/**
 * A worker process for the multi-process tests: runs `runWorker` with the deterministic objective
 * and prints one JSON line per event on stdout. Settings come from the environment:
 * LW_URL, LW_SWEEP, LW_WORKER, LW_EPOCHS, LW_EPOCH_MS, LW_HEARTBEAT_SECONDS.
 */
import { openPostgresStore } from '../../lib/sweep/postgres/open';
import { runWorker } from '../../lib/sweep/postgres/run-worker';
import { quadraticObjective } from './fixtures';

async function main(): Promise<void> {
  const environment = process.env;
  const store = await openPostgresStore(environment.LW_URL ?? '', { retry: { deadlineMs: 60000 } });
  const summary = await runWorker(store, environment.LW_SWEEP ?? '', quadraticObjective(Number(environment.LW_EPOCHS ?? 3), Number(environment.LW_EPOCH_MS ?? 100)), {
    workerId: environment.LW_WORKER,
    heartbeatSeconds: Number(environment.LW_HEARTBEAT_SECONDS ?? 0.2),
    pollSeconds: 0.2,
    onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
  });
  process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
  await store.close();
}

main().catch((error) => {
  process.stderr.write(`worker-child: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
