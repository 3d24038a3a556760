/**
 * Stopping a PostgreSQL worker mid-trial (what `layerwise worker` does on SIGTERM/SIGINT): the
 * running trial's objective is aborted and waited for; only once it has ended is the trial
 * re-queued (not failed, not lost) and does `runWorker` return, so the process never exits, nor
 * releases the claim, while the objective still runs. Objective: `test.lingering`
 * (test/sweep/fixtures/lingering-objective.ts), which goes on for a while after its abort, as
 * training finishing a batch does, and reports one more epoch then.
 */
import * as path from 'path';
import { openPostgresStore, PostgresTrialStore, runWorker } from '../../lib/sweep/postgres';
import { registeredWorkerObjective } from '../../lib/sweep/postgres/registry-objective';
import type { WorkerEvent } from '../../lib/sweep/postgres/run-worker';
import { runSweep } from '../../lib/sweep/runner';
import { sweepDefinition } from '../sweep/fixtures/definitions';
import { lingeringProbe, resetLingeringProbe } from '../sweep/fixtures/lingering-objective';
import { useServerStoresAndFolder } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

const LINGERING_OBJECTIVE = path.join(__dirname, '..', 'sweep', 'fixtures', 'lingering-objective.ts');

describeWhenAvailable(['postgresql'], 'stopping a PostgreSQL worker mid-trial', () => {
  const fixture = useServerStoresAndFolder<PostgresTrialStore>('layerwise-worker-stop-');

  test('the objective has ended before the trial is re-queued and the worker returns; the trial waits for its next attempt', async () => {
    resetLingeringProbe();
    const definition = sweepDefinition({ name: 'stop', objective: 'test.lingering', budget: 1, seeds: [1] });
    const store = await openPostgresStore(fixture.server.url, { graceSeconds: 30 });
    fixture.stores.push(store);
    await runSweep({ definition, storage: store, enqueueOnly: true, objectiveModules: [LINGERING_OBJECTIVE] });
    const stop = new AbortController();
    const events: WorkerEvent[] = [];
    const objective = await registeredWorkerObjective((await store.findSweep('stop'))!.definition, [LINGERING_OBJECTIVE]);
    const working = runWorker(store, 'stop', objective, {
      workerId: 'w-stop',
      maxTrials: 1,
      signal: stop.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'requeued') lingeringProbe.events.push('requeued');
      },
    });
    await lingeringProbe.started;
    stop.abort();
    const summary = await working;
    lingeringProbe.events.push('worker returned');
    // Before the fix the trial was re-queued and the worker returned (`layerwise worker` exited) while the objective still ran.
    expect(lingeringProbe.events).toEqual(['started', 'aborted', 'ended', 'requeued', 'worker returned']);
    expect(summary).toEqual({ claimed: 1, finished: 0, requeued: 1, lost: 0, stopped: true });
    const claimed = events.find((event): event is Extract<WorkerEvent, { type: 'claimed' }> => event.type === 'claimed')!;
    expect(events.map((event) => event.type)).toEqual(['claimed', 'requeued']);
    const trial = (await store.listTrials('stop')).find((record) => record.trialId === claimed.trialId)!;
    // Waiting again (not failed) with its one attempt used; epoch 1, recorded while it ran, is there,
    // epoch 2, reported after the stop, is not.
    expect(trial).toMatchObject({ state: 'waiting', attempts: 1 });
    expect(trial.epochs.map((epoch) => epoch.epoch)).toEqual([1]);
    expect((await store.countTrials('stop')).waiting).toBe(2);
  }, 60000);
});
