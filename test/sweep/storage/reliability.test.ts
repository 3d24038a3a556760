/**
 * Issue 15, items 1, 2 and 5 (journal side): writers of a journal share one lock, a journal past
 * V8's string limit (about 512 MiB) still opens, and "definition changed" names the changed paths
 * and only remedies that work.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { changedFields, definitionFingerprint } from '../../../lib/sweep/definition-config';
import { JournalStorage } from '../../../lib/sweep/storage/journal-storage';
import { JournalLockedError } from '../../../lib/sweep/storage/journal-lock';
import { encodeEvent } from '../../../lib/sweep/storage/journal-format';
import { readJournalFile } from '../../../lib/sweep/storage/journal-reader';
import { SweepNameMismatchError, TrialSpec } from '../../../lib/sweep/storage/storage';
import { mergeSweepDirectories, readSweepDirectory } from '../../../lib/sweep/storage/sweep-directory';
import { sweepDefinition } from '../fixtures/definitions';

const definition = sweepDefinition();
const fingerprint = definitionFingerprint(definition);
const spec = (n: number): TrialSpec => ({ trialId: `t${n}`, configId: `c${n}`, sweepName: definition.name, arm: 'uniform', index: n, params: { l2: n }, seed: 1 });
const epoch = { epoch: 1, train: { loss: 1 }, validation: { loss: 2 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-reliability-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

async function finishOne(store: JournalStorage, n: number): Promise<void> {
  await store.enqueueTrials(definition.name, [spec(n)]);
  await store.claimTrial(definition.name, { trialIds: [`t${n}`] });
  await store.finishTrial(definition.name, `t${n}`, 1, { state: 'complete', epochs: [epoch], final: epoch });
}

describe('item 1: merge takes the lock of a running sweep', () => {
  test('merge into a folder whose sweep is running (same process) is refused, naming the holder; the sweep loses nothing', async () => {
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await finishOne(store, 1);
    await expect(mergeSweepDirectories({ sources: [directory], target: directory })).rejects.toThrow(JournalLockedError);
    await expect(mergeSweepDirectories({ sources: [directory], target: directory })).rejects.toThrow(new RegExp(`process ${process.pid} on ${os.hostname()}.*journal\\.jsonl\\.lock`));
    // The sweep goes on writing to the same journal: every finished trial is readable afterwards.
    await finishOne(store, 2);
    await store.close();
    expect(readSweepDirectory(directory).trials.filter((trial) => trial.state === 'complete').map((trial) => trial.trialId)).toEqual(['t1', 't2']);
  });

  test('merge is refused while another live process holds the lock, and works once it is released', async () => {
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await finishOne(store, 1);
    await store.close();
    // The parent of this test process is alive on this host: a lock in its name is a live holder.
    const lockFile = path.join(directory, 'journal.jsonl.lock');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: os.hostname(), at: '2026-01-01T00:00:00.000Z' }));
    await expect(mergeSweepDirectories({ sources: [directory], target: directory })).rejects.toThrow(`process ${process.ppid}`);
    expect(fs.readFileSync(lockFile, 'utf8')).toContain(String(process.ppid));
    fs.rmSync(lockFile);
    await expect(mergeSweepDirectories({ sources: [directory], target: directory })).resolves.toMatchObject({ trials: 1, finished: 1 });
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  test('a sweep cannot open a journal while merge holds it', async () => {
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    const second = new JournalStorage({ directory });
    await expect(second.openSweep({ definition, fingerprint })).rejects.toThrow(JournalLockedError);
    await store.close();
  });
});

describe('item 2: journals are read as a stream', () => {
  test(
    'a journal larger than 512 MiB (sparse padding line) opens for status, report and resume; torn last line tolerated',
    async () => {
      const file = path.join(directory, 'journal.jsonl');
      const store = new JournalStorage({ directory });
      await store.openSweep({ definition, fingerprint });
      await finishOne(store, 1);
      await store.close();
      // A hole of 600 MiB (zeros, no disk blocks) as one damaged line, then more events and a torn tail.
      const size = fs.statSync(file).size;
      fs.truncateSync(file, size + 600 * 1024 * 1024);
      fs.appendFileSync(file, '\n' + encodeEvent({ op: 'enqueue', trial: spec(2), at: 'x' }) + '{"op":"finish","trialId":"t2"');
      expect(fs.statSync(file).size).toBeGreaterThan(0x1fffffe8);

      const state = readJournalFile(file);
      expect(state.sweep?.name).toBe(definition.name);
      expect([...state.trials.keys()]).toEqual(['t1', 't2']);
      expect(state.trials.get('t1')?.state).toBe('complete');
      expect(state.skippedLines).toBe(2); // the padding line and the torn last line
      expect(state.tornTail).toBe(true);

      const folder = readSweepDirectory(directory); // what status and report read
      expect(folder.trials.map((trial) => trial.state)).toEqual(['complete', 'waiting']);

      const resumed = new JournalStorage({ directory });
      await resumed.openSweep({ definition, fingerprint });
      const claimed = await resumed.claimTrial(definition.name);
      expect(claimed?.trialId).toBe('t2');
      await resumed.finishTrial(definition.name, 't2', 1, { state: 'complete', epochs: [epoch], final: epoch });
      await resumed.close();
      expect(readJournalFile(file).trials.get('t2')?.state).toBe('complete');
    },
    120_000,
  );

  test('lines split across read chunks and a missing final newline replay like the whole text', async () => {
    const file = path.join(directory, 'journal.jsonl');
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    // Long epochs (about 1 MiB per line) so lines straddle the 4 MiB chunks.
    const big = { ...epoch, weightNorms: Object.fromEntries(Array.from({ length: 40000 }, (_, i) => [`layer_${i}/kernel`, i])) };
    for (let n = 1; n <= 9; n++) {
      await store.enqueueTrials(definition.name, [spec(n)]);
      await store.claimTrial(definition.name, { trialIds: [`t${n}`] });
      await store.finishTrial(definition.name, `t${n}`, 1, { state: 'complete', epochs: [big], final: big });
    }
    await store.close();
    const state = readJournalFile(file);
    expect(state.trials.size).toBe(9);
    expect(state.trials.get('t9')?.final?.weightNorms['layer_39999/kernel']).toBe(39999);
    expect(state.skippedLines).toBe(0);
    expect(state.tornTail).toBe(false);
  });
});

describe('item 5: definition changed names exact paths and working remedies', () => {
  test('changing only training.epochs names training.epochs, whatever the key order', () => {
    const changed = sweepDefinition({ training: { epochs: 9 } });
    // Every object's keys in reverse order, as PostgreSQL's jsonb may hand them back.
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reverseKeys) : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reverseKeys(item)])) : value;
    const shuffled = reverseKeys(changed) as typeof changed;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(changed));
    expect(changedFields(definition, shuffled)).toEqual(['training.epochs']);
    expect(changedFields(changed, shuffled)).toEqual([]);
    expect(changedFields(definition, sweepDefinition({ seeds: [11, 23] }))).toEqual(['seeds[1]']);
    expect(changedFields(definition, sweepDefinition({ training: { epochs: 3, batchSize: 8 } }))).toEqual(['training.batchSize']);
  });

  test('a folder holding another sweep name does not suggest --extend (which fails the same way)', async () => {
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.close();
    const renamed = sweepDefinition({ name: 'other-sweep' });
    for (const extend of [false, true]) {
      const other = new JournalStorage({ directory });
      const failure = other.openSweep({ definition: renamed, fingerprint: definitionFingerprint(renamed), extend });
      await expect(failure).rejects.toThrow(SweepNameMismatchError);
      await expect(failure).rejects.toThrow(/--out/);
      await expect(failure).rejects.not.toThrow(/--extend/);
    }
  });
});
