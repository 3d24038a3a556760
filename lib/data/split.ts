import { Dataset, selectSamples } from './dataset';
import { RandomState } from './random';

/** A data set cut into parts that share no sample. */
export interface DatasetSplits {
  train: Dataset;
  /** Present when a validation part was asked for. */
  validation?: Dataset;
  /** Present when a test part was asked for. */
  test?: Dataset;
  /** Which samples of the source each part holds, in the part's order. */
  indices: { train: Int32Array; validation?: Int32Array; test?: Int32Array };
}

/** Arguments of `splitDataset`. */
export interface SplitArgs {
  /** Size of the validation part: a fraction in (0, 1) (rounded up), or a whole count >= 1. Default 0 (none). */
  validation?: number;
  /** Size of the test part: a fraction in (0, 1) (rounded up, as scikit-learn's test_size), or a whole count >= 1. Default 0 (none). */
  test?: number;
  /** Seed of the shuffle (numpy-compatible RandomState). Default 0. */
  seed?: number;
  /** Keep each class's share in every part (largest-remainder rounding). Default false. Refused for a regression data set (it has no classes). */
  stratify?: boolean;
}

/**
 * Seeded random split into train / validation / test. The parts never overlap and together hold
 * every sample once. Without stratification the order is numpy's `permutation(n)`: the first
 * samples of it go to test, the next to validation, the rest to train (as scikit-learn's ShuffleSplit).
 */
export function splitDataset(dataset: Dataset, args: SplitArgs = {}): DatasetSplits {
  const total = dataset.sampleCount;
  const testCount = partSize('test', args.test ?? 0, total);
  const validationCount = partSize('validation', args.validation ?? 0, total);
  const seed = args.seed ?? 0;
  if (testCount + validationCount >= total) {
    throw new Error(
      `splitDataset: test (${testCount}) + validation (${validationCount}) samples leave no training samples out of ${total} in dataset "${dataset.name}"`,
    );
  }
  if (args.stratify && dataset.targets !== undefined) {
    throw new Error(`splitDataset: stratify needs class labels; dataset "${dataset.name}" holds regression targets, so split it unstratified (stratify: false)`);
  }
  const random = new RandomState(seed);
  let test: Int32Array;
  let validation: Int32Array;
  let train: Int32Array;
  if (args.stratify) {
    [test, validation, train] = stratifiedParts(dataset, [testCount, validationCount], random);
  } else {
    const order = random.permutation(total);
    test = order.slice(0, testCount);
    validation = order.slice(testCount, testCount + validationCount);
    train = order.slice(testCount + validationCount);
  }
  return assemble(dataset, train, validationCount > 0 ? validation : undefined, testCount > 0 ? test : undefined);
}

/** Arguments of `splitOrdered`. */
export interface OrderedSplitArgs {
  /** The first `train` samples are the training part. Required. */
  train: number;
  /** The next `validation` samples are the validation part. Default 0 (none). */
  validation?: number;
}

/**
 * Split by position, no shuffling: the first `train` samples train, the next `validation` validate,
 * all the remaining ones test (e.g. the classic moons study: first 30 train, remaining 70 test).
 */
export function splitOrdered(dataset: Dataset, args: OrderedSplitArgs): DatasetSplits {
  const total = dataset.sampleCount;
  const validationCount = args.validation ?? 0;
  if (!Number.isInteger(args.train) || args.train < 1) throw new Error(`splitOrdered: train must be a positive integer, got ${String(args.train)}`);
  if (!Number.isInteger(validationCount) || validationCount < 0) {
    throw new Error(`splitOrdered: validation must be a non-negative integer, got ${String(validationCount)}`);
  }
  if (args.train + validationCount > total) {
    throw new Error(`splitOrdered: train (${args.train}) + validation (${validationCount}) exceed the ${total} samples of dataset "${dataset.name}"`);
  }
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  const train = range(0, args.train);
  const validation = range(args.train, args.train + validationCount);
  const test = range(args.train + validationCount, total);
  return assemble(dataset, train, validationCount > 0 ? validation : undefined, test.length > 0 ? test : undefined);
}

function partSize(field: string, value: number, total: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`splitDataset: ${field} must be a fraction in (0, 1) or a whole count >= 1, got ${String(value)}`);
  }
  if (value === 0) return 0;
  if (value < 1) return Math.ceil(value * total);
  if (!Number.isInteger(value)) throw new Error(`splitDataset: ${field} must be a fraction in (0, 1) or a whole count >= 1, got ${value}`);
  return value;
}

/** Per class: shuffle its samples, then hand out each part's quota; finally shuffle each part. */
function stratifiedParts(dataset: Dataset, partCounts: number[], random: RandomState): Int32Array[] {
  const byClass: number[][] = Array.from({ length: dataset.classCount }, () => []);
  for (let i = 0; i < dataset.sampleCount; i++) byClass[dataset.y[i]].push(i);
  for (const members of byClass) random.shuffle(members);
  const remaining = byClass.map((members) => members.length);
  const taken = byClass.map(() => 0);
  const parts: number[][] = [];
  for (const count of partCounts) {
    const quotas = allocate(count, byClass.map((m) => m.length), remaining, dataset.sampleCount);
    const part: number[] = [];
    quotas.forEach((quota, c) => {
      part.push(...byClass[c].slice(taken[c], taken[c] + quota));
      taken[c] += quota;
      remaining[c] -= quota;
    });
    parts.push(part);
  }
  parts.push(byClass.flatMap((members, c) => members.slice(taken[c])));
  return parts.map((part) => random.shuffle(Int32Array.from(part)));
}

/** Largest-remainder shares of `count` in proportion to class sizes, never more than a class has left. */
function allocate(count: number, classSizes: number[], remaining: number[], total: number): number[] {
  const exact = classSizes.map((size) => (count * size) / total);
  const quotas = exact.map((share, c) => Math.min(Math.floor(share), remaining[c]));
  let left = count - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((share, c) => ({ c, remainder: share - Math.floor(share) })).sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  while (left > 0) {
    let progressed = false;
    for (const { c } of byRemainder) {
      if (left === 0) break;
      if (quotas[c] < remaining[c]) {
        quotas[c]++;
        left--;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return quotas;
}

function assemble(dataset: Dataset, train: Int32Array, validation: Int32Array | undefined, test: Int32Array | undefined): DatasetSplits {
  const splits: DatasetSplits = {
    train: selectSamples(dataset, train, `${dataset.name}/train`),
    indices: { train },
  };
  if (validation !== undefined) {
    splits.validation = selectSamples(dataset, validation, `${dataset.name}/validation`);
    splits.indices.validation = validation;
  }
  if (test !== undefined) {
    splits.test = selectSamples(dataset, test, `${dataset.name}/test`);
    splits.indices.test = test;
  }
  return splits;
}
