/**
 * Populations in the trial loop (issue 16 item 3, the runner side): ready trials with an equal
 * population key are packed into one job (`execution.population`), run by the objective's
 * `runPopulation` in this process or in a pool worker; each member's epochs go through the
 * pruner, each finished member is durable at once, and a crash mid-population leaves the finished
 * members recorded and retries only the rest.
 *
 * The objective is `test.population` (test/sweep/fixtures/objectives.ts): a population trains its
 * members one after another exactly as `run` would, so every record must equal the one of the
 * same sweep trained trial by trial (population 1); compared exactly, as the values are computed
 * by the same code from the same seeds. Its `backend` field says how a trial ran.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SweepEvent } from '../../../lib/sweep/events';
import type { TrialRecord } from '../../../lib/sweep/record';
import { runSweep } from '../../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../fixtures/definitions';

jest.setTimeout(120_000);

const directories: string[] = [];
function folder(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-population-'));
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

function definitionWith(population: 'auto' | number, training: Record<string, unknown> = {}) {
  return sweepDefinition({
    objective: 'test.population',
    training: { epochs: 4, ...training },
    pruning: { type: 'median', startupTrials: 1, warmupEpochs: 1 },
    execution: { population, retries: 1 },
  });
}

/** Everything but wall-clock, attempt bookkeeping and how it ran (`backend`). */
function comparable(records: readonly TrialRecord[]): unknown[] {
  return [...records]
    .sort((a, b) => a.trialId.localeCompare(b.trialId))
    .map((record) => ({ trialId: record.trialId, arm: record.arm, index: record.index, seed: record.seed, params: record.params, state: record.state, runStatus: record.runStatus, epochs: record.epochs, final: record.final }));
}

test.each([
  ['in this process', 0],
  ['on 2 pool workers', 2],
])('population "auto" records exactly what population 1 records (%s), with members pruned on their own', async (_where, workers) => {
  const alone = await runSweep({ definition: definitionWith(1), directory: folder(), workers, objectiveModules: [FIXTURE_OBJECTIVES] });
  const packed = await runSweep({ definition: definitionWith('auto'), directory: folder(), workers, objectiveModules: [FIXTURE_OBJECTIVES] });
  expect(alone.records).toHaveLength(16);
  expect(alone.records.every((record) => record.backend === 'alone' || record.state === 'pruned')).toBe(true);
  // Packing happened: trials ran in populations of more than one member.
  const sizes = packed.records.map((record) => /^population of (\d+)$/.exec(record.backend ?? '')?.[1]).filter((size): size is string => size !== undefined).map(Number);
  expect(sizes.length).toBeGreaterThan(0);
  expect(Math.max(...sizes)).toBeGreaterThan(1);
  // The comparison can fail: the pruner stops some members mid-population, others complete.
  expect(packed.pruned).toBeGreaterThan(0);
  expect(packed.complete).toBeGreaterThan(0);
  expect(comparable(packed.records)).toEqual(comparable(alone.records));
});

test.each([
  ['in this process (the population throws)', 0],
  ['on 2 pool workers (the worker process exits)', 2],
])('a crash mid-population leaves the finished members durable and retries only the rest (%s)', async (_where, workers) => {
  // Trained alone the same definition never crashes (only populations do): the records to expect.
  const reference = await runSweep({ definition: definitionWith(1, { crashPopulationAfter: 2 }), directory: folder(), workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  const events: SweepEvent[] = [];
  const crashed = await runSweep({
    definition: definitionWith('auto', { crashPopulationAfter: 2 }),
    directory: folder(),
    workers,
    objectiveModules: [FIXTURE_OBJECTIVES],
    onEvent: (event) => events.push(event),
  });
  expect(crashed.failed).toBe(0);
  expect(comparable(crashed.records)).toEqual(comparable(reference.records));
  // Each first-attempt population crashed after its 2nd member: those 2 finished on attempt 1, before any retry.
  const retries = events.filter((event) => event.type === 'trial-retry');
  expect(retries.length).toBeGreaterThan(0);
  const firstAttempt = crashed.records.filter((record) => record.attempts === 1);
  const populations = workers === 0 ? 1 : 2;
  expect(firstAttempt).toHaveLength(2 * populations);
  const finishedBefore = events.slice(0, events.indexOf(retries[0])).filter((event): event is Extract<SweepEvent, { type: 'trial-finish' }> => event.type === 'trial-finish');
  expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
  expect(firstAttempt.map((record) => record.trialId)).toEqual(expect.arrayContaining(finishedBefore.map((event) => event.record.trialId)));
  // Every retried trial ran on its second attempt, and only once more.
  expect(crashed.records.filter((record) => record.attempts === 2)).toHaveLength(16 - 2 * populations);
  expect(new Set(retries.map((event) => (event as { trialId: string }).trialId)).size).toBe(retries.length);
});

test('"auto" keeps every ready trial in one job when the objective says packing is faster (packsTogether), else spreads them over the free workers; the records are the same', async () => {
  const sizesOf = (records: readonly TrialRecord[]): number[] =>
    records.map((record) => Number(/^population of (\d+)$/.exec(record.backend ?? '')?.[1] ?? 1));
  const spread = await runSweep({ definition: definitionWith('auto'), directory: folder(), workers: 2, objectiveModules: [FIXTURE_OBJECTIVES] });
  process.env.LAYERWISE_TEST_PACK_TOGETHER = '1';
  let packed: Awaited<ReturnType<typeof runSweep>>;
  try {
    packed = await runSweep({ definition: definitionWith('auto'), directory: folder(), workers: 2, objectiveModules: [FIXTURE_OBJECTIVES] });
  } finally {
    delete process.env.LAYERWISE_TEST_PACK_TOGETHER;
  }
  // Spreading gives each of the 2 free workers half the ready trials; packing gives one worker all of them.
  const firstReady = Math.max(...sizesOf(packed.records));
  expect(firstReady).toBeGreaterThan(2);
  expect(Math.max(...sizesOf(spread.records))).toBe(Math.ceil(firstReady / 2));
  expect(packed.records).toHaveLength(16);
  expect(comparable(packed.records)).toEqual(comparable(spread.records));
});
