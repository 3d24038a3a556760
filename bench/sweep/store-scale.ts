/**
 * Store and report scale benchmark (issue 18, not a test). Writes synthetic sweep journals in the
 * shipped format (lib/sweep/storage/journal-format.ts) holding 1k, 10k and 100k finished trials,
 * then times the CLI as a user runs it, one child process per command:
 *   layerwise status <dir>
 *   layerwise report <dir> --format F --out <file>      for every format
 *   layerwise report <dir> --format all --out <dir> --no-tensorboard
 *   resume: what re-running `layerwise sweep` on the folder asks of the store before any trial runs
 *           (JournalStorage.openSweep with the sweep's definition, then listTrialSummaries, close)
 *   resume, before: the same open done as before the index was read at open (the whole journal
 *           replayed with every epoch: readJournalFile), for comparison
 * Each child is run under /usr/bin/time, which gives its wall time and peak resident set size.
 *
 * The trials copy the shape of a real finished trial of experiments/sweeps/moons-quick.json (a
 * 2-16-16-1 MLP: three per-layer penalties, six weight norms, train/validation/test loss and
 * accuracy per epoch); the numbers are drawn from a seeded stream, so every run writes the same
 * bytes. Each trial is written as `enqueue` + `finish` (what `layerwise merge` writes and what a
 * finished trial costs after compaction); `--with-epoch-events` adds the `claim` and per-epoch
 * lines the runner writes while a trial trains.
 *
 * Run (after `npm run build`, which the CLI children use):
 *   npm run bench:store -- [--trials 1000,10000,100000] [--epochs 5] [--timeout 120] [--dir /tmp/layerwise-store-scale]
 *                          [--formats table,json,csv,csv-configurations,md,html] [--with-epoch-events] [--no-all] [--no-resume]
 * Prints a Markdown table on stdout and writes the same rows as JSON to <dir>/results.json.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import seedrandom from 'seedrandom';
import type { EpochRecord } from '../../lib/train/record';
import type { TrialRecord } from '../../lib/sweep/record';
import { encodeEvent, JOURNAL_VERSION } from '../../lib/sweep/storage/journal-format';
import { definitionFingerprint, fromConfig, toConfig } from '../../lib/sweep/definition-config';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const SEEDS = [1, 2, 3, 4, 5];
const LAYERS = ['dense_1', 'dense_2', 'output'];

function option(name: string): string | undefined {
  const position = process.argv.indexOf(`--${name}`);
  return position >= 0 ? process.argv[position + 1] : undefined;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The moons-quick definition with a budget that yields `trials` trials over two arms and five seeds. */
function definitionFor(trials: number, epochs: number) {
  const source = JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), 'utf8'));
  source.name = `store-scale-${trials}`;
  source.budget = Math.ceil(trials / (2 * SEEDS.length));
  source.seeds = SEEDS;
  source.training.epochs = epochs;
  source.sampler = { type: 'random', seed: 0 };
  return fromConfig(source);
}

/** One epoch with the fields of a real moons-quick epoch; losses fall with the epoch and grow with the penalty. */
function syntheticEpoch(epoch: number, epochs: number, strength: number, random: () => number): EpochRecord {
  const progress = epoch / epochs;
  const noise = (scale: number) => (random() - 0.5) * scale;
  const trainLoss = 0.25 + 0.35 * (1 - progress) + 0.4 * strength + noise(0.04);
  const validationLoss = trainLoss + 0.05 + 0.3 * Math.abs(strength - 0.3) + noise(0.05);
  const testLoss = validationLoss + noise(0.05);
  const trainAccuracy = Math.min(1, 0.95 - 0.4 * trainLoss + noise(0.02));
  const testAccuracy = Math.min(1, 0.95 - 0.45 * testLoss + noise(0.02));
  const penaltyPerLayer: Record<string, number> = {};
  for (const layer of LAYERS) penaltyPerLayer[`${layer}.kernel`] = strength * (0.002 + random() * 0.01);
  const weightNorms: Record<string, number> = {};
  for (const layer of LAYERS) {
    weightNorms[`${layer}/kernel`] = 1.5 + random() * 2.5;
    weightNorms[`${layer}/bias`] = random() * 0.5;
  }
  return {
    epoch,
    train: { loss: trainLoss, accuracy: trainAccuracy },
    penalty: Object.values(penaltyPerLayer).reduce((a, b) => a + b, 0),
    penaltyPerLayer,
    weightNorms,
    validation: { loss: validationLoss, accuracy: Math.min(1, 0.95 - 0.42 * validationLoss + noise(0.02)) },
    test: { loss: testLoss, accuracy: testAccuracy },
    lossGap: testLoss - trainLoss,
    accuracyGap: trainAccuracy - testAccuracy,
    seconds: 0.2 + random() * 0.1,
    trainObjective: trainLoss + 0.01,
  } as EpochRecord;
}

/** Writes `<dir>/journal.jsonl` with `trials` finished trials; returns its size in bytes. */
export function writeSyntheticJournal(dir: string, trials: number, epochs: number, withEpochEvents: boolean): number {
  fs.mkdirSync(dir, { recursive: true });
  const definition = definitionFor(trials, epochs);
  const file = path.join(dir, 'journal.jsonl');
  const descriptor = fs.openSync(file, 'w');
  const random = seedrandom(`store-scale:${trials}`);
  const at = '2026-01-01T00:00:00.000Z';
  let buffer = encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: definition.name, definition, fingerprint: definitionFingerprint(definition), at });
  let written = 0;
  for (let index = 0; written < trials; index++) {
    for (const arm of ['uniform', 'per-layer']) {
      const params: Record<string, number> = {};
      if (arm === 'uniform') params.l2 = Math.exp(Math.log(1e-5) + random() * Math.log(1e4));
      else for (const layer of LAYERS) params[`l2.${layer}`] = Math.exp(Math.log(1e-5) + random() * Math.log(1e4));
      const strength = Object.values(params).reduce((a, b) => a + b, 0) / Object.keys(params).length / 0.1;
      const configId = hash(`${arm}:${JSON.stringify(params)}`);
      for (const seed of SEEDS) {
        if (written >= trials) break;
        const trialId = hash(`${configId}:${seed}`);
        const spec = { trialId, configId, sweepName: definition.name, arm, index, params, seed };
        const epochRecords = Array.from({ length: epochs }, (_, position) => syntheticEpoch(position + 1, epochs, strength, random));
        const record: TrialRecord = {
          ...spec,
          state: 'complete',
          attempts: 1,
          epochs: epochRecords,
          final: epochRecords[epochRecords.length - 1],
          runStatus: 'complete',
          backend: 'tensorflow',
          startedAt: at,
          finishedAt: at,
          seconds: 1.2,
        } as TrialRecord;
        buffer += encodeEvent({ op: 'enqueue', trial: spec, at });
        if (withEpochEvents) {
          buffer += encodeEvent({ op: 'claim', trialId, attempt: 1, worker: 'bench', at });
          for (const epoch of epochRecords) buffer += encodeEvent({ op: 'epoch', trialId, attempt: 1, epoch });
        }
        buffer += encodeEvent({ op: 'finish', trialId, attempt: 1, record });
        written++;
        if (buffer.length > 8 * 1024 * 1024) {
          fs.writeSync(descriptor, buffer);
          buffer = '';
        }
      }
    }
  }
  fs.writeSync(descriptor, buffer);
  fs.closeSync(descriptor);
  return fs.statSync(file).size;
}

interface Measurement {
  trials: number;
  journalBytes: number;
  command: string;
  seconds: number | null;
  /** User + system CPU seconds of the child: less sensitive than wall time to other load on the machine. */
  cpuSeconds: number | null;
  peakRssMb: number | null;
  outputBytes: number | null;
  note?: string;
}

/**
 * The resume child (plain JavaScript over dist/): opens the folder's journal as a resumed sweep
 * does, asks for every trial's summary, closes. `before` replays the whole journal instead, as
 * the store's open did before it read the index.
 */
const RESUME_SCRIPT = `
const [dir, definitionFile, mode] = process.argv.slice(1);
const dist = ${JSON.stringify(path.join(ROOT, 'dist'))};
(async () => {
  if (mode === 'before') {
    const state = require(dist + '/sweep/storage/journal-reader').readJournalFile(require('path').join(dir, 'journal.jsonl'));
    process.stdout.write(state.trials.size + ' trials\\n');
    return;
  }
  const { fromConfig, definitionFingerprint } = require(dist + '/sweep/definition-config');
  const { JournalStorage } = require(dist + '/sweep/storage/journal-storage');
  const definition = fromConfig(JSON.parse(require('fs').readFileSync(definitionFile, 'utf8')));
  const store = new JournalStorage({ directory: dir });
  await store.openSweep({ definition, fingerprint: definitionFingerprint(definition) });
  const trials = await store.listTrialSummaries(definition.name);
  await store.close();
  process.stdout.write(trials.length + ' trials\\n');
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exitCode = 1; });
`;

/** Runs the CLI with `args` under /usr/bin/time; wall seconds and peak RSS of the child. */
function measure(args: string[], timeoutSeconds: number, script: string = CLI): { seconds: number | null; cpuSeconds: number | null; peakRssMb: number | null; note?: string } {
  const result = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', 'timeout', String(timeoutSeconds), process.execPath, ...(script === RESUME_SCRIPT ? ['-e', RESUME_SCRIPT] : [script]), ...args], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, LAYERWISE_QUIET: '1' },
  });
  const match = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(result.stderr ?? '');
  const seconds = match ? Number(match[1]) : null;
  const cpuSeconds = match ? Math.round((Number(match[3]) + Number(match[4])) * 100) / 100 : null;
  const peakRssMb = match ? Math.round(Number(match[2]) / 1024) : null;
  if (result.status === 124) return { seconds: null, cpuSeconds, peakRssMb, note: `did not finish in ${timeoutSeconds} s` };
  if (result.status !== 0) return { seconds, cpuSeconds, peakRssMb, note: `exit ${result.status}: ${(result.stderr ?? '').split('\n').filter((line) => line && !line.startsWith('TIME')).slice(-2).join(' ')}` };
  return { seconds, cpuSeconds, peakRssMb };
}

/** Bytes of a file, or of the files in a folder (one level: the report formats of --format all). */
function sizeOf(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}

function main(): void {
  const loadAtStart = os.loadavg();
  const sizes = (option('trials') ?? '1000,10000,100000').split(',').map(Number);
  const epochs = Number(option('epochs') ?? 5);
  const timeoutSeconds = Number(option('timeout') ?? 120);
  const formats = (option('formats') ?? 'table,json,csv,csv-configurations,md,html').split(',');
  const root = option('dir') ?? '/tmp/layerwise-store-scale';
  const withEpochEvents = process.argv.includes('--with-epoch-events');
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const rows: Measurement[] = [];
  for (const trials of sizes) {
    const dir = path.join(root, `${trials}${withEpochEvents ? '-events' : ''}-e${epochs}`);
    const journal = path.join(dir, 'journal.jsonl');
    // The journal is deterministic, so one written by an earlier run is reused.
    const journalBytes = fs.existsSync(journal) ? fs.statSync(journal).size : writeSyntheticJournal(dir, trials, epochs, withEpochEvents);
    // The definition the journal was written with, for the resume child.
    const definitionFile = path.join(dir, 'definition.json');
    fs.writeFileSync(definitionFile, `${JSON.stringify(toConfig(definitionFor(trials, epochs)))}\n`);
    const commands: Array<{ label: string; args: string[]; output?: string; script?: string }> = [{ label: 'status', args: ['status', dir] }];
    for (const format of formats) {
      const output = path.join(dir, 'out', `report.${format}`);
      commands.push({ label: `report --format ${format}`, args: ['report', dir, '--format', format, '--out', output], output });
    }
    if (!process.argv.includes('--no-all')) {
      commands.push({ label: 'report --format all --no-tensorboard', args: ['report', dir, '--format', 'all', '--out', path.join(dir, 'out', 'all'), '--no-tensorboard'], output: path.join(dir, 'out', 'all') });
    }
    if (!process.argv.includes('--no-resume')) {
      commands.push({ label: 'resume (open through the index)', args: [dir, definitionFile, 'index'], script: RESUME_SCRIPT });
      commands.push({ label: 'resume, before (open by full replay)', args: [dir, definitionFile, 'before'], script: RESUME_SCRIPT });
    }
    for (const command of commands) {
      if (command.output) fs.rmSync(command.output, { force: true, recursive: true });
      const result = measure(command.args, timeoutSeconds, command.script);
      const outputBytes = command.output && fs.existsSync(command.output) ? sizeOf(command.output) : null;
      const row: Measurement = { trials, journalBytes, command: command.label, seconds: result.seconds, cpuSeconds: result.cpuSeconds, peakRssMb: result.peakRssMb, outputBytes };
      if (result.note) row.note = result.note;
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
  const megabytes = (bytes: number | null) => (bytes === null ? '–' : `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`);
  const lines = [`load average at start: ${loadAtStart.map((value) => value.toFixed(1)).join(', ')} on ${os.cpus().length} cores`, '', '| trials | journal | command | wall time | CPU time | peak RSS | output |', '| ---: | ---: | --- | ---: | ---: | ---: | ---: |'];
  for (const row of rows) {
    const time = row.seconds === null ? `> ${timeoutSeconds} s` : `${row.seconds.toFixed(2)} s`;
    lines.push(`| ${row.trials.toLocaleString('en-US')} | ${megabytes(row.journalBytes)} | \`${row.command}\` | ${time}${row.note && row.seconds !== null ? ` (${row.note})` : ''} | ${row.cpuSeconds === null ? '–' : `${row.cpuSeconds.toFixed(2)} s`} | ${row.peakRssMb ?? '–'} MB | ${megabytes(row.outputBytes)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) main();
