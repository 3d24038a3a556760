/**
 * Issue 18, item 1 (shared store side): the PostgreSQL store lists trials without their epochs
 * (counting them instead) and reads epochs for chosen trials only, so status and a report's
 * tables need not fetch every epoch row of the sweep.
 */
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import { loadStoredTrialSummaries } from '../../lib/cli/dependencies';
import { summarizeTrial } from '../../lib/sweep/selection/trial-summary';
import { summarize } from '../../lib/sweep/storage/trial-summary';
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
    // The second finished trial records no `final` (as a pruned trial may): its summary carries the last epoch instead.
    if (n < 2) await store.finishTrial(sweep, trial.trialId, trial.attempts, n === 0 ? { state: 'complete', epochs, final: epochs[1] } : { state: 'complete', epochs });
  }
  const full = await store.listTrials(sweep);
  const summaries = await store.listTrialSummaries(sweep);
  // Finished trials also keep what the journal summary keeps of their epochs (summarize: best-validation and, without `final`, last epoch).
  expect(summaries).toEqual(
    full.map((record) => {
      const { epochs, ...rest } = record;
      const { bestEpoch, lastEpoch } = summarize(record);
      return { ...rest, epochCount: epochs.length, ...(record.state === 'complete' ? { bestEpoch, lastEpoch } : {}) };
    }),
  );
  expect(summaries[0].bestEpoch?.epoch).toBe(summarize(full[0]).bestEpoch?.epoch);
  expect(summaries[0].bestEpoch).toBeDefined();
  expect(summaries.map((trial) => [trial.state, trial.epochCount])).toEqual([
    ['complete', 2],
    ['complete', 2],
    ['running', 1],
    ['waiting', 0],
  ]);
  expect(summaries[0].lastEpoch).toBeUndefined();
  expect(summaries[1].lastEpoch).toEqual(full[1].epochs[1]);
  expect(await store.listTrialSummaries(sweep, { states: ['running'] })).toHaveLength(1);
  const ids = [full[1].trialId, full[2].trialId, 'unknown'];
  const epochs = await store.readTrialEpochs(sweep, ids);
  expect([...epochs.keys()]).toEqual(ids);
  expect(epochs.get(full[1].trialId)).toEqual(full[1].epochs);
  expect(epochs.get(full[2].trialId)).toEqual(full[2].epochs);
  expect(epochs.get('unknown')).toEqual([]);
});

test('the report reads a stored sweep through its summaries: the same per-trial rows as from full records, epochs only for the configurations asked for', async () => {
  const sweep = 'report-summaries';
  await store.openSweep(openArgs(sweep));
  await store.enqueueTrials(sweep, trialsOf(sweep, 3));
  for (let n = 0; n < 2; n++) {
    const trial = (await store.claimTrial(sweep, { workerId: 'test' }))!;
    const epochs = [epochOf(0.002 * (n + 1), 1), epochOf(0.002 * (n + 1), 2), epochOf(0.002 * (n + 1), 3)];
    for (const epoch of epochs) await store.recordEpoch(sweep, trial.trialId, trial.attempts, epoch);
    await store.finishTrial(sweep, trial.trialId, trial.attempts, n === 0 ? { state: 'complete', epochs, final: epochs[2] } : { state: 'pruned', epochs });
  }
  const full = await store.listTrials(sweep);
  const summarized = await loadStoredTrialSummaries(server.url, sweep);
  expect(summarized.trials).toEqual(full.map(summarizeTrial));
  // The pruned trial has no `final`: its final metrics come from its last epoch, as from the full record.
  expect(summarized.trials[1].final?.epoch).toBe(3);
  expect(summarized.trials[1].best?.epoch).toBe(summarizeTrial(full[1]).best?.epoch);
  const finishedConfig = full[0].configId;
  expect(await summarized.loadEpochRecords([finishedConfig])).toEqual(full.filter((record) => record.configId === finishedConfig && record.state !== 'waiting'));
  expect(await summarized.loadEpochRecords([full[2].configId])).toEqual(full.filter((record) => record.configId === full[2].configId && record.state !== 'waiting'));
});

test('backend choices: the coordinator and each worker record theirs; a report read from the store gets them, oldest first', async () => {
  const sweep = 'backend-choices';
  await store.openSweep(openArgs(sweep));
  const measured = { backend: 'tensorflow' as const, selection: 'measured' as const, timings: [{ backend: 'tensorflow' as const, secondsPerStep: 0.001 }, { backend: 'cpu' as const, secondsPerStep: 0.003 }], steps: 24, at: '2026-12-01T00:00:00.000Z' };
  const forced = { backend: 'cpu' as const, selection: 'option' as const, timings: [], steps: 0, at: '2026-12-01T00:00:01.000Z' };
  expect(await store.listBackendChoices(sweep)).toEqual([]);
  await store.recordBackendChoice(sweep, measured as never);
  await store.recordBackendChoice(sweep, forced as never, 'worker-2');
  expect(await store.listBackendChoices(sweep)).toEqual([measured, forced]);
  const read = await loadStoredTrialSummaries(server.url, sweep);
  expect(read.backendChoices).toEqual([measured, forced]);
  // Another sweep's choices never leak in.
  await store.openSweep(openArgs('backend-choices-other'));
  expect(await store.listBackendChoices('backend-choices-other')).toEqual([]);
});
