/**
 * A definition's data source as a `Dataset`: a shipped or registered data set by name, or the
 * user's files — CSV, two `.npy` files, an `.npz` archive, or IDX files. Every worker reads the
 * files itself (the definition carries absolute paths; `readSweepFile` resolves relative ones
 * against the definition file's folder). Errors name the definition field and the file.
 */
import * as path from 'path';
import { datasetFromArrays, loadDataset, loadIdx, loadNpy, loadNpz } from '../../data';
import type { Dataset } from '../../data';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { DATA_TASKS } from '../definition';
import type { DataTask, SweepDefinition } from '../definition';
import { loadCsvData } from './csv-data';

/** Runs a data step, turning its plain errors into config errors that name the definition's field. */
export function asDataField<T>(field: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof LayerwiseConfigError) throw error;
    throw new LayerwiseConfigError(field, `: ${(error as Error).message}`);
  }
}

/** A data source's `task`, checked (the schema says so too; a definition built in code may not have passed it). */
function taskOf(field: string, task: unknown): DataTask {
  if (task === undefined) return 'classification';
  if (!DATA_TASKS.includes(task as DataTask)) throw new LayerwiseConfigError(`${field}.task`, ` = ${describeValue(task)}: allowed values are ${DATA_TASKS.join(', ')}`);
  return task as DataTask;
}

/** Whether `data` holds regression targets (its source's `task` is 'regression'); shipped and registered data sets hold class labels. */
export function dataTaskOf(data: SweepDefinition['data']): DataTask {
  return (data.csv?.task ?? data.npy?.task ?? data.npz?.task ?? 'classification') as DataTask;
}

/** The samples `data` names (before any split). */
export function loadDefinitionData(data: SweepDefinition['data']): Dataset {
  if (data.csv !== undefined) {
    const csv = data.csv;
    return asDataField('data.csv', () => loadCsvData(csv));
  }
  if (data.npy !== undefined) {
    const npy = data.npy;
    return asDataField('data.npy', () =>
      datasetFromArrays({ name: path.basename(npy.x, '.npy'), x: loadNpy(npy.x), y: loadNpy(npy.y), xSource: npy.x, ySource: npy.y, task: taskOf('data.npy', npy.task) }),
    );
  }
  if (data.npz !== undefined) {
    const npz = data.npz;
    const xName = npz.x ?? 'x';
    const yName = npz.y ?? 'y';
    return asDataField('data.npz', () => {
      const arrays = loadNpz(npz.path, [xName, yName]);
      return datasetFromArrays({ name: path.basename(npz.path, '.npz'), x: arrays[xName], y: arrays[yName], xSource: `${npz.path}: ${xName}`, ySource: `${npz.path}: ${yName}`, task: taskOf('data.npz', npz.task) });
    });
  }
  if (data.idx !== undefined) {
    const idx = data.idx;
    return asDataField('data.idx', () => {
      const images = loadIdx(idx.images, 3);
      const labels = loadIdx(idx.labels, 1);
      const scale = (idx.pixels ?? 'unit') === 'unit' ? 1 / 255 : 1;
      return datasetFromArrays({ name: path.basename(idx.images), x: images, y: labels, xSource: idx.images, ySource: idx.labels, scale });
    });
  }
  return asDataField('data.dataset', () => loadDataset(data.dataset ?? ''));
}

/** How messages name the data: the data set's name, or the file (`data.csv.path`, `data.npz.path`, ...). */
export function dataSourceName(data: SweepDefinition['data']): string {
  if (data.csv !== undefined) return path.basename(data.csv.path);
  if (data.npy !== undefined) return path.basename(data.npy.x);
  if (data.npz !== undefined) return path.basename(data.npz.path);
  if (data.idx !== undefined) return path.basename(data.idx.images);
  return String(data.dataset);
}
