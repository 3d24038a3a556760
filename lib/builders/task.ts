/**
 * What a task means for the output layer and the loss, Keras conventions:
 *  - binary: one sigmoid unit, `binaryCrossentropy`, labels 0/1 of shape [n, 1];
 *  - multiclass: one softmax unit per class, `categoricalCrossentropy`, labels ONE-HOT of shape
 *    [n, classes] (lib/data's `toTensors` default for more than two classes). For integer labels
 *    pass `loss: 'sparseCategoricalCrossentropy'` to `train` instead;
 *  - regression: linear outputs, `meanSquaredError`.
 */
import type { ActivationName, TaskKind } from './spec';

/** Loss names as tfjs `compile` and layerwise `train` spell them. */
export type TaskLossName = 'binaryCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError';

/** The loss a model built for `task` is compiled with. */
export function lossFor(task: TaskKind): TaskLossName {
  switch (task) {
    case 'binary':
      return 'binaryCrossentropy';
    case 'multiclass':
      return 'categoricalCrossentropy';
    case 'regression':
      return 'meanSquaredError';
  }
}

/** The output activation for `task`. */
export function outputActivationFor(task: TaskKind): ActivationName {
  switch (task) {
    case 'binary':
      return 'sigmoid';
    case 'multiclass':
      return 'softmax';
    case 'regression':
      return 'linear';
  }
}
