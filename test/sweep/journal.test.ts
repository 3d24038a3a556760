import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { definitionFingerprint } from '../../lib/sweep/definition-config';
import { JournalStorage } from '../../lib/sweep/storage/journal-storage';
import { SweepDefinitionChangedError, TrialSpec, TrialStateError } from '../../lib/sweep/storage/storage';
import { loadTrials, mergeSweepDirectories, readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
import { replayJournal } from '../../lib/sweep/storage/journal-format';
import { sweepDefinition } from './fixtures/definitions';

const definition = sweepDefinition();
const fingerprint = definitionFingerprint(definition);
const spec = (n: number): TrialSpec => ({ trialId: `t${n}`, configId: `c${n}`, sweepName: definition.name, arm: 'uniform', index: n, params: { l2: n }, seed: 1 });
const epoch = { epoch: 1, train: { loss: 1 }, validation: { loss: 2 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-journal-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

async function openStore(extend = false, def = definition): Promise<JournalStorage> {
  const store = new JournalStorage({ directory });
  await store.openSweep({ definition: def, fingerprint: definitionFingerprint(def), extend });
  return store;
}

describe('journal storage', () => {
  test('enqueue is idempotent, claim/finish move states, a reopened journal has everything finished', async () => {
    const store = await openStore();
    await store.enqueueTrials(definition.name, [spec(1), spec(2)]);
    await store.enqueueTrials(definition.name, [spec(1)]);
    const claimed = await store.claimTrial(definition.name);
    expect(claimed).toMatchObject({ trialId: 't1', state: 'running', attempts: 1 });
    await store.recordEpoch(definition.name, 't1', 1, epoch);
    await store.finishTrial(definition.name, 't1', 1, { state: 'complete', epochs: [epoch], final: epoch });
    await expect(store.finishTrial(definition.name, 't1', 1, { state: 'complete', epochs: [] })).rejects.toThrow(TrialStateError);
    await store.close();

    const reopened = await openStore();
    const trials = await reopened.listTrials(definition.name);
    expect(trials.map((trial) => [trial.trialId, trial.state])).toEqual([
      ['t1', 'complete'],
      ['t2', 'waiting'],
    ]);
    expect(trials[0].final).toEqual(epoch);
    await reopened.close();
  });

  test('a torn last line is ignored, and later writes do not glue onto it', async () => {
    const store = await openStore();
    await store.enqueueTrials(definition.name, [spec(1), spec(2)]);
    await store.claimTrial(definition.name);
    await store.finishTrial(definition.name, 't1', 1, { state: 'complete', epochs: [epoch], final: epoch });
    await store.close();
    const file = path.join(directory, 'journal.jsonl');
    // A process killed in the middle of writing a finish line.
    fs.appendFileSync(file, '{"op":"finish","trialId":"t2","attempt":1,"record":{"trialId":"t2","st');
    expect(readSweepDirectory(directory).skippedLines).toBe(1);

    const reopened = await openStore();
    expect(reopened.skippedLines).toBe(1);
    expect((await reopened.listTrials(definition.name)).map((trial) => trial.state)).toEqual(['complete', 'waiting']);
    const claimed = await reopened.claimTrial(definition.name);
    await reopened.finishTrial(definition.name, claimed!.trialId, claimed!.attempts, { state: 'complete', epochs: [] });
    await reopened.close();
    const state = replayJournal(fs.readFileSync(file, 'utf8'));
    expect(state.skippedLines).toBe(1);
    expect([...state.trials.values()].map((trial) => trial.state)).toEqual(['complete', 'complete']);
  });

  test('trials left running by a dead process are waiting again, without using up an attempt', async () => {
    const store = await openStore();
    await store.enqueueTrials(definition.name, [spec(1)]);
    await store.claimTrial(definition.name);
    await store.recordEpoch(definition.name, 't1', 1, epoch);
    await store.close();
    const reopened = await openStore();
    const [trial] = await reopened.listTrials(definition.name);
    expect(trial).toMatchObject({ state: 'waiting', attempts: 0, epochs: [] });
    expect(await reopened.claimTrial(definition.name)).toMatchObject({ attempts: 1 });
    await reopened.close();
  });

  test('requeue keeps the reason; stale attempts are rejected', async () => {
    const store = await openStore();
    await store.enqueueTrials(definition.name, [spec(1)]);
    await store.claimTrial(definition.name);
    await store.requeueTrial(definition.name, 't1', 1, 'worker crashed');
    expect((await store.listTrials(definition.name))[0]).toMatchObject({ state: 'waiting', error: 'worker crashed', attempts: 1 });
    await store.claimTrial(definition.name);
    await expect(store.recordEpoch(definition.name, 't1', 1, epoch)).rejects.toThrow(/stale/);
    await store.close();
  });

  test('a changed definition is an error naming the changed fields, unless extending', async () => {
    await (await openStore()).close();
    const changed = sweepDefinition({ budget: 5 });
    await expect(openStore(false, changed)).rejects.toThrow(SweepDefinitionChangedError);
    await expect(openStore(false, changed)).rejects.toThrow(/changed: budget/);
    const extended = await openStore(true, changed);
    await extended.close();
    // The extended definition is now the stored one.
    await (await openStore(false, changed)).close();
  });

  test('a second writer on the same journal is refused while the first is alive', async () => {
    const first = await openStore();
    const lock = path.join(directory, 'journal.jsonl.lock');
    // Pretend another live process on this host holds it (the parent of this test process).
    fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: os.hostname() }));
    await expect(openStore()).rejects.toThrow(/being written by process/);
    // A lock of a dead process is taken over.
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }));
    await (await openStore()).close();
    await first.close();
  });

  test('merging shard journals deduplicates by trial identity and keeps finished records', async () => {
    for (const [name, ids] of [
      ['journal.shard-1-of-2.jsonl', [1, 2]],
      ['journal.shard-2-of-2.jsonl', [3]],
    ] as const) {
      const store = new JournalStorage({ directory, fileName: name });
      await store.openSweep({ definition, fingerprint });
      await store.enqueueTrials(definition.name, ids.map(spec));
      for (const id of ids) {
        await store.claimTrial(definition.name, { trialIds: [`t${id}`] });
        await store.finishTrial(definition.name, `t${id}`, 1, { state: 'complete', epochs: [epoch], final: epoch });
      }
      await store.close();
    }
    expect((await loadTrials(directory)).map((trial) => trial.trialId).sort()).toEqual(['t1', 't2', 't3']);
    const target = path.join(directory, 'merged');
    expect(await mergeSweepDirectories({ sources: [directory], target })).toMatchObject({ trials: 3, finished: 3 });
    // Merging into the same folder again (shards + merged journal read together) still gives 3.
    await mergeSweepDirectories({ sources: [directory, target], target: directory });
    expect((await loadTrials(directory)).length).toBe(3);
    // The merged journal resumes like any other.
    const store = new JournalStorage({ directory: target });
    await store.openSweep({ definition, fingerprint });
    expect((await store.listTrials(definition.name)).every((trial) => trial.state === 'complete')).toBe(true);
    await store.close();
  });
});
