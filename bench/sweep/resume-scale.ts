/**
 * Resume cost at scale (issue 18, not a test): what re-running `layerwise sweep` costs on a folder
 * whose journal already holds thousands of finished trials, when the budget was extended so a few
 * new trials run. Writes `<dir>/journal.jsonl` with `--trials` finished trials of the moons-quick
 * sweep (random sampler, five seeds, `--epochs` epochs each, synthetic metrics in the shape of a
 * real moons-quick epoch), planned by the sweep's own proposer so the runner recognises them as
 * done, then runs, one child process each, timed by /usr/bin/time:
 *   open:  runSweep on the extended definition, stopped at its 'start' event (the store opened,
 *          every stored trial read, the first proposal made): the seconds before the first trial
 *   nothing to do: `layerwise sweep <definition.json> --out <dir> --workers 0`, the same definition
 *          re-run end to end: open, plan, find every trial done, the closing read, the report
 *          (all formats and TensorBoard logs, as the command writes by default)
 *   extend: `layerwise sweep <extended.json> --out <dir> --extend --workers 0`, the budget raised by
 *          `--extra` configurations per arm: open, run the new trials, the closing read, the report
 * each on a fresh copy of the journal and its index. /usr/bin/time gives wall time, CPU time (user +
 * system) and peak RSS; the load average is printed, since wall time on a busy machine is mostly
 * waiting. `--trials` takes a list, for the table of cost against trial count in docs/sweeps.md.
 * Run (after `npm run build`; the children use dist/):
 *   npx ts-node --transpile-only bench/sweep/resume-scale.ts [--trials 3000[,30000,...]] [--epochs 60] [--extra 1] [--pruning none|median] [--repeats 3] [--dir /tmp/layerwise-resume-scale]
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

function timed(args: string[]): { seconds: number; cpuSeconds: number; peakRssMb: number; stdout: string; status: number | null; stderr: string } {
  const result = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LAYERWISE_QUIET: '1' } });
  const match = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(result.stderr ?? '');
  return {
    seconds: match ? Number(match[1]) : NaN,
    cpuSeconds: match ? Math.round((Number(match[3]) + Number(match[4])) * 100) / 100 : NaN,
    peakRssMb: match ? Math.round(Number(match[2]) / 1024) : NaN,
    stdout: result.stdout,
    status: result.status,
    stderr: result.stderr,
  };
}

/** One measured command of the table. */
interface Row {
  trials: number;
  journalMb: number;
  command: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  load: string;
}

const loadAverage = (): string => os.loadavg().map((value) => value.toFixed(1)).join(' ');

function main(): void {
  const sizes = option('trials', '3000').split(',').map(Number);
  const epochs = Number(option('epochs', '60'));
  const extra = Number(option('extra', '1'));
  const pruning = option('pruning', 'none');
  const root = option('dir', path.join(os.tmpdir(), 'layerwise-resume-scale'));
  const repeats = Number(option('repeats', '3'));
  const rows: Row[] = [];
  for (const trials of sizes) rows.push(...measureSize(path.join(root, String(trials)), trials, epochs, extra, pruning, repeats));
  const lines = [`${os.cpus().length} cores; load average (1, 5, 15 min) at each command's start in the last column`, '', '| trials | journal | command | wall time | CPU time | peak RSS | load average |', '| ---: | ---: | --- | ---: | ---: | ---: | --- |'];
  for (const row of rows) {
    lines.push(`| ${row.trials.toLocaleString('en-US')} | ${row.journalMb.toFixed(1)} MB | ${row.command} | ${row.seconds.toFixed(2)} s | ${row.cpuSeconds.toFixed(2)} s | ${row.peakRssMb} MB | ${row.load} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
}

/** Writes the journal of `trials` finished trials under `dir` and measures the resume commands on copies of it. */
function measureSize(dir: string, trials: number, epochs: number, extra: number, pruning: string, repeats: number): Row[] {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const budget = Math.ceil(trials / (2 * SEEDS.length));
  const original = path.join(dir, 'original', 'journal.jsonl');
  fs.mkdirSync(path.dirname(original), { recursive: true });
  const written = writeJournal(original, definitionConfig(budget, epochs, pruning));
  const journalMb = written.bytes / 1024 / 1024;
  // A sweep that ran leaves the journal's index beside it (written at close): open and close the
  // store once, as that run's end would have, so the resumes below start from it.
  const indexing = timed(['-e', INDEX_SCRIPT, path.dirname(original)]);
  if (indexing.status !== 0) throw new Error(`indexing failed: ${indexing.stderr}`);
  const same = path.join(dir, 'definition.json');
  fs.writeFileSync(same, JSON.stringify(toConfig(fromConfig(definitionConfig(budget, epochs, pruning))), null, 2));
  const extended = path.join(dir, 'extended.json');
  fs.writeFileSync(extended, JSON.stringify(toConfig(fromConfig(definitionConfig(budget + extra, epochs, pruning))), null, 2));
  process.stdout.write(`journal: ${written.trials} finished trials, ${journalMb.toFixed(1)} MiB; extended budget ${budget} -> ${budget + extra} (${2 * extra * SEEDS.length} new trials); pruning ${pruning}; load ${loadAverage()}\n`);
  const fresh = (name: string): string => {
    const folder = path.join(dir, name);
    fs.rmSync(folder, { recursive: true, force: true });
    fs.mkdirSync(folder, { recursive: true });
    for (const file of fs.readdirSync(path.dirname(original))) fs.copyFileSync(path.join(path.dirname(original), file), path.join(folder, file));
    return folder;
  };
  const rows: Row[] = [];
  const note = (command: string, result: ReturnType<typeof timed>, load: string): void => {
    const row = { trials: written.trials, journalMb, command, seconds: result.seconds, cpuSeconds: result.cpuSeconds, peakRssMb: result.peakRssMb, load };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  };
  const opens: Array<{ inRunSweep: number; result: ReturnType<typeof timed>; load: string }> = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const folder = fresh(`open-${repeat}`);
    const load = loadAverage();
    const open = timed(['-e', OPEN_SCRIPT, folder, extended]);
    if (open.status !== 0) throw new Error(`open failed: ${open.stderr}`);
    opens.push({ inRunSweep: Number(open.stdout.match(/START (\S+)/)?.[1]), result: open, load });
    fs.rmSync(folder, { recursive: true, force: true });
  }
  const median = opens.sort((a, b) => a.result.cpuSeconds - b.result.cpuSeconds)[Math.floor(opens.length / 2)];
  note(`open to the first trial (runSweep to its 'start' event; median CPU of ${repeats}; ${median.inRunSweep.toFixed(2)} s inside runSweep)`, median.result, median.load);
  const cli = path.join(DIST, 'cli', 'main.js');
  for (const [label, definitionFile, flags] of [
    ['`layerwise sweep` again, nothing to do: open, plan, closing read, report (all formats, TensorBoard)', same, []],
    [`\`layerwise sweep --extend\`, ${2 * extra * SEEDS.length} new trials: open, run them, closing read, report`, extended, ['--extend']],
  ] as Array<[string, string, string[]]>) {
    const folder = fresh(flags.length > 0 ? 'extend' : 'again');
    const load = loadAverage();
    const result = timed([cli, 'sweep', definitionFile, '--out', folder, ...flags, '--workers', '0', '--quiet']);
    if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
    if (!fs.existsSync(path.join(folder, 'report', 'report.json'))) throw new Error(`${label}: no report written in ${folder}/report`);
    note(label, result, load);
    fs.rmSync(folder, { recursive: true, force: true });
  }
  return rows;
}

main();
