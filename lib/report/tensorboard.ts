/**
 * TensorBoard scalar logs, one run directory per trial, written by the JavaScript event file
 * writer (tensorboard-event-file.ts) on every backend: the report never loads TensorFlow for them.
 * View them with `tensorboard --logdir <logDir>`.
 */
import * as path from 'path';
import type { TrialRecord } from '../sweep/record';
import { EventFileWriter } from './tensorboard-event-file';

/** What writes the scalars of one run directory (the shape of tfjs-node's SummaryFileWriter too). */
export interface ScalarWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

/** Options of {@link writeTensorBoardLogs}. */
export interface TensorBoardOptions {
  /** Makes a writer for one run directory. Default: an {@link EventFileWriter} (one event file per run directory). */
  createWriter?: (runDirectory: string) => ScalarWriter;
}

export interface TensorBoardResult {
  /** Always true: the JavaScript writer needs no backend, so logs are written whenever they are asked for. */
  written: true;
  logDir: string;
  /** Run directories written, relative to `logDir`. */
  runs: string[];
  /** Number of scalar points written. */
  scalars: number;
  /** The command that opens the logs. */
  command: string;
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
  const createWriter = options.createWriter ?? ((runDirectory: string): ScalarWriter => new EventFileWriter(runDirectory));
  const runs: string[] = [];
  let scalars = 0;
  for (const record of records) {
    if (!record.epochs || record.epochs.length === 0) continue;
    const run = runDirectoryOf(record);
    const writer = createWriter(path.join(logDir, run));
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
