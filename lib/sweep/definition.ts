/**
 * The sweep definition: plain JSON data that says what to train (model, data, training options,
 * all opaque here and validated by the objective), what to search (a shared space plus the arms'
 * penalty coefficients), how much (budget per arm, paired seeds) and how (sampler, pruning,
 * execution limits). `fromConfig` validates and fills defaults; `toConfig` returns plain JSON that
 * `fromConfig` turns back into an equal definition.
 */
import type { Dimension, SearchSpace } from './space';

/** Any JSON object. */
export type JsonObject = { [key: string]: unknown };

/** What a data source's targets are: class labels, or numbers to regress on. */
export type DataTask = 'classification' | 'regression';

/** Allowed values of a data source's `task`. */
export const DATA_TASKS: readonly DataTask[] = ['classification', 'regression'];

/** A CSV file as a sweep's data (`data.csv`). */
export interface CsvDataDefinition {
  /** CSV file; a relative path is resolved against the folder of the definition file (`readSweepFile` makes it absolute). */
  path: string;
  /** Header name of the target column; for `task: 'regression'` also a list of names (several targets, one output each). */
  target: string | string[];
  /** Header names of the feature columns. Default: every column but the target. */
  features?: string[];
  /** Column separator. Default ','. */
  delimiter?: string;
  /**
   * 'classification' (default): the target's distinct values are the classes (numeric order when
   * all are numbers, else text order). 'regression': the target column(s) hold numbers, trained
   * as they are (linear outputs, mean squared error); the split is unstratified.
   */
  task?: DataTask;
  /** The first row names the columns; must be true (columns are chosen by name). Default true. */
  header?: boolean;
}

/** Two `.npy` files as a sweep's data (`data.npy`): features [samples, ...] and integer class labels [samples] (or regression targets). */
export interface NpyDataDefinition {
  /** Features file; a relative path is resolved against the folder of the definition file. */
  x: string;
  /** Labels file (integers >= 0; the class count is the largest + 1), or with `task: 'regression'` targets [samples] or [samples, targets]; relative like `x`. */
  y: string;
  /** 'classification' (default): y holds class indices. 'regression': y holds numbers, trained as they are. */
  task?: DataTask;
}

/** Two arrays of one `.npz` archive (`numpy.savez` / `savez_compressed`) as a sweep's data (`data.npz`). */
export interface NpzDataDefinition {
  /** The archive; a relative path is resolved against the folder of the definition file. */
  path: string;
  /** Name of the features array in the archive. Default 'x'. */
  x?: string;
  /** Name of the labels array in the archive (or of the targets, with `task: 'regression'`). Default 'y'. */
  y?: string;
  /** 'classification' (default): y holds class indices. 'regression': y holds numbers [samples] or [samples, targets]. */
  task?: DataTask;
}

/** IDX files (the MNIST format) as a sweep's data (`data.idx`); `.gz` files are gunzipped. */
export interface IdxDataDefinition {
  /** Images file: unsigned bytes [samples, height, width]; relative to the definition file's folder. */
  images: string;
  /** Labels file: unsigned bytes [samples]; relative like `images`. */
  labels: string;
  /** 'unit' (default): pixel bytes divided by 255, in [0, 1]; 'bytes': 0..255 as they are. */
  pixels?: 'unit' | 'bytes';
}

/** Keys of `data` that name where the samples come from; a definition has exactly one. */
export const DATA_SOURCE_KEYS = ['dataset', 'csv', 'npy', 'npz', 'idx'] as const;

/**
 * Penalty families an arm can tune. Generic names reach every weight a policy includes by default
 * (the kernels of every kind: kernel, recurrent, depthwise, pointwise, embeddings): `l1` and `l2`
 * (both in one arm make an L1L2 penalty) or `orthogonal` (its factor; mode from
 * `orthogonalMode`). `weightDecay` is the decoupled decay applied by the optimizer step.
 * `activityL1` and `activityL2` penalize the layer's output (Keras activity regularization, divided
 * by the batch size). Slot names address one weight slot only: `<slot>L1`, `<slot>L2`,
 * `<slot>Orthogonal` for each slot of {@link ARM_SLOTS} (e.g. `biasL2`, `recurrentOrthogonal`,
 * `gammaL1`). One slot takes either L1/L2 or orthogonal, not both.
 */
export type ArmSlot = 'kernel' | 'bias' | 'recurrent' | 'depthwise' | 'pointwise' | 'embeddings' | 'gamma' | 'beta';
export const ARM_SLOTS: readonly ArmSlot[] = ['kernel', 'bias', 'recurrent', 'depthwise', 'pointwise', 'embeddings', 'gamma', 'beta'];
/** Regularizer kinds a slot penalty can be: the name's suffix. */
export type SlotPenaltyKind = 'L1' | 'L2' | 'Orthogonal';
export const SLOT_PENALTY_KINDS: readonly SlotPenaltyKind[] = ['L1', 'L2', 'Orthogonal'];
export type GenericPenaltyName = 'l1' | 'l2' | 'orthogonal' | 'weightDecay' | 'activityL1' | 'activityL2';
export const GENERIC_PENALTY_NAMES: readonly GenericPenaltyName[] = ['l1', 'l2', 'orthogonal', 'weightDecay', 'activityL1', 'activityL2'];
export type PenaltyName = GenericPenaltyName | `${ArmSlot}${SlotPenaltyKind}`;
/** Every penalty an arm accepts, in canonical order: the one list the schema is checked against. */
export const PENALTY_NAMES: readonly PenaltyName[] = [
  ...GENERIC_PENALTY_NAMES,
  ...ARM_SLOTS.flatMap((slot) => SLOT_PENALTY_KINDS.map((kind) => `${slot}${kind}` as PenaltyName)),
];

/** How an arm spends its coefficients. */
export type ArmKind = 'uniform' | 'per-layer' | 'none';
export const ARM_KINDS: readonly ArmKind[] = ['uniform', 'per-layer', 'none'];

/** A coefficient: a fixed number (>= 0, not searched) or a search dimension. */
export type Coefficient = number | Dimension;

/**
 * One side of the comparison: a policy template. Parameter names it produces (fixed coefficients
 * produce none): `uniform` → `l2`, `weightDecay`, ...; `per-layer` → `l2.<selector>` for each
 * entry of `layers` and `l2.<group>` for each tied group; `dropout` for a searched dropout rate.
 * A `none` arm regularizes nothing and searches nothing: one configuration, trained with every
 * seed, the baseline every comparison can include.
 */
export interface ArmDefinition {
  /** Unique arm name, e.g. 'uniform' or 'per-layer'; it is the `arm` of every trial record. */
  name: string;
  /** 'uniform': one coefficient per penalty shared by all its layers; 'per-layer': one per `layers` entry and per group; 'none': no regularization. */
  kind: ArmKind;
  /** Coefficient of each penalty (a fixed number or a search dimension). Required (non-empty) unless the arm is 'none' or only sets `dropout`; absent for 'none'. */
  penalties?: Partial<Record<PenaltyName, Coefficient>>;
  /**
   * Layer selectors (lib/policy: exact name, glob `dense_*`, class `Conv2D`, index `#0`).
   * 'per-layer': each entry gets its own coefficient, shared by the layers it matches. 'uniform':
   * the layers that share the coefficient; absent means every layer the policy reaches by default.
   * Every selector must match a layer of the model.
   */
  layers?: string[];
  /**
   * 'per-layer' only: tied groups, group name → selectors. Every layer a group's selectors match
   * shares the group's coefficient (one search dimension per group and penalty), e.g.
   * `{"conv": ["Conv2D"], "dense": ["Dense"]}`. A layer may belong to one group or `layers` entry only.
   */
  groups?: Record<string, string[]>;
  /** Dropout rate (fixed in [0, 1), or a search dimension) replacing the builder spec's `dropout` (mlp, or cnn with a dense head) in every trial of the arm. Parameter `dropout`. */
  dropout?: Coefficient;
  /** Mode of every orthogonal penalty of the arm: 'rows' (default, Keras) or 'columns'. */
  orthogonalMode?: 'rows' | 'columns';
}

/** Optional fields of an arm, in order: the one list the schema's arm properties are checked against (with `name` and `kind`). */
export const ARM_OPTIONAL_FIELDS = ['penalties', 'layers', 'groups', 'dropout', 'orthogonalMode'] as const satisfies ReadonlyArray<keyof ArmDefinition>;

export type SamplerName = 'grid' | 'random' | 'tpe';
export const SAMPLER_NAMES: readonly SamplerName[] = ['grid', 'random', 'tpe'];

export interface SamplerDefinition {
  type: SamplerName;
  /** Seed of every random choice the sampler makes. Default 0. */
  seed: number;
  /** TPE: finished configurations needed before the model is used (random draws until then). Default min(10, max(2, ceil(budget / 3))). */
  startupTrials?: number;
  /** TPE: candidates drawn from the "good" density per proposal. Default 24. */
  candidates?: number;
  /** TPE: fraction of observations counted as good. Default 0.25. */
  gamma?: number;
}

export type PruningDefinition =
  | { type: 'none' }
  | {
      /** Stop a trial whose best validation loss so far is worse than the median of finished trials at the same epoch. */
      type: 'median';
      /** Finished trials of the arm needed before anything is pruned. Default 5. */
      startupTrials: number;
      /** Epochs before pruning may happen. Default 1. */
      warmupEpochs: number;
    }
  | {
      /** Asynchronous successive halving: at rungs minEpochs·η^k, continue only the top 1/η of the arm. */
      type: 'asha';
      /** First rung, in epochs. Default 1. */
      minEpochs: number;
      /** η. Default 3. */
      reductionFactor: number;
    };
export type PruningName = PruningDefinition['type'];
export const PRUNING_NAMES: readonly PruningName[] = ['none', 'median', 'asha'];

export interface ExecutionDefinition {
  /**
   * A trial attempt that has run longer is stopped (its worker killed) and counted as a failed
   * attempt. Counted on its running time: the time it waits for the pruning gate's answer to an
   * epoch (a pruner waiting for earlier trials' epochs) does not count. A population job (several
   * members trained as one) is limited as a whole, from its start, waits included. Default: no limit.
   */
  trialTimeoutSeconds?: number;
  /** Extra attempts after a crash, error or timeout; then the trial is 'failed'. Divergence is never retried. Default 1. */
  retries: number;
  /**
   * TensorFlow.js backend of every trial: `auto` (default) times a few training steps of this
   * sweep's model on each available backend and keeps the fastest; `--backend` and
   * `LAYERWISE_BACKEND` override it. Not part of the fingerprint (it changes speed, not the trials).
   */
  backend?: 'auto' | 'tensorflow' | 'cpu' | 'wasm';
  /**
   * Trials trained as one computation (a population) when the objective can (`populationKey`,
   * `runPopulation`): `auto` (default) packs the ready trials with an equal population key into
   * one job per free executor slot (all of them with one slot: `--workers 0`; spread evenly over
   * a pool's workers, each of which trains on one core); a number packs at most that many; 1
   * trains every trial alone. Members' results
   * equal training them alone, so this changes speed, not results (not part of the fingerprint).
   */
  population?: 'auto' | number;
}

/** Test metric an evaluation compares: a loss (lower is better) or an accuracy (higher is better). */
export type EvaluationMetric = 'testLoss' | 'testAccuracy';
export const EVALUATION_METRICS: readonly EvaluationMetric[] = ['testLoss', 'testAccuracy'];

/** When an evaluation stops adding seeds: once every comparison is decisive (or at `max`), or only at `max`. */
export type EvaluationUntil = 'decisive' | 'max';
export const EVALUATION_UNTIL: readonly EvaluationUntil[] = ['decisive', 'max'];

/** How many fresh seeds an evaluation runs (`evaluation.seeds`). */
export interface EvaluationSeedsDefinition {
  /** Paired fresh seeds run before the first look (an integer >= 2). Default 3. */
  min: number;
  /** Most paired fresh seeds per arm; at `max` the evaluation stops, decisive or not. */
  max: number;
  /** 'decisive' (default): stop at the first look where every comparison is decisive; 'max': run `max` seeds, then decide once. */
  until: EvaluationUntil;
  /** Fresh seeds added per arm between looks after `min` (an integer >= 1). Default 1. */
  batch: number;
}

/** Fields of `evaluation.seeds`, in order: the list the schema is checked against. */
export const EVALUATION_SEEDS_FIELDS = ['min', 'max', 'until', 'batch'] as const satisfies ReadonlyArray<keyof EvaluationSeedsDefinition>;

/**
 * After selection, how each arm's selected configuration (chosen on validation loss over the
 * selection `seeds`) is evaluated: re-run on fresh paired seeds, numbered after the largest
 * selection seed so they never overlap it, adding seeds until an always-valid confidence sequence
 * of every arm − baseline difference of `metric` is decisive (lib/sweep/evaluation-stage.ts).
 */
export interface EvaluationDefinition {
  seeds: EvaluationSeedsDefinition;
  /** Test metric compared. Default 'testLoss'. */
  metric: EvaluationMetric;
  /** Smallest difference that matters (>= 0, the metric's units): decisive means beyond ±margin, or within it. Default 0. */
  margin: number;
  /** Probability that any comparison's sequence ever excludes the true difference (split evenly over the comparisons). Default 0.05. */
  alpha: number;
  /** Arm every other arm is compared with. Default: the arm named 'uniform' if there is one, else the first arm. */
  baseline: string;
}

/** Fields of `evaluation`, in order: the list the schema is checked against. */
export const EVALUATION_FIELDS = ['seeds', 'metric', 'margin', 'alpha', 'baseline'] as const satisfies ReadonlyArray<keyof EvaluationDefinition>;

export interface SweepDefinition {
  /** Sweep name: letters, digits, '.', '_', '-'. */
  name: string;
  description?: string;
  /** Registered objective that runs one trial. Default 'train'. */
  objective: string;
  /** Model spec, passed to the objective as is. */
  model: JsonObject;
  /**
   * Data set and split: exactly one source — `dataset` names a shipped or registered data set,
   * `csv`, `npy`, `npz` or `idx` reads files — plus `split`, `standardize` (features, fitted on
   * the train split only) and `standardizeTargets` (regression targets likewise; losses are then in
   * units of the train targets' standard deviation).
   */
  data: JsonObject & {
    dataset?: string;
    csv?: CsvDataDefinition;
    npy?: NpyDataDefinition;
    npz?: NpzDataDefinition;
    idx?: IdxDataDefinition;
    split?: JsonObject;
    standardize?: boolean;
    standardizeTargets?: boolean;
  };
  /** Training options (epochs, batch size, optimizer...), passed to the objective. Default {}. */
  training: JsonObject;
  /** Dimensions sampled in every arm (e.g. learning rate), named without dots. Default {}. */
  space: SearchSpace;
  arms: ArmDefinition[];
  /** Configurations sampled per arm: the same for every arm, so the comparison is at equal search cost. */
  budget: number;
  /** Seeds every configuration is trained with; the same list in every arm (paired). These select each arm's configuration. */
  seeds: number[];
  /** Re-run the selected configurations on fresh seeds until the answer is decisive. Default: none (the report compares on the selection seeds). */
  evaluation?: EvaluationDefinition;
  sampler: SamplerDefinition;
  pruning: PruningDefinition;
  execution: ExecutionDefinition;
}
