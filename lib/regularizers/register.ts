/**
 * Public registration of custom regularizers: records the penalty factory and registers a tfjs
 * class of the same name, so models using it save and load.
 */
import { addCustomRegularizer, type CustomRegularizerFactory } from './kinds/custom';
import { isBuiltInName } from './registry';

/**
 * Registers a custom regularizer under `name`: `custom({name, config})` specs, Keras configs naming it
 * and saved models using it then resolve to `factory(config)`. Registering the same name again
 * replaces the factory; built-in names are refused.
 */
export function registerRegularizer(name: string, factory: CustomRegularizerFactory): void {
  addCustomRegularizer(name, factory, isBuiltInName);
}
