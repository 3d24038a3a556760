/**
 * tfjs `Regularizer` classes backed by our specs, registered with tfjs serialization so that
 * `model.save` / `tf.loadLayersModel` keep every regularizer, and so Keras JSON naming `L1`, `L2`
 * or `OrthogonalRegularizer` loads (tfjs 4.22 registers only `L1L2`).
 *
 * tfjs does not export its abstract `Regularizer` base class, but `getRegularizer` checks
 * `instanceof Regularizer`, so we reach the real base through the prototype chain of `L1L2`
 * (a deep import of `dist/regularizers.js` would load a second copy and break `instanceof`).
 *
 * The `L1L2` name stays tfjs's own class: overriding it would change tfjs globally. Our `l1l2`
 * spec therefore builds tfjs's `L1L2` with both coefficients explicit, which serializes and
 * reloads exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { computePenalty } from './penalty';
import type { CustomSpec, L1Spec, L2Spec, OrthogonalSpec, RegularizerSpec } from './spec';
import { validateSpec } from './validation';

export type TfjsRegularizer = Regularizer;

type RegularizerBaseConstructor = abstract new () => Regularizer;

/** The tfjs-layers `Regularizer` base class (not exported by tfjs). */
export const TfjsRegularizerBase = Object.getPrototypeOf(
  tf.regularizers.l1l2({ l1: 0, l2: 0 }).constructor,
) as RegularizerBaseConstructor;

/** The tfjs `L1L2` class. */
export const TfjsL1L2 = tf.regularizers.l1l2({ l1: 0, l2: 0 }).constructor as new (args: { l1: number; l2: number }) => Regularizer;

export function isTfjsRegularizer(value: unknown): value is Regularizer {
  return value instanceof TfjsRegularizerBase;
}

/** A tfjs regularizer whose penalty is `computePenalty(spec, x)`. */
export abstract class SpecRegularizer extends TfjsRegularizerBase {
  readonly spec: RegularizerSpec;

  constructor(spec: RegularizerSpec) {
    super();
    this.spec = validateSpec(spec);
  }

  apply(x: tf.Tensor): tf.Scalar {
    return computePenalty(this.spec, x);
  }
}

function numberOr(config: tf.serialization.ConfigDict, key: string, fallback: number): number {
  const value = config[key];
  return value == null ? fallback : (value as number);
}

export class L1Regularizer extends SpecRegularizer {
  static className = 'L1';

  getConfig(): tf.serialization.ConfigDict {
    return { l1: (this.spec as L1Spec).l1 };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'l1', l1: numberOr(config, 'l1', 0.01) });
  }
}

export class L2Regularizer extends SpecRegularizer {
  static className = 'L2';

  getConfig(): tf.serialization.ConfigDict {
    return { l2: (this.spec as L2Spec).l2 };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'l2', l2: numberOr(config, 'l2', 0.01) });
  }
}

export class OrthogonalRegularizer extends SpecRegularizer {
  static className = 'OrthogonalRegularizer';

  getConfig(): tf.serialization.ConfigDict {
    const spec = this.spec as OrthogonalSpec;
    return { factor: spec.factor, mode: spec.mode };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'orthogonal', factor: numberOr(config, 'factor', 0.01), mode: (config.mode as string) ?? 'rows' });
  }
}

tf.serialization.registerClass(L1Regularizer);
tf.serialization.registerClass(L2Regularizer);
tf.serialization.registerClass(OrthogonalRegularizer);

const customClasses = new Map<string, new (spec: RegularizerSpec) => SpecRegularizer>();

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
export function registerCustomTfjsClass(name: string): void {
  if (customClasses.has(name)) return;
  customClasses.set(name, customClassNamed(name, name));
  const loadedName = tfjsLoadedName(name);
  if (loadedName !== name) customClassNamed(loadedName, name);
}

function customClassNamed(className: string, name: string): new (spec: RegularizerSpec) => SpecRegularizer {
  const CustomClass = class extends SpecRegularizer {
    static className = className;

    getConfig(): tf.serialization.ConfigDict {
      return (this.spec as CustomSpec).config as tf.serialization.ConfigDict;
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

/** Builds the tfjs regularizer for a validated spec. */
export function tfjsRegularizerForSpec(spec: RegularizerSpec): Regularizer {
  switch (spec.kind) {
    case 'l1':
      return new L1Regularizer(spec);
    case 'l2':
      return new L2Regularizer(spec);
    case 'l1l2':
      // Both coefficients explicit: tfjs would otherwise default a missing one to 0.01.
      return new TfjsL1L2({ l1: spec.l1, l2: spec.l2 });
    case 'orthogonal':
      return new OrthogonalRegularizer(spec);
    case 'custom': {
      registerCustomTfjsClass(spec.name);
      const CustomClass = customClasses.get(spec.name)!;
      return new CustomClass(spec);
    }
  }
}

/** Reads the spec back from a tfjs regularizer: ours carry it; tfjs's `L1L2` exposes l1/l2 at runtime. */
export function specOf(regularizer: unknown): RegularizerSpec | undefined {
  if (regularizer instanceof SpecRegularizer) return regularizer.spec;
  if (regularizer instanceof TfjsL1L2) {
    const fields = regularizer as unknown as { l1: number; l2: number };
    return { kind: 'l1l2', l1: fields.l1, l2: fields.l2 };
  }
  return undefined;
}
