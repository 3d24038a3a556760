/**
 * `layerwise worker` trains populations (issue 16 item 3 on PostgreSQL): a worker given the
 * registered objective (`registeredWorkerObjective`, what the CLI uses) runs the local sweep's job
 * path: it claims up to N waiting trials with an equal `populationKey`, each on its own (its own
 * attempt number and lease), trains them as one population (`runPopulation`) and records each
 * member as it finishes. A member whose lease is lost mid-population is not recorded by it (the
 * trial is retried), and the rest of the population goes on.
 *
 * Objective: `test.population` (test/sweep/fixtures/objectives.ts), which trains its members
 * exactly as `run` would and says in `backend` whether a trial ran alone or in a population of K.
 * Expected records: the same definition run locally with population 1 (every trial alone), compared
 * exactly (same code, same seeds); wall-clock fields, attempt bookkeeping and `backend` left out.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openPostgresStore, PostgresTrialStore, runWorker } from '../../lib/sweep/postgres';
import { registeredWorkerObjective } from '../../lib/sweep/postgres/registry-objective';
import type { TrialRecord } from '../../lib/sweep/record';
import { runSweep } from '../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../sweep/fixtures/definitions';
import { useServerStoresAndFolder } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

function comparable(records: readonly TrialRecord[]): unknown[] {
  const withoutSeconds = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(withoutSeconds)
      : value === null || typeof value !== 'object'
        ? value
        : Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'seconds').map(([key, inner]) => [key, withoutSeconds(inner)]));
  return [...records]
    .sort((a, b) => a.trialId.localeCompare(b.trialId))
    .map((record) => withoutSeconds({ trialId: record.trialId, arm: record.arm, index: record.index, seed: record.seed, params: record.params, state: record.state, runStatus: record.runStatus, epochs: record.epochs, final: record.final }));
}

/** Population sizes the records say their trials ran in ("population of K"). */
function populationSizes(records: readonly TrialRecord[]): number[] {
  return records.map((record) => /^population of (\d+)$/.exec(record.backend ?? '')?.[1]).filter((size): size is string => size !== undefined).map(Number);
}

describeWhenAvailable(['postgresql'], 'a PostgreSQL worker trains populations', () => {
  const fixture = useServerStoresAndFolder<PostgresTrialStore>('layerwise-worker-population-');

  const definitionOf = (name: string, population: 'auto' | number, training: Record<string, unknown> = {}) =>
    sweepDefinition({
      name,
      objective: 'test.population',
      training: { epochs: 4, ...training },
      pruning: { type: 'median', startupTrials: 1, warmupEpochs: 1 },
      execution: { population, retries: 1 },
    });

  async function reference(name: string, training: Record<string, unknown> = {}): Promise<TrialRecord[]> {
    const local = await runSweep({ definition: definitionOf(name, 1, training), directory: fs.mkdtempSync(path.join(fixture.directory, 'local-')), workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
    expect(local.records).toHaveLength(16);
    // The comparison can fail: the pruner stops some trials, others complete.
    expect(local.pruned).toBeGreaterThan(0);
    expect(local.complete).toBeGreaterThan(0);
    return local.records;
  }

  async function enqueue(name: string, population: 'auto' | number, training: Record<string, unknown> = {}): Promise<PostgresTrialStore> {
    const store = await openPostgresStore(fixture.server.url, { graceSeconds: 30 });
    fixture.stores.push(store);
    await runSweep({ definition: definitionOf(name, population, training), storage: store, enqueueOnly: true, objectiveModules: [FIXTURE_OBJECTIVES] });
    expect((await store.countTrials(name)).waiting).toBe(16);
    return store;
  }

  test('two workers pack waiting trials into populations of at most 4 and record what population 1 records', async () => {
    const expected = await reference('packed');
    const store = await enqueue('packed', 4);
    const summaries = await Promise.all(
      [1, 2].map(async (worker) => {
        const own = await openPostgresStore(fixture.server.url);
        fixture.stores.push(own);
        const objective = await registeredWorkerObjective((await own.findSweep('packed'))!.definition, [FIXTURE_OBJECTIVES]);
        return runWorker(own, 'packed', objective, { workerId: `w${worker}`, pollSeconds: 0.05 });
      }),
    );
    expect(summaries.reduce((sum, summary) => sum + summary.finished, 0)).toBe(16);
    expect(summaries.reduce((sum, summary) => sum + summary.lost, 0)).toBe(0);
    const records = await store.listTrials('packed');
    // Packing happened, within the limit: every trial ran in a population of 2..4 members.
    const sizes = populationSizes(records);
    expect(sizes).toHaveLength(16);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(Math.min(...sizes)).toBeGreaterThan(1);
    // Claims stay per trial: every trial was claimed once, by one attempt.
    expect(records.every((record) => record.attempts === 1)).toBe(true);
    expect(comparable(records)).toEqual(comparable(expected));
  }, 120000);

  test('a member whose lease is lost mid-population is not recorded by it; it is retried and the rest go on', async () => {
    const training = { epochs: 6, epochMilliseconds: 25 };
    const expected = await reference('lease', training);
    const store = await enqueue('lease', 'auto', training);
    const thief = await openPostgresStore(fixture.server.url);
    fixture.stores.push(thief);
    // Take the first member seen mid-training away from the worker (as a takeover after a stale heartbeat would).
    let taken: { trialId: string; attempt: number } | undefined;
    let watching = true;
    const watcher = (async () => {
      while (watching && taken === undefined) {
        const running = (await thief.listTrials('lease', { states: ['running'] })).find((record) => record.epochs.length >= 1 && record.epochs.length < 5);
        if (running !== undefined) {
          await thief.requeueTrial('lease', running.trialId, running.attempts, 'taken away by the test');
          taken = { trialId: running.trialId, attempt: running.attempts };
        } else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const objective = await registeredWorkerObjective((await store.findSweep('lease'))!.definition, [FIXTURE_OBJECTIVES]);
    const summary = await runWorker(store, 'lease', objective, { workerId: 'solo', pollSeconds: 0.05 });
    watching = false;
    await watcher;
    expect(taken).toBeDefined();
    expect(summary.lost).toBe(1);
    const records = await store.listTrials('lease');
    // 'auto' on a worker: populations of up to 8 (WORKER_AUTO_POPULATION).
    expect(Math.max(...populationSizes(records))).toBe(8);
    const retried = records.find((record) => record.trialId === taken!.trialId)!;
    // Recorded once, by the attempt after the lost one.
    expect(retried.attempts).toBe(taken!.attempt + 1);
    expect(records.filter((record) => record.trialId !== taken!.trialId).every((record) => record.attempts === 1)).toBe(true);
    expect(comparable(records)).toEqual(comparable(expected));
  }, 120000);
});
