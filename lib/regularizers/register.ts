/**
 * Public registration of custom regularizers: records the penalty factory and registers a tfjs
 * class of the same name, so models using it save and load.
 */
import { addCustomRegularizerFactory as addFactory, type CustomRegularizerFactory } from './custom-registry';
import { registerCustomTfjsClass } from './tfjs-classes';

/**
 * Registers a custom regularizer under `name`: `custom({name, config})` specs, Keras configs naming it
 * and saved models using it then resolve to `factory(config)`. Built-in names are refused.
 */
export function registerRegularizer(name: string, factory: CustomRegularizerFactory): void {
  addFactory(name, factory);
  registerCustomTfjsClass(name);
}
