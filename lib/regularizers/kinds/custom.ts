/**
 * Custom regularizers: a user penalty registered by name (`registerRegularizer(name, factory)`),
 * used through a plain spec `{kind: 'custom', name, config}`. Written like Keras 3 custom objects
 * (module null, registered_name = name); each name gets a tfjs class so saved models reload it.
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import type { RegularizerKindDefinition } from '../kind';
import { fieldPath, type RegularizerLocation } from '../location';
import { SpecRegularizer } from '../tfjs-base';

/** A user regularizer registered by name with `registerRegularizer`; `config` is passed back to its factory. */
export interface CustomSpec {
  kind: 'custom';
  /** The name given to `registerRegularizer`. */
  name: string;
  /** JSON-serializable configuration passed to the registered factory. */
  config: Record<string, unknown>;
}

/** Arguments of `custom()`. */
export interface CustomArgs {
  /** Name given to `registerRegularizer`. */
  name: string;
  /** JSON-serializable configuration passed to the registered factory. Default `{}`. */
  config?: Record<string, unknown>;
}

/** Turns a custom spec's config into a penalty function `x -> scalar`. Called once per regularizer instance. */
export type CustomRegularizerFactory = (config: Record<string, unknown>) => (x: tf.Tensor) => tf.Scalar;

const factories = new Map<string, CustomRegularizerFactory>();
const tfjsClasses = new Map<string, new (spec: CustomSpec) => SpecRegularizer<CustomSpec>>();

/** Whether a custom regularizer is registered under `name`. */
export function isRegisteredRegularizer(name: string): boolean {
  return factories.has(name);
}

/** Every registered custom regularizer's name, sorted. */
export function registeredRegularizerNames(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Records `factory` under `name` (again: replaces it, useful in notebooks and tests) and registers
 * the tfjs class. `isReserved` says which names built-in kinds already use; those are refused.
 */
export function addCustomRegularizer(name: string, factory: CustomRegularizerFactory, isReserved: (name: string) => boolean): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.>-]*$/.test(name)) {
    throw new LayerwiseConfigError('registerRegularizer.name', `= ${JSON.stringify(name)}: expected an identifier (letters, digits, _ . > -)`);
  }
  if (isReserved(name)) {
    throw new LayerwiseConfigError('registerRegularizer.name', `= "${name}": this name is a built-in regularizer; choose another`);
  }
  if (typeof factory !== 'function') {
    throw new LayerwiseConfigError('registerRegularizer.factory', ': expected a function (config) => (x) => scalar');
  }
  factories.set(name, factory);
  registerTfjsClass(name);
}

function factoryOf(name: string): CustomRegularizerFactory {
  const factory = factories.get(name);
  if (factory == null) {
    throw new LayerwiseConfigError('custom.name', `= "${name}": not registered; registered: ${registeredRegularizerNames().join(', ') || '(none)'}`);
  }
  return factory;
}

function validate(candidate: Record<string, unknown>, where?: RegularizerLocation): CustomSpec {
  if (typeof candidate.name !== 'string' || !isRegisteredRegularizer(candidate.name)) {
    const known = registeredRegularizerNames();
    throw new LayerwiseConfigError(
      fieldPath(where, 'name'),
      `= ${describeValue(candidate.name)}: no custom regularizer is registered under this name; ` +
        `registered: ${known.length > 0 ? known.join(', ') : '(none; call registerRegularizer first)'}`,
    );
  }
  if (candidate.config == null || typeof candidate.config !== 'object' || Array.isArray(candidate.config)) {
    throw new LayerwiseConfigError(fieldPath(where, 'config'), `= ${describeValue(candidate.config)}: expected an object`);
  }
  return candidate as unknown as CustomSpec;
}

/** A spec for the custom regularizer registered as `name`, `custom({name, config})`. */
export function custom(args: CustomArgs): CustomSpec {
  return validate({ kind: 'custom', name: args.name, config: args.config ?? {} });
}

function penalty(spec: CustomSpec, x: tf.Tensor): tf.Scalar {
  return tf.reshape(factoryOf(spec.name)(spec.config)(x), []) as tf.Scalar;
}

/**
 * tfjs's loader camel-cases every string in a saved config (`convertPythonicToTs`), class names
 * included, so `audit_sum` comes back as `auditSum`; the same rule here finds the name it will ask for.
 */
function tfjsLoadedName(name: string): string {
  return name.length <= 1 || !name.includes('_') ? name : name.replace(/[_]+(\w|$)/g, (_match, next: string) => next.toUpperCase());
}

/**
 * Registers (once) a tfjs class named after a custom regularizer, so saved models reload it; a
 * name with underscores is also registered under the camel-cased name tfjs's loader will ask for.
 * (The loader camel-cases string values of the custom config too; keep those identifier-free.)
 */
function registerTfjsClass(name: string): void {
  if (tfjsClasses.has(name)) return;
  tfjsClasses.set(name, classNamed(name, name));
  const loadedName = tfjsLoadedName(name);
  if (loadedName !== name) classNamed(loadedName, name);
}

function classNamed(className: string, name: string): new (spec: CustomSpec) => SpecRegularizer<CustomSpec> {
  const CustomClass = class extends SpecRegularizer<CustomSpec> {
    static className = className;

    constructor(spec: CustomSpec) {
      super(validate(spec as unknown as Record<string, unknown>));
    }

    apply(x: tf.Tensor): tf.Scalar {
      return tf.tidy(() => penalty(this.spec, x));
    }

    getConfig(): tf.serialization.ConfigDict {
      return this.spec.config as tf.serialization.ConfigDict;
    }

    static fromConfig<T extends tf.serialization.Serializable>(
      cls: tf.serialization.SerializableConstructor<T>,
      config: tf.serialization.ConfigDict,
    ): T {
      // tfjs's deserializer adds the `customObjects` it was given to every config; it is not ours.
      const { customObjects: _customObjects, ...own } = config;
      return new cls({ kind: 'custom', name, config: own });
    }
  };
  tf.serialization.registerClass(CustomClass);
  return CustomClass;
}

/** The custom kind: any registered name. */
export const customKind: RegularizerKindDefinition<CustomSpec, typeof custom> = {
  kind: 'custom',
  factory: custom,
  validate,
  penalty,
  describe: (spec) => `${spec.name}(${JSON.stringify(spec.config)})`,
  toKerasConfig: (spec) => ({ module: null, class_name: spec.name, config: { ...spec.config }, registered_name: spec.name }),
  names: isRegisteredRegularizer,
  identifiers: registeredRegularizerNames,
  fromKerasConfig: (identifier, config, where) => validate({ kind: 'custom', name: identifier, config: { ...config } }, where),
  toTfjs(spec) {
    registerTfjsClass(spec.name);
    return new (tfjsClasses.get(spec.name)!)(spec);
  },
};
