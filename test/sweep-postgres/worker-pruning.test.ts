/**
 * `layerwise worker` prunes (it used to record every epoch and never prune): two workers, each the
 * sweep's one trial loop without a proposer, on a sweep with the median pruner. The decision for a
 * trial at an epoch reads only trials earlier in the plan (lower configuration index) at that
 * epoch, so which trials are pruned does not depend on which worker ran what, or when.
 *
 * Expected values, from the test objective's loss (l2·1000 − 3)² + 1/epoch with l2 = (i + 1)/1000
 * for trial i (fixtures.ts): at epoch 1 the losses are 5, 2, 1, 2, 5, 10. Median pruner with
 * startupTrials 1 and warmupEpochs 0 prunes a trial whose best loss so far exceeds the median of
 * the earlier trials' losses at that epoch: t0 has no earlier trial; t1 2 ≤ 5; t2 1 ≤ 3.5;
 * t3 2 ≤ median(5, 2, 1) = 2; t4 5 > median(5, 2, 1, 2) = 2, pruned; t5 10 > median(5, 2, 1, 2, 5) = 2,
 * pruned, both at epoch 1.
 */
import { openPostgresStore, PostgresTrialStore, runWorker } from '../../lib/sweep/postgres';
import { definitionOf, quadraticObjective, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'distributed workers prune like a local sweep', () => {
  let server: PostgresServer;
  const stores: PostgresTrialStore[] = [];

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60000);

  afterAll(async () => {
    for (const store of stores) await store.close();
    await server?.destroy();
  });

  test('two workers prune exactly the trials whose epoch-1 loss is worse than the earlier trials’ median', async () => {
    for (let worker = 0; worker < 3; worker++) stores.push(await openPostgresStore(server.url));
    const definition = { ...definitionOf('pruned'), budget: 6, pruning: { type: 'median' as const, startupTrials: 1, warmupEpochs: 0 } };
    await stores[0].openSweep({ definition, fingerprint: 'fp-pruned' });
    // Enqueued last-first, so the workers claim later trials before earlier ones: the gate must wait for the earlier ones.
    await stores[0].enqueueTrials('pruned', trialsOf('pruned', 6).reverse());
    const summaries = await Promise.all(
      [1, 2].map((worker) => runWorker(stores[worker], 'pruned', quadraticObjective(3, 40), { workerId: `w${worker}`, pollSeconds: 0.05 })),
    );
    expect(summaries.reduce((sum, summary) => sum + summary.finished, 0)).toBe(6);
    const records = (await stores[0].listTrials('pruned')).sort((a, b) => a.index - b.index);
    expect(records.map((record) => `${record.state}@${record.epochs.length}`)).toEqual(['complete@3', 'complete@3', 'complete@3', 'complete@3', 'pruned@1', 'pruned@1']);
  }, 60000);
});
