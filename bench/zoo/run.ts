/**
 * The model zoo benchmark (`npm run bench -- --suite zoo`, issue 16): every zoo model trained by
 * layerwise `train` (one worker process per backend and model) and by Keras `fit` (one Python
 * process per model), interleaved: both processes start, warm up, then take turns one repeat at a
 * time (the order alternates each repeat), so a load change on the machine hits both sides alike.
 * Throughput is the median over repeats; peak RSS is each process's own (one model per process).
 *
 * Options (after `--suite zoo`):
 *   --models LIST   comma list of zoo ids (default all; see bench/zoo/models.ts)
 *   --repeats N     timed repeats per participant (default 5, quick 3)
 *   --quick         a quarter of the samples, 3 repeats (< 3 min on 2 idle cores)
 *   --no-cpu        skip the pure-JS rows
 *   --out FILE      JSON output (default runs/bench-zoo-<timestamp>.json)
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { ZOO_MODELS, ZooModel, zooModel } from './models';
import { addKerasRatios, geometricMeanCpuRatio, geometricMeanRatio, renderZooTable, throughput, ZooRow } from './summary';

interface ZooOptions {
  out: string;
  models: ZooModel[];
  repeats: number;
  quick: boolean;
  cpu: boolean;
}

const SEED = 1234;

function parseZooOptions(argv: string[], root: string): ZooOptions {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const options: ZooOptions = { out: path.join(root, 'runs', `bench-zoo-${stamp}.json`), models: [...ZOO_MODELS], repeats: 0, quick: false, cpu: true };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--out') options.out = path.resolve(value());
    else if (argument === '--models') options.models = value().split(',').map((id) => zooModel(id.trim()));
    else if (argument === '--repeats') {
      const repeats = Number(value());
      if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats: expected an integer >= 1');
      options.repeats = repeats;
    } else if (argument === '--quick') options.quick = true;
    else if (argument === '--no-cpu') options.cpu = false;
    else if (argument === '--suite') value();
    else throw new Error(`unknown argument ${JSON.stringify(argument)} for --suite zoo; allowed: --models LIST, --repeats N, --quick, --no-cpu, --out FILE`);
  }
  if (options.repeats === 0) options.repeats = options.quick ? 3 : 5;
  return options;
}

/** A long-lived measuring process (layerwise worker or Keras peer) speaking the ZOO_* line protocol. */
class Participant {
  readonly lines: AsyncIterableIterator<string>;
  private stderr = '';

  constructor(readonly label: string, private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
  }

  /** Waits for the next line starting with `prefix` (other stdout lines are skipped); rejects when the process ends first. */
  async expect(prefix: string): Promise<Record<string, unknown>> {
    for (;;) {
      const next = await this.lines.next();
      if (next.done) {
        // The first line naming an error (a stack's message line, not its `at ...` frames).
        const reason = this.stderr.split('\n').find((line) => /Error|failed/.test(line) && !/^\s+at /.test(line)) ?? this.stderr.trim().split('\n').pop() ?? 'no output';
        throw new Error(`${this.label} ended before ${prefix.trim()}: ${reason.trim()}`);
      }
      if (next.value.startsWith(prefix)) return JSON.parse(next.value.slice(prefix.length)) as Record<string, unknown>;
    }
  }

  send(command: string): void {
    this.child.stdin.write(`${command}\n`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

function pythonExecutable(root: string): string {
  if (process.env.LAYERWISE_PYTHON) return process.env.LAYERWISE_PYTHON;
  const venv = path.join(root, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

function samplesFor(model: ZooModel, quick: boolean): number {
  return quick ? Math.max(model.batchSize * 4, Math.floor(model.samples / 4)) : model.samples;
}

/** Measures one model: layerwise on each backend and Keras, interleaved; returns one row per participant. */
async function measureModel(root: string, model: ZooModel, options: ZooOptions): Promise<{ rows: ZooRow[]; keras?: Record<string, unknown> }> {
  const samples = samplesFor(model, options.quick);
  const common = ['--model', model.id, '--samples', String(samples), '--epochs', String(model.epochs), '--seed', String(SEED)];
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' };
  const extension = path.extname(__filename);
  const worker = path.join(__dirname, `worker${extension}`);
  const nodeArgs = extension === '.ts' ? ['-r', 'ts-node/register/transpile-only', worker] : [worker];
  const backends = model.backends.filter((backend) => backend !== 'cpu' || options.cpu);
  const entries: Array<{ row: ZooRow; participant: Participant }> = [];
  let kerasInfo: Record<string, unknown> | undefined;
  for (const backend of backends) {
    const child = spawn(process.execPath, [...nodeArgs, '--backend', backend, ...common], { env });
    entries.push({ row: { model: model.id, runner: backend }, participant: new Participant(`layerwise ${backend} ${model.id}`, child) });
  }
  const python = spawn(pythonExecutable(root), [path.join(__dirname, 'keras_zoo.py'), ...common], { env });
  entries.push({ row: { model: model.id, runner: 'keras' }, participant: new Participant(`keras ${model.id}`, python) });

  // Startup and warm-up in turn (not at once), so neither side's warm-up competes with the other's.
  const live: typeof entries = [];
  for (const entry of entries) {
    try {
      const ready = await entry.participant.expect('ZOO_READY ');
      entry.row.samplesPerRepeat = samples * model.epochs;
      entry.row.repeatSeconds = [];
      entry.row.repeatCpuSeconds = [];
      if (typeof ready.parameters === 'number') entry.row.parameters = ready.parameters;
      if (entry.row.runner === 'keras') kerasInfo = ready;
      else {
        entry.row.path = String(ready.path);
        entry.row.pathSource = String(ready.pathSource);
      }
      live.push(entry);
    } catch (error) {
      entry.row.error = (error as Error).message;
      entry.participant.kill();
    }
  }
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    // Alternate who goes first, so neither side always runs right after the other's allocation burst.
    const order = repeat % 2 === 0 ? live : [...live].reverse();
    for (const entry of order) {
      if (entry.row.error !== undefined) continue;
      try {
        entry.participant.send('run');
        const result = await entry.participant.expect('ZOO_REPEAT ');
        entry.row.repeatSeconds?.push(Number(result.seconds));
        if (typeof result.cpuSeconds === 'number') entry.row.repeatCpuSeconds?.push(result.cpuSeconds);
      } catch (error) {
        entry.row.error = (error as Error).message;
      }
    }
  }
  for (const entry of live) {
    if (entry.row.error !== undefined) continue;
    try {
      entry.participant.send('quit');
      const done = await entry.participant.expect('ZOO_DONE ');
      entry.row.maxRssBytes = Number(done.maxRssBytes);
    } catch (error) {
      entry.row.error = (error as Error).message;
    }
  }
  for (const entry of entries) {
    entry.participant.kill();
    const seconds = entry.row.repeatSeconds;
    if (entry.row.error === undefined && seconds !== undefined && seconds.length > 0 && entry.row.samplesPerRepeat !== undefined) {
      entry.row.samplesPerSecond = throughput(entry.row.samplesPerRepeat, seconds);
      const cpu = entry.row.repeatCpuSeconds;
      if (cpu !== undefined && cpu.length === seconds.length) entry.row.samplesPerCpuSecond = throughput(entry.row.samplesPerRepeat, cpu);
    }
  }
  return { rows: entries.map((entry) => entry.row), keras: kerasInfo };
}

/** Runs the zoo; prints the table and writes the JSON document it returns. */
export async function runZoo(argv: string[]): Promise<Record<string, unknown>> {
  const root = path.resolve(__dirname, '..', '..');
  const options = parseZooOptions(argv, root);
  const started = Date.now();
  const rows: ZooRow[] = [];
  let keras: Record<string, unknown> | undefined;
  for (const model of options.models) {
    process.stderr.write(`bench zoo: ${model.id} (${model.backends.filter((backend) => backend !== 'cpu' || options.cpu).join(', ')}, keras)\n`);
    const measured = await measureModel(root, model, options);
    rows.push(...measured.rows);
    keras ??= measured.keras;
  }
  addKerasRatios(rows);
  const document = {
    command: `npm run bench -- ${argv.join(' ')}`,
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${process.arch}`, loadAverage: os.loadavg() },
    keras,
    repeats: options.repeats,
    quick: options.quick,
    models: options.models.map((model) => ({ id: model.id, description: model.description, batchSize: model.batchSize, learningRate: model.learningRate, samples: samplesFor(model, options.quick), epochsPerRepeat: model.epochs, loss: model.loss })),
    geometricMean: Object.fromEntries([...new Set(rows.filter((row) => row.runner !== 'keras').map((row) => row.runner))].map((runner) => [runner, geometricMeanRatio(rows, runner)])),
    geometricMeanCpu: Object.fromEntries([...new Set(rows.filter((row) => row.runner !== 'keras').map((row) => row.runner))].map((runner) => [runner, geometricMeanCpuRatio(rows, runner)])),
    rows,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(
    `${renderZooTable(rows)}\n\npath: TrainResult.trainingPath of layerwise's run (lean = hand-written forward/backward, general = autodiff)\n` +
        `samples/CPU-s: samples per second of process CPU time (all threads), the load-independent cost; x Keras (CPU) compares those\n` +
      `load average at the end: ${os.loadavg().map((value) => value.toFixed(1)).join(', ')}; ${document.seconds.toFixed(0)} s\nJSON: ${path.relative(process.cwd(), options.out)}\n`,
  );
  return document;
}
