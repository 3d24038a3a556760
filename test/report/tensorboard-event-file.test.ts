/**
 * The JavaScript TensorBoard event file writer: its bytes by hand for the version record, and a
 * round trip through the reference reader, TensorFlow's own (`tf.compat.v1.train.summary_iterator`
 * and `tf.data.TFRecordDataset`, which check every record's CRCs), from the project's venv as
 * the Optuna export test uses it. Values are stored as float32, so expected values are
 * `Math.fround` of what was written, compared exactly; wall times are doubles, compared exactly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventFileWriter, EVENT_FILE_VERSION } from '../../lib/report/tensorboard-event-file';
import { runDirectoryOf, writeTensorBoardLogs } from '../../lib/report/tensorboard';
import { realisticSweep } from './fixtures';

const PYTHON = path.resolve(__dirname, '../../.venv/bin/python');
const INSTALL = 'python3 -m venv .venv && .venv/bin/pip install tensorflow-cpu';

/** Why TensorFlow's reader cannot be used here, or undefined when it can. */
function tensorflowUnavailable(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing (install: ${INSTALL})`;
  const probe = spawnSync(PYTHON, ['-c', 'import tensorflow'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  return probe.status === 0 ? undefined : `tensorflow does not import in ${PYTHON}: ${probe.stderr.trim().split('\n').pop()} (install: ${INSTALL})`;
}

const unavailable = tensorflowUnavailable();
if (unavailable !== undefined && process.env.CI === 'true') {
  throw new Error(`TensorBoard event file round-trip test: ${unavailable}; CI must run it`);
}
const withTensorFlow = unavailable === undefined ? test : test.skip;
if (unavailable !== undefined) {
  // Stated once, so a skipped round trip is never silent.
  console.warn(`skipping the TensorBoard event file round trip through TensorFlow: ${unavailable}`);
}

/** One event as the reader script prints it. */
interface ReadEvent {
  wallTime: number;
  step: number;
  fileVersion: string;
  values: Array<[string, number]>;
}

/** What TensorFlow reads from each file: its events, and the number of records TFRecordDataset (CRC-checked) yields; or its error. */
type ReadFile = { events: ReadEvent[]; records: number } | { error: string };

const READER = `
import json, sys
import tensorflow as tf
out = []
for path in sys.argv[1:]:
    try:
        events = []
        for event in tf.compat.v1.train.summary_iterator(path):
            events.append({'wallTime': event.wall_time, 'step': event.step, 'fileVersion': event.file_version,
                           'values': [[value.tag, value.simple_value] for value in event.summary.value]})
        records = sum(1 for _ in tf.data.TFRecordDataset(path))
        out.append({'events': events, 'records': records})
    except Exception as error:
        out.append({'error': type(error).__name__ + ': ' + str(error).splitlines()[0]})
print(json.dumps(out))
`;

/** Reads event files with TensorFlow in one Python process. */
function readWithTensorFlow(files: string[]): ReadFile[] {
  const result = spawnSync(PYTHON, ['-c', READER, ...files], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`the TensorFlow reader failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as ReadFile[];
}

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-events-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('EventFileWriter', () => {
  test('names the file like TensorFlow and writes nothing before flush, then the version record byte for byte', () => {
    const run = path.join(directory, 'a', 'b');
    const writer = new EventFileWriter(run, { wallTime: () => 1.5, hostname: 'host' });
    expect(path.basename(writer.file)).toMatch(new RegExp(`^events\\.out\\.tfevents\\.1\\.host\\.${process.pid}\\.\\d+$`));
    expect(path.dirname(writer.file)).toBe(run);
    expect(fs.existsSync(run)).toBe(false);
    writer.flush();
    const bytes = fs.readFileSync(writer.file);
    // Event { wall_time (field 1, fixed64) = 1.5; file_version (field 3, bytes) = "brain.Event:2" }, encoded by hand.
    const event = Buffer.concat([Buffer.from('09000000000000f83f', 'hex'), Buffer.from([0x1a, 13]), Buffer.from('brain.Event:2', 'ascii')]);
    expect(bytes.length).toBe(12 + event.length + 4);
    expect(bytes.readUInt32LE(0)).toBe(event.length);
    expect(bytes.readUInt32LE(4)).toBe(0);
    expect(bytes.subarray(12, 12 + event.length)).toEqual(event);
    // The whole record, both CRCs included, as TensorFlow 2.21 frames the same event
    // (tf.io.TFRecordWriter, written once with .venv/bin/python for this fixture).
    expect(bytes.toString('hex')).toBe('1800000000000000a37f4b2209000000000000f83f1a0d627261696e2e4576656e743a322a28646c');
    // A second writer of the same run directory gets its own file.
    expect(new EventFileWriter(run, { wallTime: () => 1.5, hostname: 'host' }).file).not.toBe(writer.file);
  });

  test("never overwrites another writer's file of the same name", () => {
    const writer = new EventFileWriter(directory, { wallTime: () => 2 });
    fs.mkdirSync(directory, { recursive: true });
    fs.writeFileSync(writer.file, 'not ours');
    expect(() => writer.flush()).toThrow(/EEXIST/);
    expect(fs.readFileSync(writer.file, 'utf8')).toBe('not ours');
  });

  test('refuses a step that is not a non-negative integer, naming the scalar', () => {
    const writer = new EventFileWriter(directory);
    expect(() => writer.scalar('loss/train', 1, -1)).toThrow('TensorBoard scalar "loss/train": step must be a non-negative integer, got -1');
    expect(() => writer.scalar('loss/train', 1, 1.5)).toThrow(/step must be a non-negative integer, got 1.5/);
  });

  withTensorFlow('TensorFlow reads back every tag, step and value (float32), across flushes, and its CRC check is real', () => {
    let clock = 1_700_000_000.25;
    const writer = new EventFileWriter(path.join(directory, 'run'), { wallTime: () => (clock += 0.5) });
    const written: Array<[string, number, number]> = [
      ['loss/train', 0.1, 0],
      ['loss/validation', -2.5e-7, 0],
      ['accuracy/train', 1 / 3, 1],
      ['weight_norm/dense_1/kernel', 12345.678, 1],
      ['penalty/dense_1.kernel', 0, 2],
      ['gap/loss', 3.4e38, 300],
      ['übung/λ', Math.PI, 2 ** 40 + 3],
    ];
    for (const [name, value, step] of written.slice(0, 4)) writer.scalar(name, value, step);
    writer.flush();
    for (const [name, value, step] of written.slice(4)) writer.scalar(name, value, step);
    writer.flush();
    writer.flush();
    const corrupted = path.join(directory, 'corrupted');
    const bytes = fs.readFileSync(writer.file);
    bytes[bytes.length - 6] ^= 0x01; // a bit of the last value
    fs.writeFileSync(corrupted, bytes);

    const [read, broken] = readWithTensorFlow([writer.file, corrupted]);
    if ('error' in read) throw new Error(read.error);
    // The version record, then one event per step: steps 0, 1, 2, 300, 2^40 + 3.
    expect(read.records).toBe(6);
    expect(read.events[0]).toEqual({ wallTime: 1_700_000_000.75, step: 0, fileVersion: EVENT_FILE_VERSION, values: [] });
    expect(read.events.slice(1).map((event) => event.step)).toEqual([0, 1, 2, 300, 2 ** 40 + 3]);
    expect(read.events.slice(1).map((event) => event.wallTime)).toEqual([1, 2, 3, 4, 5].map((tick) => 1_700_000_000.75 + 0.5 * tick));
    const values = read.events.flatMap((event) => event.values.map(([tag, value]) => [tag, value, event.step]));
    expect(values).toEqual(written.map(([name, value, step]) => [name, Math.fround(value), step]));
    expect('error' in broken && broken.error).toMatch(/DataLossError/);
  });

  withTensorFlow('the report writes event files TensorFlow reads, one per trial, with every scalar it counted', () => {
    const records = realisticSweep({ epochs: 3 }).slice(0, 3);
    const result = writeTensorBoardLogs(directory, records);
    expect(result.written).toBe(true);
    expect(result.runs).toEqual(records.map(runDirectoryOf));
    const files = result.runs.map((run) => {
      const names = fs.readdirSync(path.join(directory, run));
      expect(names).toHaveLength(1);
      return path.join(directory, run, names[0]);
    });
    const read = readWithTensorFlow(files);
    let scalars = 0;
    read.forEach((file, position) => {
      if ('error' in file) throw new Error(file.error);
      const epochOne = records[position].epochs[0];
      const stepOne = file.events.find((event) => event.step === epochOne.epoch && event.values.length > 0) as ReadEvent;
      expect(stepOne.values).toContainEqual(['loss/train', Math.fround(epochOne.train.loss)]);
      scalars += file.events.reduce((sum, event) => sum + event.values.length, 0);
    });
    expect(scalars).toBe(result.scalars);
  });
});
