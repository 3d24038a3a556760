/**
 * Search-space dimensions: plain data describing the values one hyperparameter may take, and the
 * few pure functions every sampler needs (map a number in [0, 1) to a value, list grid points).
 */
import { LayerwiseConfigError } from '../errors/config-error';

/** A value a dimension can produce. */
export type ParameterValue = number | string | boolean;

/** One of a fixed list of values (numbers, strings or booleans). */
export interface ChoiceDimension {
  type: 'choice';
  /** Allowed values, at least one; order is the grid order. */
  values: ParameterValue[];
}

/** A real number drawn uniformly from [low, high]. */
export interface UniformDimension {
  type: 'uniform';
  low: number;
  high: number;
  /** Points of the grid sampler (>= 2), evenly spaced from low to high inclusive. Required by the grid sampler only. */
  steps?: number;
}

/** A positive real number whose logarithm is uniform on [log low, log high]: the natural scale of penalty coefficients. */
export interface LogUniformDimension {
  type: 'logUniform';
  /** Must be > 0. */
  low: number;
  high: number;
  /** Points of the grid sampler (>= 2), evenly spaced in log scale, low and high included. Required by the grid sampler only. */
  steps?: number;
}

/** An integer from low to high inclusive, on multiples of `step` from low. */
export interface IntDimension {
  type: 'int';
  low: number;
  high: number;
  /** Distance between allowed values. Default 1. */
  step?: number;
}

export type Dimension = ChoiceDimension | UniformDimension | LogUniformDimension | IntDimension;

export const DIMENSION_TYPES: readonly Dimension['type'][] = ['choice', 'uniform', 'logUniform', 'int'];

/** A named set of dimensions: parameter name → dimension. Names are kept in sorted order wherever order matters. */
export type SearchSpace = Record<string, Dimension>;

/** Parameter names of a space in the canonical (sorted) order used by samplers. */
export function parameterNames(space: SearchSpace): string[] {
  return Object.keys(space).sort();
}

/** The value at quantile `u` in [0, 1) of the dimension's prior (uniform, log-uniform or discrete uniform). */
export function valueAtQuantile(dimension: Dimension, u: number): ParameterValue {
  switch (dimension.type) {
    case 'choice':
      return dimension.values[Math.min(dimension.values.length - 1, Math.floor(u * dimension.values.length))];
    case 'uniform':
      return dimension.low + u * (dimension.high - dimension.low);
    case 'logUniform':
      return Math.exp(Math.log(dimension.low) + u * (Math.log(dimension.high) - Math.log(dimension.low)));
    case 'int': {
      const values = intValueCount(dimension);
      return dimension.low + Math.min(values - 1, Math.floor(u * values)) * (dimension.step ?? 1);
    }
  }
}

/** Number of integers an int dimension allows. */
export function intValueCount(dimension: IntDimension): number {
  return Math.floor((dimension.high - dimension.low) / (dimension.step ?? 1)) + 1;
}

/**
 * Grid points of one dimension. Continuous dimensions need `steps`; `where` names the field in
 * the error when they lack it.
 */
export function gridValues(dimension: Dimension, where: string): ParameterValue[] {
  switch (dimension.type) {
    case 'choice':
      return [...dimension.values];
    case 'int': {
      const count = intValueCount(dimension);
      return Array.from({ length: count }, (_, position) => dimension.low + position * (dimension.step ?? 1));
    }
    case 'uniform':
    case 'logUniform': {
      const steps = dimension.steps;
      if (steps === undefined) {
        throw new LayerwiseConfigError(
          `${where}.steps`,
          `is required by the grid sampler for a ${dimension.type} dimension (number of grid points, >= 2); or use sampler "random" or "tpe"`,
        );
      }
      return Array.from({ length: steps }, (_, position) => {
        const fraction = position / (steps - 1);
        if (dimension.type === 'uniform') return dimension.low + fraction * (dimension.high - dimension.low);
        // Rounded to 12 significant digits so 1e-4 prints as 1e-4, not 0.00010000000000000002.
        return Number(Math.exp(Math.log(dimension.low) + fraction * (Math.log(dimension.high) - Math.log(dimension.low))).toPrecision(12));
      });
    }
  }
}

/** True when `value` is one the dimension allows (used to check stored and enqueued parameters). */
export function dimensionAllows(dimension: Dimension, value: ParameterValue): boolean {
  switch (dimension.type) {
    case 'choice':
      return dimension.values.some((allowed) => allowed === value);
    case 'uniform':
    case 'logUniform':
      return typeof value === 'number' && value >= dimension.low && value <= dimension.high;
    case 'int':
      return (
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= dimension.low &&
        value <= dimension.high &&
        (value - dimension.low) % (dimension.step ?? 1) === 0
      );
  }
}
