/**
 * Keras 3 models in and out: `loadKerasModel` reads `model.to_json()` output or a `.keras` archive
 * into a tfjs model built with layerwise's factories; `saveKerasModel` writes a `.keras` archive
 * Keras 3 loads. See docs/keras-models.md.
 */
export { loadKerasModel, registerKerasLayerClasses } from './load';
export type { LoadKerasModelOptions, KerasModelSource } from './load';
export { saveKerasModel, KERAS_FORMAT_VERSION } from './save';
export { supportedKerasClasses } from './layer-translate';
export { ActivityRegularizationLayer, activityRegularization } from './activity-regularization';
export type { ActivityRegularizationArgs } from './activity-regularization';
