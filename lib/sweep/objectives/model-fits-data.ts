/**
 * The model of a sweep definition against its data, before any trial: a model built for 2
 * features trained on 3 fails every trial (and every retry), so it is a configuration error now.
 */
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import type { Dataset } from '../../data/dataset';
import { describeBuiltModel } from './trial-model';

/** The parts of a model spec that fix what data it takes. */
interface ModelShapeSpec {
  type?: unknown;
  inputSize?: unknown;
  inputShape?: unknown;
  outputSize?: unknown;
  task?: unknown;
}

/** Throws LayerwiseConfigError naming `model.inputSize` (or `model.inputShape`, `model.outputSize`) when the data does not fit the model. */
export function checkModelFitsData(model: ModelShapeSpec, data: Dataset, datasetName: string): void {
  if (Array.isArray(model.inputShape)) {
    const size = (model.inputShape as number[]).reduce((product, side) => product * side, 1);
    if (size !== data.featureCount) {
      throw new LayerwiseConfigError(
        'model.inputShape',
        ` = ${describeValue(model.inputShape)} (${size} values per sample) but data set "${datasetName}" has ${data.featureCount} features per sample${data.imageShape ? ` (images ${data.imageShape.join('x')})` : ''}; make them agree`,
      );
    }
  } else if (typeof model.inputSize === 'number' && model.inputSize !== data.featureCount) {
    throw new LayerwiseConfigError('model.inputSize', ` = ${model.inputSize} but data set "${datasetName}" has ${data.featureCount} features; set model.inputSize to ${data.featureCount}`);
  }
  checkTaskFitsData(model.task, data, datasetName, 'model.task');
  if (typeof model.outputSize !== 'number') return;
  if (data.targets !== undefined) {
    const targets = data.targetCount ?? 1;
    if (model.outputSize !== targets) {
      throw new LayerwiseConfigError('model.outputSize', ` = ${model.outputSize} but data set "${datasetName}" has ${targets} regression target(s); set model.outputSize to ${targets}`);
    }
    return;
  }
  const expected = model.task === 'multiclass' ? data.classCount : model.task === 'binary' ? 1 : undefined;
  if (expected !== undefined && model.outputSize !== expected) {
    throw new LayerwiseConfigError(
      'model.outputSize',
      ` = ${model.outputSize} but a ${model.task} model of data set "${datasetName}" (${data.classCount} classes) needs ${expected}; set model.outputSize to ${expected}`,
    );
  }
}

/**
 * Regression targets need a regression model (linear outputs, mean squared error), and class labels
 * a classification model: the other pairings would train on meaningless targets.
 */
function checkTaskFitsData(task: unknown, data: Dataset, datasetName: string, field: string): void {
  if (task === undefined) return;
  if (data.targets !== undefined && task !== 'regression') {
    throw new LayerwiseConfigError(field, ` = ${describeValue(task)} but data set "${datasetName}" holds regression targets; allowed: "regression" (linear outputs, mean squared error)`);
  }
  if (data.targets === undefined && task === 'regression') {
    throw new LayerwiseConfigError(field, ` = "regression" but data set "${datasetName}" holds class labels (${data.classCount} classes); allowed: "binary" or "multiclass", or declare numeric targets with the data source's task "regression" (data.csv.task, data.npy.task, data.npz.task)`);
  }
}

/**
 * `checkModelFitsData` for any definition `model`: a builder spec by its fields; a Keras file or
 * a registered factory by the model it builds (input values per sample, output units).
 */
export function checkDefinitionModelFitsData(model: Record<string, unknown>, data: Dataset, dataName: string): void {
  if (model.keras === undefined && model.registered === undefined) {
    checkModelFitsData(model, data, dataName);
    return;
  }
  const field = model.keras !== undefined ? 'model.keras' : 'model.registered';
  const { inputShape, outputUnits, task } = describeBuiltModel(model, data);
  const size = inputShape.reduce((product, side) => product * side, 1);
  if (inputShape.some((side) => side < 1) || size !== data.featureCount) {
    throw new LayerwiseConfigError(field, ` = ${describeValue(model.keras ?? model.registered)}: the model takes inputs of shape [${inputShape.join(', ')}] (${size} values per sample) but data set "${dataName}" has ${data.featureCount} features per sample; make them agree`);
  }
  checkTaskFitsData(task, data, dataName, 'model.task');
  if (data.targets !== undefined) {
    const targets = data.targetCount ?? 1;
    if (outputUnits !== targets) throw new LayerwiseConfigError(field, ` = ${describeValue(model.keras ?? model.registered)}: the model has ${outputUnits} output unit(s) but data set "${dataName}" has ${targets} regression target(s)`);
    return;
  }
  const expected = task === 'multiclass' ? data.classCount : task === 'binary' ? 1 : undefined;
  if (expected !== undefined && outputUnits !== expected) {
    throw new LayerwiseConfigError(field, ` = ${describeValue(model.keras ?? model.registered)}: the model has ${outputUnits} output unit(s) but a ${task} model of data set "${dataName}" (${data.classCount} classes) needs ${expected}`);
  }
}
