/**
 * Resume cost at scale (issue 18, not a test): what re-running `layerwise sweep` costs on a folder
 * whose journal already holds thousands of finished trials, when the budget was extended so a few
 * new trials run. Writes `<dir>/journal.jsonl` with `--trials` finished trials of the moons-quick
 * sweep (random sampler, five seeds, `--epochs` epochs each, synthetic metrics in the shape of a
 * real moons-quick epoch), planned by the sweep's own proposer so the runner recognises them as
 * done, then runs, one child process each, timed by /usr/bin/time:
 *   open:  runSweep on the extended definition, stopped at its 'start' event (the store opened,
 *          every stored trial read, the first proposal made): the seconds before the first trial
 *   sweep: `layerwise sweep <extended.json> --out <dir> --extend --workers 0 --no-report`, the whole
 *          re-run (open, the new trials, the closing read), on a fresh copy of the journal
 * Run (after `npm run build`; the children use dist/):
 *   npx ts-node --transpile-only bench/sweep/resume-scale.ts [--trials 3000] [--epochs 60] [--extra 1] [--pruning none|median] [--repeats 3] [--dir /tmp/layerwise-resume-scale]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import seedrandom from 'seedrandom';
import { definitionFingerprint, fromConfig, toConfig } from '../../lib/sweep/definition-config';
import { createSampler } from '../../lib/sweep/samplers';
import { SamplerProposer } from '../../lib/sweep/loop/sampler-proposer';
import { LoopView } from '../../lib/sweep/loop/view';
import type { TrialRecord } from '../../lib/sweep/record';
import { encodeEvent, JOURNAL_VERSION } from '../../lib/sweep/storage/journal-format';
import type { EpochRecord } from '../../lib/train/record';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const SEEDS = [1, 2, 3, 4, 5];
const LAYERS = ['dense_1', 'dense_2', 'output'];

function option(name: string, fallback: string): string {
  const position = process.argv.indexOf(`--${name}`);
  return position >= 0 ? process.argv[position + 1] : fallback;
}

function definitionConfig(budget: number, epochs: number, pruning: string): Record<string, unknown> {
  const source = JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), 'utf8'));
  source.name = 'resume-scale';
  source.budget = budget;
  source.seeds = SEEDS;
  source.training.epochs = epochs;
  source.sampler = { type: 'random', seed: 0 };
  source.execution = { backend: 'cpu' };
  if (pruning === 'median') source.pruning = { type: 'median', startupTrials: 5, warmupEpochs: 5 };
  return source;
}

function syntheticEpoch(epoch: number, epochs: number, strength: number, random: () => number): EpochRecord {
  const progress = epoch / epochs;
  const noise = (scale: number): number => (random() - 0.5) * scale;
  const trainLoss = 0.25 + 0.35 * (1 - progress) + 0.4 * strength + noise(0.04);
  const validationLoss = trainLoss + 0.05 + 0.3 * Math.abs(strength - 0.3) + noise(0.05);
  const penaltyPerLayer: Record<string, number> = {};
  for (const layer of LAYERS) penaltyPerLayer[`${layer}.kernel`] = strength * (0.002 + random() * 0.01);
  const weightNorms: Record<string, number> = {};
  for (const layer of LAYERS) {
    weightNorms[`${layer}/kernel`] = 1.5 + random() * 2.5;
    weightNorms[`${layer}/bias`] = random() * 0.5;
  }
  return {
    epoch,
    train: { loss: trainLoss, accuracy: Math.min(1, 0.95 - 0.4 * trainLoss + noise(0.02)) },
    validation: { loss: validationLoss, accuracy: Math.min(1, 0.95 - 0.45 * validationLoss + noise(0.02)) },
    test: { loss: validationLoss + noise(0.05), accuracy: Math.min(1, 0.95 - 0.45 * validationLoss + noise(0.02)) },
    penalty: Object.values(penaltyPerLayer).reduce((a, b) => a + b, 0),
    penaltyPerLayer,
    weightNorms,
    learningRate: 0.01,
    seconds: 0.2 + random() * 0.1,
  } as EpochRecord;
}

/** Writes the journal of `budget` configurations × arms × seeds, all finished; returns its bytes. */
function writeJournal(file: string, config: Record<string, unknown>): { bytes: number; trials: number } {
  const definition = fromConfig(config);
  const epochs = definition.training.epochs as number;
  const view = new LoopView(definition);
  const proposer = new SamplerProposer({ definition, sampler: createSampler(definition.sampler) });
  const random = seedrandom('resume-scale');
  const at = '2026-01-01T00:00:00.000Z';
  const descriptor = fs.openSync(file, 'w');
  let buffer = encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: definition.name, definition, fingerprint: definitionFingerprint(definition), at });
  let trials = 0;
  for (;;) {
    const proposal = proposer.next(view);
    if (proposal.done || proposal.trials.length === 0) break;
    for (const spec of proposal.trials) {
      const values = Object.values(spec.params).map(Number);
      const strength = values.reduce((a, b) => a + b, 0) / values.length / 0.1;
      const epochRecords = Array.from({ length: epochs }, (_, position) => syntheticEpoch(position + 1, epochs, strength, random));
      const record = { ...spec, state: 'complete', attempts: 1, epochs: epochRecords, final: epochRecords[epochs - 1], runStatus: 'complete', backend: 'cpu', startedAt: at, finishedAt: at, seconds: 1.2 } as TrialRecord;
      buffer += encodeEvent({ op: 'enqueue', trial: spec, at });
      buffer += encodeEvent({ op: 'finish', trialId: spec.trialId, attempt: 1, record });
      view.see(record);
      trials++;
      if (buffer.length > 8 * 1024 * 1024) {
        fs.writeSync(descriptor, buffer);
        buffer = '';
      }
    }
  }
  fs.writeSync(descriptor, buffer);
  fs.closeSync(descriptor);
  return { bytes: fs.statSync(file).size, trials };
}

/** Opens and closes the folder's journal store (which writes its index). */
const INDEX_SCRIPT = `
const dist = ${JSON.stringify(DIST)};
const { JournalStorage } = require(dist + '/sweep/storage/journal-storage');
const { readJournalSummary } = require(dist + '/sweep/storage/journal-index');
const store = new JournalStorage({ directory: process.argv[1] });
const { definition, fingerprint } = readJournalSummary(store.file, { updateIndex: false }).state.sweep;
store.openSweep({ definition, fingerprint }).then(() => store.close());
`;

/** Opens the folder as \`layerwise sweep\` does and stops at the 'start' event. */
const OPEN_SCRIPT = `
const [dir, definitionFile] = process.argv.slice(1);
const dist = ${JSON.stringify(DIST)};
const { fromConfig } = require(dist + '/sweep/definition-config');
const { runSweep } = require(dist + '/sweep/runner');
const definition = fromConfig(JSON.parse(require('fs').readFileSync(definitionFile, 'utf8')));
const controller = new AbortController();
const started = Date.now();
runSweep({ definition, directory: dir, workers: 0, extend: true, signal: controller.signal, onEvent: (event) => {
  if (event.type === 'start') { process.stdout.write('START ' + ((Date.now() - started) / 1000).toFixed(2) + ' ' + event.alreadyFinished + '/' + event.total + '\\n'); controller.abort(); }
} }).then(() => process.stdout.write('END ' + ((Date.now() - started) / 1000).toFixed(2) + '\\n'), (error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exitCode = 1; });
`;

function timed(args: string[]): { seconds: number; peakRssMb: number; stdout: string; status: number | null; stderr: string } {
  const result = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LAYERWISE_QUIET: '1' } });
  const match = /TIME ([\d.]+) (\d+)/.exec(result.stderr ?? '');
  return { seconds: match ? Number(match[1]) : NaN, peakRssMb: match ? Math.round(Number(match[2]) / 1024) : NaN, stdout: result.stdout, status: result.status, stderr: result.stderr };
}

function main(): void {
  const trials = Number(option('trials', '3000'));
  const epochs = Number(option('epochs', '60'));
  const extra = Number(option('extra', '1'));
  const pruning = option('pruning', 'none');
  const dir = option('dir', path.join(os.tmpdir(), 'layerwise-resume-scale'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const budget = Math.ceil(trials / (2 * SEEDS.length));
  const original = path.join(dir, 'original', 'journal.jsonl');
  fs.mkdirSync(path.dirname(original), { recursive: true });
  const written = writeJournal(original, definitionConfig(budget, epochs, pruning));
  // A sweep that ran leaves the journal's index beside it (written at close): open and close the
  // store once, as that run's end would have, so the resumes below start from it.
  const indexing = timed(['-e', INDEX_SCRIPT, path.dirname(original)]);
  if (indexing.status !== 0) throw new Error(`indexing failed: ${indexing.stderr}`);
  const extended = path.join(dir, 'extended.json');
  fs.writeFileSync(extended, JSON.stringify(toConfig(fromConfig(definitionConfig(budget + extra, epochs, pruning))), null, 2));
  process.stdout.write(`journal: ${written.trials} finished trials, ${(written.bytes / 1024 / 1024).toFixed(1)} MiB; extended budget ${budget} -> ${budget + extra} (${2 * extra * SEEDS.length} new trials); pruning ${pruning}; load ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}\n`);
  const fresh = (name: string): string => {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder, { recursive: true });
    for (const file of fs.readdirSync(path.dirname(original))) fs.copyFileSync(path.join(path.dirname(original), file), path.join(folder, file));
    return folder;
  };
  const repeats = Number(option('repeats', '3'));
  const opens: Array<{ inRunSweep: number; wall: number; rss: number; finished: string }> = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const open = timed(['-e', OPEN_SCRIPT, fresh(`open-${repeat}`), extended]);
    if (open.status !== 0) throw new Error(`open failed: ${open.stderr}`);
    opens.push({ inRunSweep: Number(open.stdout.match(/START (\S+)/)?.[1]), wall: open.seconds, rss: open.peakRssMb, finished: open.stdout.match(/START \S+ (\S+)/)?.[1] ?? '?' });
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  process.stdout.write(
    `open (to the first trial), median of ${repeats}: ${median(opens.map((open) => open.inRunSweep)).toFixed(2)} s in runSweep (runs: ${opens.map((open) => open.inRunSweep.toFixed(2)).join(', ')}), ` +
      `${median(opens.map((open) => open.wall))} s process wall, ${median(opens.map((open) => open.rss))} MB peak RSS (${opens[0].finished} finished)\n`,
  );
  const sweep = timed([path.join(DIST, 'cli', 'main.js'), 'sweep', extended, '--out', fresh('sweep'), '--extend', '--workers', '0', '--no-report', '--quiet']);
  if (sweep.status !== 0) throw new Error(`sweep failed: ${sweep.stderr}`);
  process.stdout.write(`layerwise sweep --extend (whole re-run, ${2 * extra * SEEDS.length} new trials): ${sweep.seconds} s wall, ${sweep.peakRssMb} MB peak RSS\n`);
}

main();
