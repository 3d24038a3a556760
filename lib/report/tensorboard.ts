/**
 * TensorBoard scalar logs, one run directory per trial, written with tfjs-node's
 * `tf.node.summaryFileWriter` when the native backend is available. Without it the function
 * returns a skip reason instead of throwing: TensorBoard logs are a convenience, the report
 * files are the record. View them with `tensorboard --logdir <logDir>`.
 */
import * as path from 'path';
import { hideNativeInfoLogs } from '../backend/native-log-level';
import type { TrialRecord } from '../sweep/record';

/** The part of tfjs-node's SummaryFileWriter used here. */
export interface ScalarWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

/** Options of {@link writeTensorBoardLogs}. */
export interface TensorBoardOptions {
  /**
   * Makes a writer for one run directory. Default: `tf.node.summaryFileWriter` from
   * `@tensorflow/tfjs-node`, used only when that package loads and `tensorflow` is the active
   * backend (its writer cannot take tensors from another backend).
   */
  createWriter?: (runDirectory: string) => ScalarWriter;
}

export interface TensorBoardResult {
  /** True when logs were written. */
  written: boolean;
  /** Why nothing was written, when `written` is false. */
  skipReason?: string;
  logDir: string;
  /** Run directories written, relative to `logDir`. */
  runs: string[];
  /** Number of scalar points written. */
  scalars: number;
  /** The command that opens the logs. */
  command: string;
}

type WriterFactory = { createWriter: (runDirectory: string) => ScalarWriter } | { reason: string };

/** Loads tfjs-node's summary writer if possible; otherwise says why not. */
export function loadNativeSummaryWriter(): WriterFactory {
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    return { reason: '@tensorflow/tfjs-node is not installed, so there is no native summary writer' };
  }
  let tfNode: {
    getBackend(): string;
    node: { summaryFileWriter(logdir: string): ScalarWriter };
  };
  try {
    // Loaded lazily and only here: the rest of the reporter never needs TensorFlow. A sweep whose
    // backend choice came from the measurement cache loads it here first, so its INFO lines are
    // hidden here too (as lib/backend/native-loader.ts does).
    hideNativeInfoLogs();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    tfNode = require('@tensorflow/tfjs-node');
  } catch (error) {
    return { reason: `@tensorflow/tfjs-node did not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  const backend = tfNode.getBackend();
  if (backend !== 'tensorflow') {
    return { reason: `the active tfjs backend is "${backend}"; TensorBoard summaries need the "tensorflow" backend of @tensorflow/tfjs-node` };
  }
  return { createWriter: (runDirectory) => tfNode.node.summaryFileWriter(runDirectory) };
}

/** A path component made of safe characters only, so names cannot climb out of the log directory. */
export function safePathComponent(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length === 0 ? '_' : cleaned.slice(0, 120);
}

/** The run directory of one trial, relative to the log directory: `<sweep>/<arm>/<configId>-seed<seed>`. */
export function runDirectoryOf(record: Pick<TrialRecord, 'sweepName' | 'arm' | 'configId' | 'seed'>): string {
  return path.join(safePathComponent(record.sweepName), safePathComponent(record.arm), safePathComponent(`${record.configId}-seed${record.seed}`));
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Writes per-epoch scalars of every trial that recorded epochs: `loss/{train,validation,test}`,
 * `accuracy/{...}`, `gap/loss`, `gap/accuracy`, `penalty/total`, `penalty/<layer.slot>` and
 * `weight_norm/<layer/weight>`, with the epoch as step.
 */
export function writeTensorBoardLogs(logDir: string, records: readonly TrialRecord[], options: TensorBoardOptions = {}): TensorBoardResult {
  const command = `tensorboard --logdir ${JSON.stringify(logDir)}`;
  const factory: WriterFactory = options.createWriter ? { createWriter: options.createWriter } : loadNativeSummaryWriter();
  if ('reason' in factory) return { written: false, skipReason: factory.reason, logDir, runs: [], scalars: 0, command };
  const runs: string[] = [];
  let scalars = 0;
  for (const record of records) {
    if (!record.epochs || record.epochs.length === 0) continue;
    const run = runDirectoryOf(record);
    const writer = factory.createWriter(path.join(logDir, run));
    const put = (name: string, value: number | undefined, step: number): void => {
      if (!finite(value)) return;
      writer.scalar(name, value, step);
      scalars++;
    };
    for (const epoch of record.epochs) {
      const step = epoch.epoch;
      put('loss/train', epoch.train.loss, step);
      put('loss/validation', epoch.validation?.loss, step);
      put('loss/test', epoch.test?.loss, step);
      put('accuracy/train', epoch.train.accuracy, step);
      put('accuracy/validation', epoch.validation?.accuracy, step);
      put('accuracy/test', epoch.test?.accuracy, step);
      if (epoch.test) put('gap/loss', epoch.test.loss - epoch.train.loss, step);
      if (finite(epoch.test?.accuracy) && finite(epoch.train.accuracy)) put('gap/accuracy', epoch.train.accuracy - (epoch.test?.accuracy as number), step);
      put('penalty/total', epoch.penalty, step);
      for (const [name, value] of Object.entries(epoch.penaltyPerLayer ?? {})) put(`penalty/${name}`, value, step);
      for (const [name, value] of Object.entries(epoch.weightNorms ?? {})) put(`weight_norm/${name}`, value, step);
    }
    writer.flush();
    runs.push(run);
  }
  return { written: true, logDir, runs, scalars, command };
}
