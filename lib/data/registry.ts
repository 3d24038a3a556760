import { Dataset } from './dataset';
import { makeCircles, makeMoons } from './generators';
import { loadCircles, loadDigits, loadMnist, loadMoons } from './shipped';
import { loadFashionMnist } from './fashion-mnist';

/** Parameters parsed from a dataset name such as 'moons:samples=1000,noise=0.3'. */
export type DatasetParameters = Record<string, string>;

/** One entry of the dataset registry. */
export interface DatasetEntry {
  /** One line for listings. */
  description: string;
  /** Allowed parameter names with a short description each (name → description). */
  parameters: Record<string, string>;
  /** Builds the data set; `parameters` holds only names listed in `parameters`. */
  load(parameters: DatasetParameters): Dataset;
}

const registry = new Map<string, DatasetEntry>();

/** Adds (or replaces) a dataset under `name`, so sweep configs can refer to it by name. */
export function registerDataset(name: string, entry: DatasetEntry): void {
  if (!/^[a-z][a-z0-9_-]*$/i.test(name)) throw new Error(`registerDataset: name must be letters, digits, '-' or '_' starting with a letter, got ${JSON.stringify(name)}`);
  registry.set(name, entry);
}

/** Registered dataset names with their descriptions and parameters. */
export function listDatasets(): Array<{ name: string; description: string; parameters: Record<string, string> }> {
  return [...registry.entries()].map(([name, entry]) => ({ name, description: entry.description, parameters: { ...entry.parameters } }));
}

/** Splits 'base:key=value,key=value' into its base name and parameters. */
export function parseDatasetName(spec: string): { name: string; parameters: DatasetParameters } {
  if (typeof spec !== 'string' || spec.trim() === '') throw new Error(`loadDataset: name must be a non-empty string, got ${JSON.stringify(spec)}`);
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const parameters: DatasetParameters = {};
  if (colon >= 0) {
    for (const pair of spec.slice(colon + 1).split(',')) {
      const equals = pair.indexOf('=');
      const key = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (equals < 0 || key === '' || value === '') throw new Error(`loadDataset: "${pair}" in "${spec}" is not key=value`);
      if (key in parameters) throw new Error(`loadDataset: parameter "${key}" given twice in "${spec}"`);
      parameters[key] = value;
    }
  }
  return { name, parameters };
}

/**
 * A data set by name, for sweep configs and the CLI:
 * - 'moons', 'circles': the shipped scikit-learn files (100 points, in scikit-learn's order).
 * - 'moons:samples=1000,noise=0.3,seed=2', 'circles:samples=500,factor=0.5': generated; a missing
 *   parameter takes the shipped file's value (moons: samples 100, noise 0.2, seed 1; circles: samples
 *   100, noise 0.1, factor 0.8, seed 1), so 'moons:seed=1' regenerates the shipped set.
 * - 'digits': scikit-learn's 8x8 digits (1,797).
 * - 'mnist', 'mnist:part=train', 'mnist:part=test', '...,scale=bytes': the MNIST subset (see loadMnist).
 * - 'fashion-mnist', 'fashion-mnist:part=train,subset=2000,seed=1,shape=flat': Fashion-MNIST from
 *   Debian's dataset-fashion-mnist package (see loadFashionMnist; folder: $LAYERWISE_FASHION_MNIST_DIR).
 * Unknown names and parameters are errors that list the allowed ones.
 */
export function loadDataset(spec: string): Dataset {
  const { name, parameters } = parseDatasetName(spec);
  const entry = registry.get(name);
  if (entry === undefined) throw new Error(`loadDataset: unknown dataset "${name}"; known datasets are ${[...registry.keys()].join(', ')}`);
  for (const key of Object.keys(parameters)) {
    if (!(key in entry.parameters)) {
      const allowed = Object.keys(entry.parameters);
      throw new Error(`loadDataset: unknown parameter "${key}" for dataset "${name}"; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`);
    }
  }
  return entry.load(parameters);
}

function numberParameter(dataset: string, parameters: DatasetParameters, key: string, fallback: number): number {
  const text = parameters[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`loadDataset: parameter "${key}" of dataset "${dataset}" must be a number, got "${text}"`);
  return value;
}

function choiceParameter<T extends string>(dataset: string, parameters: DatasetParameters, key: string, allowed: readonly T[], fallback: T): T {
  const text = parameters[key];
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new Error(`loadDataset: parameter "${key}" of dataset "${dataset}" must be one of ${allowed.join(', ')}, got "${text}"`);
  }
  return text as T;
}

registerDataset('moons', {
  description: "scikit-learn make_moons(100, noise=0.2, random_state=1); with parameters, generated",
  parameters: { samples: 'number of points (100)', noise: 'noise standard deviation (0.2)', seed: 'random seed (1)' },
  load: (p) => {
    if (Object.keys(p).length === 0) return loadMoons();
    return makeMoons({ samples: numberParameter('moons', p, 'samples', 100), noise: numberParameter('moons', p, 'noise', 0.2), seed: numberParameter('moons', p, 'seed', 1) });
  },
});

registerDataset('circles', {
  description: "scikit-learn make_circles(100, noise=0.1, random_state=1); with parameters, generated",
  parameters: { samples: 'number of points (100)', noise: 'noise standard deviation (0.1)', factor: 'inner radius (0.8)', seed: 'random seed (1)' },
  load: (p) => {
    if (Object.keys(p).length === 0) return loadCircles();
    return makeCircles({
      samples: numberParameter('circles', p, 'samples', 100),
      noise: numberParameter('circles', p, 'noise', 0.1),
      factor: numberParameter('circles', p, 'factor', 0.8),
      seed: numberParameter('circles', p, 'seed', 1),
    });
  },
});

registerDataset('digits', {
  description: "scikit-learn's 8x8 digits, 1,797 samples, pixel values 0..16",
  parameters: {},
  load: () => loadDigits(),
});

registerDataset('mnist', {
  description: 'MNIST subset: 3,000 train + 1,000 test 28x28 images, pixels scaled to [0, 1]',
  parameters: { part: "'train', 'test' or 'all' (all: train then test)", scale: "'unit' ([0, 1]) or 'bytes' (0..255)" },
  load: (p) =>
    loadMnist({ part: choiceParameter('mnist', p, 'part', ['train', 'test', 'all'] as const, 'all'), scale: choiceParameter('mnist', p, 'scale', ['unit', 'bytes'] as const, 'unit') }),
});

registerDataset('fashion-mnist', {
  description: "Fashion-MNIST, 60,000 train + 10,000 test 28x28 images, from Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist)",
  parameters: {
    part: "'train' (60,000), 'test' (10,000) or 'all' (train then test)",
    subset: 'keep this many images, stratified by class, seeded (default: all)',
    seed: 'seed of the subset draw (0)',
    shape: "'image' (imageShape [28, 28, 1]) or 'flat' (784 features)",
    scale: "'unit' ([0, 1]) or 'bytes' (0..255)",
  },
  load: (p) =>
    loadFashionMnist({
      part: choiceParameter('fashion-mnist', p, 'part', ['train', 'test', 'all'] as const, 'all'),
      subset: p.subset === undefined ? undefined : numberParameter('fashion-mnist', p, 'subset', 0),
      seed: numberParameter('fashion-mnist', p, 'seed', 0),
      shape: choiceParameter('fashion-mnist', p, 'shape', ['image', 'flat'] as const, 'image'),
      scale: choiceParameter('fashion-mnist', p, 'scale', ['unit', 'bytes'] as const, 'unit'),
    }),
});
