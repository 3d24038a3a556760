/**
 * Issue 15, item 9, at the sweep level: a diverged trial's record says why (in `error`), a trial
 * whose loss sits at the cross-entropy clip ceiling is flagged in its record, and `status` shows both.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSweep, resultOfOutcome } from '../../lib/sweep/runner';
import { JournalStorage } from '../../lib/sweep/storage/journal-storage';
import { readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
import { definitionFingerprint } from '../../lib/sweep/definition-config';
import { formatStatus, sweepStatus } from '../../lib/cli/status';
import type { EpochRecord } from '../../lib/train/record';
import { FIXTURE_OBJECTIVES, sweepDefinition } from './fixtures/definitions';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-divergence-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

const saturated: EpochRecord = { epoch: 5, train: { loss: 8.03, accuracy: 0.5 }, validation: { loss: 8.06, accuracy: 0.5 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };

test('every diverged trial records a text reason; status lists it', async () => {
  const definition = sweepDefinition({ budget: 2, seeds: [1], training: { epochs: 3, divergeIndex: 0 } });
  const summary = await runSweep({ definition, directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  const diverged = summary.records.filter((record) => record.state === 'diverged');
  expect(diverged).toHaveLength(2);
  for (const record of diverged) expect(record.error).toBe('train loss became NaN at epoch 2 (learning rate too high, or penalties too large)');
  const text = formatStatus(sweepStatus(readSweepDirectory(directory)));
  expect(text).toMatch(/diverged [0-9a-f]{12}: train loss became NaN at epoch 2/);
});

test('a trial at the clip ceiling stays complete but is flagged in the record, and status counts it', async () => {
  const result = resultOfOutcome({ status: 'complete', epochs: [saturated], final: saturated }, false, 1);
  expect(result.state).toBe('complete');
  const definition = sweepDefinition();
  const store = new JournalStorage({ directory });
  await store.openSweep({ definition, fingerprint: definitionFingerprint(definition) });
  const spec = { trialId: 't1', configId: 'c1', sweepName: definition.name, arm: 'uniform', index: 0, params: { l2: 1e-3 }, seed: 11 };
  await store.enqueueTrials(definition.name, [spec, { ...spec, trialId: 't2', configId: 'c2', index: 1 }]);
  await store.claimTrial(definition.name, { trialIds: ['t1'] });
  const record = await store.finishTrial(definition.name, 't1', 1, result);
  const healthy = { ...saturated, train: { loss: 0.2, accuracy: 0.93 }, validation: { loss: 0.25, accuracy: 0.9 } };
  await store.claimTrial(definition.name, { trialIds: ['t2'] });
  const other = await store.finishTrial(definition.name, 't2', 1, { state: 'complete', epochs: [healthy], final: healthy });
  await store.close();
  expect(record.lossAtClipCeiling).toBe(true);
  expect(other.lossAtClipCeiling).toBeUndefined();
  // Durable: the flag is in the journal line.
  expect(readSweepDirectory(directory).trials.find((trial) => trial.trialId === 't1')?.lossAtClipCeiling).toBe(true);
  const status = sweepStatus(readSweepDirectory(directory));
  expect(status.arms.find((arm) => arm.arm === 'uniform')?.atClipCeiling).toBe(1);
  expect(formatStatus(status)).toContain('1 finished trial(s) with loss at the cross-entropy clip ceiling');
});

test('report names the trials at the clip ceiling (not the diverged ones)', async () => {
  const { Command } = await import('commander');
  const { registerReportCommand } = await import('../../lib/cli/report');
  const { realisticSweep } = await import('../report/fixtures');
  const records = realisticSweep();
  records[0] = { ...records[0], final: saturated, epochs: [saturated] };
  records[1] = { ...records[1], state: 'diverged', final: saturated, epochs: [saturated] };
  const notes: string[] = [];
  const program = new Command().exitOverride();
  registerReportCommand(program, { loadTrials: async () => records, write: () => undefined, writeError: (text) => void notes.push(text) });
  await program.parseAsync(['report', directory, '--format', 'json', '--bootstrap', '100'], { from: 'user' });
  const note = notes.find((text) => text.includes('clip ceiling'));
  expect(note).toContain(`report: 1 trial(s) have a final loss at the cross-entropy clip ceiling`);
  expect(note).toContain(`${records[0].arm}#${records[0].index} seed ${records[0].seed}`);
});
