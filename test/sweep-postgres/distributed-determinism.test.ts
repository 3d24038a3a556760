/**
 * A distributed sweep sees exactly what a local one sees: the same definition (TPE, median pruning)
 * run once in this process on the folder's journal, and once on PostgreSQL with a coordinator
 * (`runSweep --storage`, proposing and running trials) and two external workers (`runWorker`, the
 * same loop without proposing), gives the same records: proposals, states (which trials are pruned,
 * at which epoch) and every per-epoch value. Values come from the deterministic `test.synthetic`
 * objective, so they are compared exactly; wall-clock fields and attempt bookkeeping are left out.
 */
import { openPostgresStore, PostgresTrialStore, runWorker } from '../../lib/sweep/postgres';
import { workerObjectiveFor } from '../../lib/sweep/postgres/registry-objective';
import type { TrialRecord } from '../../lib/sweep/record';
import { runSweep } from '../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../sweep/fixtures/definitions';
import { useServerStoresAndFolder } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'a distributed sweep records what a local one records', () => {
  const fixture = useServerStoresAndFolder<PostgresTrialStore>('layerwise-distributed-determinism-');

  function comparable(records: readonly TrialRecord[]): unknown[] {
    const withoutSeconds = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutSeconds)
        : value === null || typeof value !== 'object'
          ? value
          : Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'seconds').map(([key, inner]) => [key, withoutSeconds(inner)]));
    return [...records]
      .sort((a, b) => a.trialId.localeCompare(b.trialId))
      .map((record) => withoutSeconds({ trialId: record.trialId, arm: record.arm, index: record.index, seed: record.seed, params: record.params, state: record.state, epochs: record.epochs, final: record.final }));
  }

  test('TPE + median pruning: coordinator and two workers on PostgreSQL = one process on a journal', async () => {
    // 2 arms × 5 configurations × 2 seeds; TPE's first 2 configurations are random (proposed at once), the rest wait for lower indices.
    const definition = sweepDefinition({
      name: 'distributed-determinism',
      budget: 5,
      training: { epochs: 4, epochMilliseconds: 15 },
      sampler: { type: 'tpe', seed: 4, startupTrials: 2 },
      pruning: { type: 'median', startupTrials: 1, warmupEpochs: 1 },
    });
    const local = await runSweep({ definition, directory: fixture.directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
    expect(local.complete + local.pruned).toBe(20);
    // The comparison can fail: some trials are pruned, some complete.
    expect(local.pruned).toBeGreaterThan(0);
    expect(local.complete).toBeGreaterThan(0);

    for (let store = 0; store < 3; store++) fixture.stores.push(await openPostgresStore(fixture.server.url, { graceSeconds: 5 }));
    const coordinating = runSweep({ definition, storage: fixture.stores[0], workers: 0, objectiveModules: [FIXTURE_OBJECTIVES], pollSeconds: 0.05 });
    const deadline = Date.now() + 20000;
    // Workers join once trials are enqueued (a worker that finds nothing waiting and nothing running leaves).
    while (!(await fixture.stores[1].findSweep(definition.name)) || (await fixture.stores[1].countTrials(definition.name)).waiting === 0) {
      if (Date.now() > deadline) throw new Error('the coordinator enqueued nothing');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const workers = [1, 2].map(async (worker) => {
      const objective = await workerObjectiveFor((await fixture.stores[worker].findSweep(definition.name))!.definition, [FIXTURE_OBJECTIVES]);
      return runWorker(fixture.stores[worker], definition.name, objective, { workerId: `w${worker}`, pollSeconds: 0.05 });
    });
    const [distributed, ...workerSummaries] = await Promise.all([coordinating, ...workers]);
    // The workers really ran some of the trials.
    expect(workerSummaries.reduce((sum, summary) => sum + summary.finished, 0)).toBeGreaterThan(0);
    expect(comparable(distributed.records)).toEqual(comparable(local.records));
  }, 120000);
});
