/**
 * Issue 18, item 1 (shared store side): the PostgreSQL store lists trials without their epochs
 * (counting them instead) and reads epochs for chosen trials only, so status and a report's
 * tables need not fetch every epoch row of the sweep.
 */
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import { epochOf, openArgs, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';

let server: PostgresServer;
let store: PostgresTrialStore;

beforeAll(async () => {
  server = await startPostgresServer();
  store = await openPostgresStore(server.url, { retry: { deadlineMs: 5000 } });
}, 60000);

afterAll(async () => {
  await store?.close();
  await server?.destroy();
});

test('listTrialSummaries equals listTrials minus epochs (with their count); readTrialEpochs returns only the trials asked for', async () => {
  const sweep = 'summaries';
  await store.openSweep(openArgs(sweep));
  await store.enqueueTrials(sweep, trialsOf(sweep, 4));
  for (let n = 0; n < 3; n++) {
    const trial = (await store.claimTrial(sweep, { workerId: 'test' }))!;
    const epochs = [epochOf(0.001 * (n + 1), 1), epochOf(0.001 * (n + 1), 2)];
    for (const epoch of epochs.slice(0, n === 2 ? 1 : 2)) await store.recordEpoch(sweep, trial.trialId, trial.attempts, epoch);
    if (n < 2) await store.finishTrial(sweep, trial.trialId, trial.attempts, { state: 'complete', epochs, final: epochs[1] });
  }
  const full = await store.listTrials(sweep);
  const summaries = await store.listTrialSummaries(sweep);
  expect(summaries).toEqual(full.map(({ epochs, ...rest }) => ({ ...rest, epochCount: epochs.length })));
  expect(summaries.map((trial) => [trial.state, trial.epochCount])).toEqual([
    ['complete', 2],
    ['complete', 2],
    ['running', 1],
    ['waiting', 0],
  ]);
  expect(await store.listTrialSummaries(sweep, { states: ['running'] })).toHaveLength(1);
  const ids = [full[1].trialId, full[2].trialId, 'unknown'];
  const epochs = await store.readTrialEpochs(sweep, ids);
  expect([...epochs.keys()]).toEqual(ids);
  expect(epochs.get(full[1].trialId)).toEqual(full[1].epochs);
  expect(epochs.get(full[2].trialId)).toEqual(full[2].epochs);
  expect(epochs.get('unknown')).toEqual([]);
});
