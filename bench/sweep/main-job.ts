/**
 * `npm run bench:sweep`: layerwise's main job side by side with the usual Python way (issues 13, 16).
 * Each sweep is run by the layerwise CLI (`node dist/cli/main.js sweep DEF --workers 2`, as the
 * README does) and by Optuna (TPE, one JournalStorage file, one process per arm, both at once) +
 * Keras 3 `fit` (bench/sweep/optuna_keras.py), in the same run; wall time from process start to exit
 * on both sides (startup and imports included: that is what a user waits for).
 *
 * Sweeps:
 *   readme  experiments/sweeps/moons-quick.json: 2 arms x 6 configurations x 3 seeds = 36 trainings
 *           of the 2-16-16-1 MLP, 60 epochs, batch 32.
 *   mid     bench/sweep/mid-size.json: a 20-64-32-16-3 MLP on a generated 1,500-row, 20-feature,
 *           3-class CSV (`data.csv`; the same file to both sides), 40 epochs, batch 64, TPE,
 *           2 arms x 8 configurations x 3 seeds = 48 trainings. The Optuna + Keras side's arguments
 *           are read from the same definition file.
 *
 * The layerwise side runs twice per repeat, as a user's first and second runs of a sweep: `first
 * run` with an empty per-machine measurement cache (LAYERWISE_MEASUREMENT_CACHE pointed at a fresh
 * file: `auto` times the backends), then `cached` with the measurement the first run stored (the
 * journal says "measuredAt"; nothing is timed). Both ratios are printed.
 *
 * Options:
 *   --only readme|mid   one sweep (default both)
 *   --repeats N         run each side N times, alternating which goes first (default 1)
 *   --report            let the layerwise CLI write its report too (default --no-report: Optuna writes none)
 *   --out FILE          JSON output (default runs/bench-sweep-<timestamp>.json)
 * Environment: LAYERWISE_PYTHON (default .venv/bin/python); LAYERWISE_BACKEND is passed through to
 * the CLI; BENCH_TF_THREADS (Keras processes' TensorFlow threads, default 1 each).
 * Needs `npm run build` first (the npm script does it). Prints a table; writes JSON.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from '../stats';
import { classificationCsv } from './class-csv';

const ROOT = path.resolve(__dirname, '..', '..');

/** One side's timing of one sweep. */
interface SideRun {
  seconds: number;
  /** Finished trainings (layerwise: complete trials in the journal; Optuna: Keras fits). */
  trainings: number;
  /** layerwise: backends named by the journal's records, with counts. */
  backends?: Record<string, number>;
  /** layerwise: trial states in the journal, with counts. */
  states?: Record<string, number>;
  /** layerwise: median of the records' `seconds` (one trial's wall time in its worker). */
  medianTrialSeconds?: number;
  /** layerwise: how `auto` decided, from the journal's backend choice: 'measured' now, 'cached' (an earlier measurement reused), or forced. */
  measurement?: 'measured' | 'cached' | 'forced';
  /** Optuna: what each arm's process printed. */
  arms?: Array<Record<string, unknown>>;
  error?: string;
}

/** What both sides are given for one sweep. */
interface SweepCase {
  id: 'readme' | 'mid';
  description: string;
  /** Path of the layerwise definition JSON. */
  definition: string;
  /** Extra CLI arguments. */
  cliArguments: string[];
  /** Arguments of optuna_keras.py shared by both arms. */
  optunaArguments: string[];
  trialsPerArm: number;
  seeds: number[];
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env: { TF_CPP_MIN_LOG_LEVEL: '2', ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20000)));
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: `${stderr}\n${error.message}`, seconds: 0 }));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

function lastErrorLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('at '));
  return lines.find((line) => /Error|error:/.test(line)) ?? lines.pop() ?? 'no output';
}

/** Counts of finished trials' states and backends in a layerwise journal (JSON Lines; `finish` events hold the final record). */
export function summarizeJournal(text: string): {
  states: Record<string, number>;
  backends: Record<string, number>;
  complete: number;
  medianTrialSeconds?: number;
  measurement?: 'measured' | 'cached' | 'forced';
} {
  const states: Record<string, number> = {};
  const backends: Record<string, number> = {};
  const trialSeconds: number[] = [];
  let measurement: 'measured' | 'cached' | 'forced' | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: { op?: string; record?: { state?: string; backend?: string; seconds?: number }; choice?: { selection?: string; measuredAt?: string } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue;
    }
    if (event.op === 'backend' && event.choice !== undefined) {
      measurement = event.choice.measuredAt !== undefined ? 'cached' : event.choice.selection === 'measured' || event.choice.selection === 'only-available' ? 'measured' : 'forced';
      continue;
    }
    if (event.op !== 'finish' || event.record === undefined) continue;
    const state = event.record.state ?? 'unknown';
    states[state] = (states[state] ?? 0) + 1;
    const backend = event.record.backend ?? 'unrecorded';
    backends[backend] = (backends[backend] ?? 0) + 1;
    if (typeof event.record.seconds === 'number') trialSeconds.push(event.record.seconds);
  }
  const summary = { states, backends, complete: states.complete ?? 0, ...(measurement !== undefined ? { measurement } : {}) };
  return trialSeconds.length > 0 ? { ...summary, medianTrialSeconds: median(trialSeconds) } : summary;
}

/**
 * One layerwise run of the sweep into a fresh folder. `cacheFile`: the per-machine measurement
 * cache it uses (an empty one makes `auto` measure, as on a user's first run).
 */
async function runLayerwise(sweep: SweepCase, workDirectory: string, withReport: boolean, cacheFile: string): Promise<SideRun> {
  const out = fs.mkdtempSync(path.join(workDirectory, `layerwise-${sweep.id}-`));
  const args = [path.join(ROOT, 'dist', 'cli', 'main.js'), 'sweep', sweep.definition, '--out', out, '--workers', '2', '--quiet', ...sweep.cliArguments];
  if (!withReport) args.push('--no-report');
  const result = await run(process.execPath, args, { ...process.env, LAYERWISE_MEASUREMENT_CACHE: cacheFile });
  const journal = path.join(out, 'journal.jsonl');
  const summary = fs.existsSync(journal) ? summarizeJournal(fs.readFileSync(journal, 'utf8')) : undefined;
  const side: SideRun = {
    seconds: result.seconds,
    trainings: summary?.complete ?? 0,
    backends: summary?.backends,
    states: summary?.states,
    medianTrialSeconds: summary?.medianTrialSeconds,
    measurement: summary?.measurement,
  };
  if (result.code !== 0) side.error = `layerwise exited ${String(result.code)}: ${lastErrorLine(result.stderr)}`;
  return side;
}

function pythonExecutable(): string {
  if (process.env.LAYERWISE_PYTHON) return process.env.LAYERWISE_PYTHON;
  const venv = path.join(ROOT, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

async function runOptuna(sweep: SweepCase, workDirectory: string): Promise<SideRun> {
  const journal = path.join(fs.mkdtempSync(path.join(workDirectory, `optuna-${sweep.id}-`)), 'journal.log');
  const script = path.join(__dirname, 'optuna_keras.py');
  const started = process.hrtime.bigint();
  const arms = await Promise.all(
    (['uniform', 'per-layer'] as const).map((arm) =>
      run(pythonExecutable(), [script, '--journal', journal, '--study', `${sweep.id}-${arm}`, '--arm', arm, '--trials', String(sweep.trialsPerArm), '--seeds', sweep.seeds.join(','), ...sweep.optunaArguments]),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const side: SideRun = { seconds, trainings: 0, arms: [] };
  for (const arm of arms) {
    const line = arm.stdout.trim().split('\n').pop() ?? '';
    if (arm.code !== 0 || !line.startsWith('{')) {
      side.error = `optuna_keras.py exited ${String(arm.code)}: ${lastErrorLine(arm.stderr)}`;
      continue;
    }
    const parsed = JSON.parse(line) as Record<string, unknown>;
    side.arms?.push(parsed);
    side.trainings += Number(parsed.trainings);
  }
  return side;
}

/** The fields of bench/sweep/mid-size.json the Optuna + Keras side reads. */
interface MidDefinition {
  model: { inputSize: number; hidden: number[]; outputSize: number };
  data: { csv: { path: string; target: string }; split: { validation: number; test: number; seed: number }; standardize?: boolean };
  training: { epochs: number; batchSize: number; optimizer: { learningRate: number } };
  arms: Array<{ name: string; penalties: { l2: { low: number; high: number } } }>;
  budget: number;
  seeds: number[];
}

/**
 * optuna_keras.py's arguments for a definition: the same architecture, split, standardization,
 * epochs, batch, learning rate and L2 range, so the peer trains what the definition says. Refuses a
 * definition whose arms search different ranges (the peer takes one range for both arms).
 */
export function optunaArgumentsOf(definition: MidDefinition, csv: string): string[] {
  const ranges = new Set(definition.arms.map((arm) => `${arm.penalties.l2.low}:${arm.penalties.l2.high}`));
  if (ranges.size !== 1) throw new Error(`bench:sweep: the arms of the mid-size definition search different L2 ranges (${[...ranges].join(', ')}); optuna_keras.py takes one`);
  const { l2 } = definition.arms[0].penalties;
  return [
    '--data', `csv:${csv}`,
    '--validation', String(definition.data.split.validation),
    '--test', String(definition.data.split.test),
    '--split-seed', String(definition.data.split.seed),
    ...(definition.data.standardize === true ? ['--standardize'] : []),
    '--hidden', definition.model.hidden.join(','),
    '--outputs', String(definition.model.outputSize),
    '--epochs', String(definition.training.epochs),
    '--batch', String(definition.training.batchSize),
    '--lr', String(definition.training.optimizer.learningRate),
    '--low', String(l2.low),
    '--high', String(l2.high),
  ];
}

/** The two sweeps, with the mid-size one's CSV and a copy of its definition (bench/sweep/mid-size.json) written into `workDirectory`. */
function sweepCases(workDirectory: string): SweepCase[] {
  const readmeDefinition = path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json');
  const readme = JSON.parse(fs.readFileSync(readmeDefinition, 'utf8')) as { budget: number; seeds: number[] };
  const readmeCase: SweepCase = {
    id: 'readme',
    description: "README sweep: moons-quick.json, 2-16-16-1 MLP, 300 moons points (validation 0.3, test 0.3), 60 epochs, batch 32, Adam 0.01, L2 log-uniform [1e-5, 0.1]",
    definition: readmeDefinition,
    cliArguments: [],
    optunaArguments: ['--data', 'moons:samples=300,noise=0.3,seed=7', '--validation', '0.3', '--test', '0.3', '--split-seed', '0', '--hidden', '16,16', '--outputs', '1', '--epochs', '60', '--batch', '32', '--lr', '0.01', '--low', '1e-5', '--high', '1e-1'],
    trialsPerArm: readme.budget,
    seeds: readme.seeds,
  };

  // The committed definition names its CSV relative to its own folder; the CSV is generated (the
  // same bytes every run) next to an unchanged copy of it, so both sides read one file.
  const midSource = path.join(__dirname, 'mid-size.json');
  const mid = JSON.parse(fs.readFileSync(midSource, 'utf8')) as MidDefinition;
  const csv = path.join(workDirectory, mid.data.csv.path);
  fs.writeFileSync(csv, classificationCsv({ rows: 1500, features: 20, classes: 3, seed: 20 }));
  const definitionPath = path.join(workDirectory, path.basename(midSource));
  fs.copyFileSync(midSource, definitionPath);
  const midCase: SweepCase = {
    id: 'mid',
    description: `mid-size (bench/sweep/mid-size.json): ${mid.model.inputSize}-${mid.model.hidden.join('-')}-${mid.model.outputSize} MLP, generated CSV 1,500 x 20, 3 classes (validation ${mid.data.split.validation}, test ${mid.data.split.test}${mid.data.standardize ? ', standardized on train' : ''}), ${mid.training.epochs} epochs, batch ${mid.training.batchSize}, Adam ${mid.training.optimizer.learningRate}, L2 log-uniform [${mid.arms[0].penalties.l2.low}, ${mid.arms[0].penalties.l2.high}]`,
    definition: definitionPath,
    cliArguments: [],
    optunaArguments: optunaArgumentsOf(mid, csv),
    trialsPerArm: mid.budget,
    seeds: mid.seeds,
  };
  return [readmeCase, midCase];
}

interface Options {
  only?: 'readme' | 'mid';
  repeats: number;
  report: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const options: Options = { repeats: 1, report: false, out: path.join(ROOT, 'runs', `bench-sweep-${stamp}.json`) };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--only') {
      const only = value();
      if (only !== 'readme' && only !== 'mid') throw new Error(`--only: "${only}" is not one of readme, mid`);
      options.only = only;
    } else if (argument === '--repeats') {
      options.repeats = Number(value());
      if (!Number.isInteger(options.repeats) || options.repeats < 1) throw new Error('--repeats: expected an integer >= 1');
    } else if (argument === '--report') options.report = true;
    else if (argument === '--out') options.out = path.resolve(value());
    else throw new Error(`unknown argument ${JSON.stringify(argument)}; allowed: --only readme|mid, --repeats N, --report, --out FILE`);
  }
  return options;
}

function counts(record: Record<string, number> | undefined): string {
  return record === undefined ? '?' : Object.entries(record).map(([key, count]) => `${key} ${count}`).join(', ');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-sweep-'));
  const results: Array<Record<string, unknown>> = [];
  const lines: string[] = [];
  try {
    for (const sweep of sweepCases(workDirectory).filter((candidate) => options.only === undefined || candidate.id === options.only)) {
      // Per repeat: a user's first run (empty measurement cache: `auto` measures) and second run (the cached measurement).
      const firstRuns: SideRun[] = [];
      const cachedRuns: SideRun[] = [];
      const optunaRuns: SideRun[] = [];
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        const cacheFile = path.join(workDirectory, `measurements-${sweep.id}-${repeat}.json`);
        const layerwiseFirst = repeat % 2 === 0;
        for (const side of layerwiseFirst ? ['layerwise', 'optuna'] : ['optuna', 'layerwise']) {
          if (side === 'layerwise') {
            process.stderr.write(`bench:sweep ${sweep.id} repeat ${repeat + 1}/${options.repeats}: layerwise, first run (measures)\n`);
            firstRuns.push(await runLayerwise(sweep, workDirectory, options.report, cacheFile));
            process.stderr.write(`bench:sweep ${sweep.id} repeat ${repeat + 1}/${options.repeats}: layerwise, second run (cached measurement)\n`);
            cachedRuns.push(await runLayerwise(sweep, workDirectory, options.report, cacheFile));
          } else {
            process.stderr.write(`bench:sweep ${sweep.id} repeat ${repeat + 1}/${options.repeats}: optuna\n`);
            optunaRuns.push(await runOptuna(sweep, workDirectory));
          }
        }
      }
      const good = (runs: SideRun[]) => runs.filter((side) => side.error === undefined).map((side) => side.seconds);
      const medianOf = (runs: SideRun[]): number | undefined => (good(runs).length > 0 ? median(good(runs)) : undefined);
      const optunaSeconds = medianOf(optunaRuns);
      const ratioOf = (seconds: number | undefined): number | undefined => (seconds !== undefined && optunaSeconds !== undefined ? optunaSeconds / seconds : undefined);
      const firstSeconds = medianOf(firstRuns);
      const cachedSeconds = medianOf(cachedRuns);
      results.push({
        sweep: sweep.id,
        description: sweep.description,
        layerwiseSeconds: firstSeconds,
        layerwiseCachedSeconds: cachedSeconds,
        optunaKerasSeconds: optunaSeconds,
        ratio: ratioOf(firstSeconds),
        ratioCached: ratioOf(cachedSeconds),
        layerwise: firstRuns,
        layerwiseCached: cachedRuns,
        optunaKeras: optunaRuns,
      });
      for (const [label, runs, seconds] of [
        ['first run', firstRuns, firstSeconds],
        ['cached', cachedRuns, cachedSeconds],
      ] as const) {
        const last = runs[runs.length - 1];
        const ratio = ratioOf(seconds);
        lines.push(
          `| ${sweep.id}, ${label} | ${seconds?.toFixed(1) ?? `- (${last.error ?? '?'})`} | ${optunaSeconds?.toFixed(1) ?? `- (${optunaRuns[0]?.error ?? '?'})`} | ${ratio === undefined ? '' : `${ratio.toFixed(1)}x`} | ` +
            `${last.trainings} (${counts(last.states)}) | ${counts(last.backends)} (${last.measurement ?? '?'}) | ${last.medianTrialSeconds?.toFixed(2) ?? '?'} | ${optunaRuns[optunaRuns.length - 1]?.trainings ?? '?'} |`,
        );
      }
    }
  } finally {
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }
  const document = {
    command: `npm run bench:sweep${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() },
    layerwiseBackendEnvironment: process.env.LAYERWISE_BACKEND ?? null,
    kerasThreadsPerProcess: Number(process.env.BENCH_TF_THREADS ?? 1),
    repeats: options.repeats,
    results,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(
    [
      '| sweep, layerwise run | layerwise s | Optuna + Keras s | Optuna+Keras / layerwise | layerwise trials (states) | layerwise backend (journal; auto measured or cached) | layerwise s/trial (median) | Keras trainings |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...lines,
      '',
      `load average at the end: ${os.loadavg().map((value) => value.toFixed(1)).join(', ')}`,
      `JSON: ${path.relative(process.cwd(), options.out)}`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:sweep failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
