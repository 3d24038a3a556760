/**
 * Which layer matters: the share of the variance in validation loss explained by each layer's
 * coefficient, estimated by a first-order functional ANOVA (`fanova.ts`) of a random-forest
 * surrogate (`surrogate-forest.ts`) fitted on the coefficients (log10 scale when all positive) →
 * final validation loss, one row per usable trial. The interval is a seeded percentile bootstrap
 * that resamples whole configurations (all seeds of a configuration together, since they share
 * their coefficients), refitting the forest each time. Pure functions over trial summaries.
 */
import seedrandom from 'seedrandom';
import type { ArmName } from '../sweep/record';
import { layerCoefficientsOf } from '../sweep/selection/configuration-summary';
import { sampleQuantiles } from '../statistics/distributions';
import { FeatureBounds, mainEffectShares } from './fanova';
import { fitRegressionForest } from './surrogate-forest';
import type { Interval } from '../statistics/summary-stats';
import type { TrialSummary } from '../sweep/selection/trial-summary';

/** Options of {@link estimateImportance} and {@link layerImportance}. */
export interface ImportanceOptions {
  /** Two-sided level of the bootstrap interval, in (0, 1). Default 0.95. */
  confidence?: number;
  /** Bootstrap resamples of configurations (each refits the forest). Default 100. */
  resamples?: number;
  /** Trees per forest. Default 32. */
  trees?: number;
  /** Seed of every random stream (forest bootstraps and the resampling). Default `'layerwise'`. */
  seed?: string;
  /** Fewest distinct configurations for an estimate; fewer gives status 'insufficient'. Default 5. */
  minConfigurations?: number;
}

/** The input of {@link estimateImportance}: feature rows, responses, and which rows share a configuration. */
export interface ImportanceData {
  /** Feature names, one per column of `x`. */
  features: string[];
  /** One row per observation (e.g. per trial), already on the scale the decomposition should use. */
  x: number[][];
  /** Response per row (e.g. final validation loss). */
  y: number[];
  /** Group of each row (e.g. configId): rows of a group are resampled together. Default: each row its own group. */
  groups?: string[];
}

/** One feature's first-order share of the variance. */
export interface FeatureImportance {
  feature: string;
  /** Main-effect share of the surrogate's variance on the full data, in [0, 1]. */
  share: number;
  /** Percentile bootstrap interval of the share; null when the feature is constant (share 0 by definition). */
  interval: Interval | null;
  /** Lowest and highest value of the feature in the data (the box the decomposition integrates over). */
  range: [number, number];
}

/** Result of {@link estimateImportance}. */
export interface ImportanceEstimate {
  /** 'estimated', or 'insufficient' when the data cannot support an estimate (then `reason` says why). */
  status: 'estimated' | 'insufficient';
  reason?: string;
  /** Observations and distinct groups used. */
  observations: number;
  groups: number;
  /** Per feature, in input order. Empty when insufficient. */
  importances: FeatureImportance[];
  /** 1 − the sum of main effects: variance left to interactions; null when insufficient. */
  interactionShare: number | null;
  interactionInterval: Interval | null;
  /** Settings after defaults. */
  confidence: number;
  resamples: number;
  trees: number;
  seed: string;
}

function settingsOf(options: ImportanceOptions): Required<ImportanceOptions> {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`importance.confidence: got ${String(confidence)}; allowed: a number in (0, 1)`);
  const resamples = options.resamples ?? 100;
  if (!Number.isInteger(resamples) || resamples < 2) throw new RangeError(`importance.resamples: got ${String(resamples)}; allowed: an integer >= 2`);
  const trees = options.trees ?? 32;
  if (!Number.isInteger(trees) || trees < 1) throw new RangeError(`importance.trees: got ${String(trees)}; allowed: a positive integer`);
  const minConfigurations = options.minConfigurations ?? 5;
  if (!Number.isInteger(minConfigurations) || minConfigurations < 2) {
    throw new RangeError(`importance.minConfigurations: got ${String(minConfigurations)}; allowed: an integer >= 2`);
  }
  return { confidence, resamples, trees, seed: options.seed ?? 'layerwise', minConfigurations };
}

/**
 * First-order fANOVA shares of each feature with seeded bootstrap intervals. Constant features get
 * share 0 and no interval; the forest is fitted on the varying ones.
 */
export function estimateImportance(data: ImportanceData, options: ImportanceOptions = {}): ImportanceEstimate {
  const settings = settingsOf(options);
  const { features, x, y } = data;
  if (x.length !== y.length) throw new RangeError(`estimateImportance: ${x.length} rows but ${y.length} responses`);
  x.forEach((row, index) => {
    if (row.length !== features.length) throw new RangeError(`estimateImportance: row ${index} has ${row.length} values for ${features.length} features`);
  });
  const groups = data.groups ?? x.map((_, index) => String(index));
  if (groups.length !== x.length) throw new RangeError(`estimateImportance: ${groups.length} groups for ${x.length} rows`);
  const groupNames = [...new Set(groups)];
  const base = {
    observations: x.length,
    groups: groupNames.length,
    confidence: settings.confidence,
    resamples: settings.resamples,
    trees: settings.trees,
    seed: settings.seed,
  };
  const insufficient = (reason: string): ImportanceEstimate => ({ ...base, status: 'insufficient', reason, importances: [], interactionShare: null, interactionInterval: null });
  if (features.length === 0) return insufficient('no per-layer coefficient to attribute variance to');
  if (groupNames.length < settings.minConfigurations) {
    return insufficient(`not enough trials: ${groupNames.length} distinct configuration(s) (${x.length} trial(s)); at least ${settings.minConfigurations} are needed`);
  }
  const ranges = features.map((_, f): [number, number] => [Math.min(...x.map((row) => row[f])), Math.max(...x.map((row) => row[f]))]);
  const varying = features.map((_, f) => f).filter((f) => ranges[f][1] > ranges[f][0]);
  if (varying.length === 0) return insufficient('not enough trials: every coefficient has the same value in every trial');
  const yMin = Math.min(...y);
  const yMax = Math.max(...y);
  if (!(yMax > yMin)) return insufficient('not enough trials: validation loss is the same in every trial, so there is no variance to explain');

  const bounds: FeatureBounds = varying.map((f) => ranges[f]);
  const project = (row: readonly number[]): number[] => varying.map((f) => row[f]);
  const sharesOf = (rows: number[], streamSeed: string): number[] | null => {
    const ys = rows.map((row) => y[row]);
    if (!(Math.max(...ys) > Math.min(...ys))) return null;
    const forest = fitRegressionForest(
      rows.map((row) => project(x[row])),
      ys,
      { trees: settings.trees, seed: streamSeed },
    );
    return mainEffectShares(forest, bounds);
  };

  const allRows = x.map((_, index) => index);
  const point = sharesOf(allRows, `${settings.seed}/importance/fit`) as number[];
  const rowsByGroup = new Map<string, number[]>();
  groups.forEach((group, row) => rowsByGroup.set(group, [...(rowsByGroup.get(group) ?? []), row]));
  const random = seedrandom(`${settings.seed}/importance/resample`);
  const draws: number[][] = [];
  for (let r = 0; r < settings.resamples; r++) {
    const rows: number[] = [];
    for (let g = 0; g < groupNames.length; g++) rows.push(...(rowsByGroup.get(groupNames[Math.floor(random() * groupNames.length)]) as number[]));
    // A resample with constant loss has nothing to decompose: every share is 0 there.
    draws.push(sharesOf(rows, `${settings.seed}/importance/resample-${r}`) ?? varying.map(() => 0));
  }
  const alpha = 1 - settings.confidence;
  const intervalOf = (values: number[]): Interval => {
    const [lower, upper] = sampleQuantiles(values, [alpha / 2, 1 - alpha / 2]);
    return { lower, upper };
  };
  const importances: FeatureImportance[] = features.map((feature, f) => {
    const column = varying.indexOf(f);
    if (column < 0) return { feature, share: 0, interval: null, range: ranges[f] };
    return { feature, share: point[column], interval: intervalOf(draws.map((draw) => draw[column])), range: ranges[f] };
  });
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  return {
    ...base,
    status: 'estimated',
    importances,
    interactionShare: Math.max(0, 1 - sum(point)),
    interactionInterval: intervalOf(draws.map((draw) => Math.max(0, 1 - sum(draw)))),
  };
}

/** Which layer matters in one arm: {@link ImportanceEstimate} with the layers spelled out. */
export interface LayerImportance extends ImportanceEstimate {
  arm: ArmName;
  /** The response decomposed. */
  response: 'validationLoss';
  /** Per-layer parameters (`<kind>.<layer>`), in the order of `importances`, with the scale they were decomposed on. */
  parameters: Array<{ parameter: string; kind: string; layer: string; scale: 'log10' | 'linear' }>;
  /** Present when the arm had more than {@link MAX_IMPORTANCE_TRIALS} usable trials: how many were used, of how many. */
  sample?: { trials: number; of: number; rule: string };
}

/**
 * At most this many trials of an arm go into the forest (each bootstrap resample refits it, so the
 * cost grows with the trial count); larger arms use whole configurations in a seeded order.
 */
export const MAX_IMPORTANCE_TRIALS = 500;

/** 32-bit FNV-1a of a string: a stable, seeded order of configurations. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Whole configurations, in an order fixed by `seed`, until `limit` trials are taken. */
function sampleByConfiguration(trials: readonly TrialSummary[], limit: number, seed: string): TrialSummary[] {
  if (trials.length <= limit) return [...trials];
  const byConfig = new Map<string, TrialSummary[]>();
  for (const trial of trials) {
    const group = byConfig.get(trial.configId);
    if (group === undefined) byConfig.set(trial.configId, [trial]);
    else group.push(trial);
  }
  const order = [...byConfig.keys()].sort((a, b) => fnv1a(`${seed}/${a}`) - fnv1a(`${seed}/${b}`) || (a < b ? -1 : 1));
  const kept: TrialSummary[] = [];
  for (const configId of order) {
    const group = byConfig.get(configId)!;
    if (kept.length + group.length > limit) break;
    kept.push(...group);
  }
  return kept;
}

/**
 * Layer importance of one arm's usable trials: features are the per-layer coefficients (parameters
 * named `<kind>.<layer>`), log10 when every value of a parameter is positive, else linear (a zero
 * coefficient has no logarithm); the response is the final validation data loss. Trials without a
 * finite validation loss or with a missing coefficient are left out.
 */
export function layerImportance(arm: ArmName, trials: readonly TrialSummary[], options: ImportanceOptions = {}): LayerImportance {
  const usable = trials.filter((trial) => trial.arm === arm && trial.usable && Number.isFinite(trial.final?.validationLoss));
  const names = [...new Set(usable.flatMap((trial) => layerCoefficientsOf(trial.params).map((c) => c.parameter)))].sort();
  const eligible = usable.filter((trial) => names.every((name) => typeof trial.params[name] === 'number' && Number.isFinite(trial.params[name])));
  const complete = sampleByConfiguration(eligible, MAX_IMPORTANCE_TRIALS, `${options.seed ?? 'layerwise'}/${arm}`);
  const parameters = names.map((parameter) => {
    const dot = parameter.indexOf('.');
    const positive = complete.every((trial) => (trial.params[parameter] as number) > 0);
    return { parameter, kind: parameter.slice(0, dot), layer: parameter.slice(dot + 1), scale: positive ? ('log10' as const) : ('linear' as const) };
  });
  const estimate = estimateImportance(
    {
      features: names,
      x: complete.map((trial) => parameters.map(({ parameter, scale }) => (scale === 'log10' ? Math.log10(trial.params[parameter] as number) : (trial.params[parameter] as number)))),
      y: complete.map((trial) => trial.final?.validationLoss as number),
      groups: complete.map((trial) => trial.configId),
    },
    { ...options, seed: `${options.seed ?? 'layerwise'}/${arm}` },
  );
  const result: LayerImportance = { ...estimate, seed: options.seed ?? 'layerwise', arm, response: 'validationLoss', parameters };
  if (complete.length < eligible.length) {
    result.sample = { trials: complete.length, of: eligible.length, rule: `whole configurations in a seeded order until ${MAX_IMPORTANCE_TRIALS} trials` };
  }
  return result;
}

/** Arms whose trials carry per-layer coefficients (`<kind>.<layer>` parameters), sorted. */
export function armsWithLayerCoefficients(trials: readonly TrialSummary[]): ArmName[] {
  // Trials of a configuration share one parameters object (a large sweep's reader shares them): each object is read once.
  const seen = new Map<object, boolean>();
  const arms = new Set<ArmName>();
  for (const trial of trials) {
    let has = seen.get(trial.params);
    if (has === undefined) seen.set(trial.params, (has = layerCoefficientsOf(trial.params).length > 0));
    if (has) arms.add(trial.arm);
  }
  return [...arms].sort();
}
