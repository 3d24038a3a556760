/**
 * Trial records for report tests. `realisticSweep` imitates a small uniform-vs-per-layer sweep
 * (per-epoch curves, seed effects shared across arms, one failed, one diverged and one pruned
 * trial); `trial` builds a minimal record with chosen final numbers for hand-computed tests.
 */
import seedrandom from 'seedrandom';
import type { EpochRecord } from '../../lib/train/record';
import type { ParameterValues, TrialRecord, TrialState } from '../../lib/sweep/record';

/** The hostile layer name every escaping test uses. */
export const HOSTILE_LAYER = '<img src=x onerror=alert(1)>';

export interface TrialArgs {
  arm: string;
  configId: string;
  seed: number;
  params?: ParameterValues;
  state?: TrialState;
  index?: number;
  /** Final train / validation / test data losses. */
  train: number;
  validation?: number;
  test?: number;
  trainAccuracy?: number;
  validationAccuracy?: number;
  testAccuracy?: number;
  penalty?: number;
  sweepName?: string;
}

/** A one-epoch trial whose final metrics are exactly the given numbers. */
export function trial(args: TrialArgs): TrialRecord {
  const epoch: EpochRecord = {
    epoch: 1,
    train: { loss: args.train, accuracy: args.trainAccuracy },
    penalty: args.penalty ?? 0,
    penaltyPerLayer: {},
    weightNorms: { 'dense_1/kernel': 1 },
    seconds: 0.1,
  };
  if (args.validation !== undefined) epoch.validation = { loss: args.validation, accuracy: args.validationAccuracy };
  if (args.test !== undefined) epoch.test = { loss: args.test, accuracy: args.testAccuracy };
  return {
    trialId: `${args.configId}-s${args.seed}`,
    configId: args.configId,
    sweepName: args.sweepName ?? 'hand',
    arm: args.arm,
    index: args.index ?? 0,
    params: args.params ?? {},
    seed: args.seed,
    state: args.state ?? 'complete',
    attempts: 1,
    epochs: [epoch],
    final: epoch,
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export interface RealisticSweepOptions {
  /** Use the hostile name as a third layer. Default true. */
  hostileLayer?: boolean;
  sweepName?: string;
  seeds?: number[];
  epochs?: number;
}

/** A small uniform-vs-per-layer sweep with plausible learning curves. Deterministic. */
export function realisticSweep(options: RealisticSweepOptions = {}): TrialRecord[] {
  const seeds = options.seeds ?? [11, 12, 13, 14];
  const epochs = options.epochs ?? 12;
  const sweepName = options.sweepName ?? 'moons-mlp';
  const layers = ['dense_1', 'dense_2', options.hostileLayer === false ? 'dense_3' : HOSTILE_LAYER];
  const random = seedrandom('fixture');
  // A per-seed effect shared by both arms (same split and initialization), which pairing removes.
  const seedEffect = new Map(seeds.map((seed) => [seed, (random() - 0.5) * 0.08]));

  const uniformCoefficients = [0, 1e-5, 1e-4, 1e-3, 1e-2];
  const perLayerConfigs: number[][] = [
    [1e-3, 1e-4, 1e-5],
    [1e-4, 1e-3, 1e-5],
    [3e-3, 3e-4, 1e-4],
    [1e-2, 1e-3, 1e-4],
    [1e-5, 1e-5, 1e-2],
  ];
  const configs: Array<{ arm: string; params: ParameterValues; strength: number; bonus: number }> = [
    ...uniformCoefficients.map((c) => ({ arm: 'uniform', params: { l2: c }, strength: c, bonus: 0 })),
    ...perLayerConfigs.map((values) => ({
      arm: 'per-layer',
      params: Object.fromEntries(layers.map((layer, i) => [`l2.${layer}`, values[i]])),
      strength: Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length),
      // More decay on the first layer than the last helps a little in this toy world.
      bonus: values[0] > values[2] ? -0.015 : 0.01,
    })),
  ];

  const records: TrialRecord[] = [];
  const armIndex: Record<string, number> = {};
  configs.forEach((config, configNumber) => {
    const configId = `cfg${String(configNumber).padStart(2, '0')}${config.arm === 'uniform' ? 'u' : 'p'}a1b2c3d4`;
    for (const seed of seeds) {
      const index = (armIndex[config.arm] = (armIndex[config.arm] ?? -1) + 1);
      const logStrength = Math.log10(Math.max(config.strength, 1e-7));
      const trainFinal = 0.08 + 0.3 * sigmoid((logStrength + 2.3) * 2);
      const gapFinal = 0.32 * (1 - sigmoid((logStrength + 3.4) * 1.8));
      const effect = (seedEffect.get(seed) as number) + config.bonus;
      let state: TrialState = 'complete';
      let lastEpoch = epochs;
      let divergedAt: number | undefined;
      let error: string | undefined;
      if (config.arm === 'uniform' && configNumber === 1 && seed === seeds[2]) {
        state = 'diverged';
        divergedAt = 5;
        lastEpoch = 5;
      }
      if (config.arm === 'per-layer' && configNumber === 9 && seed === seeds[1]) {
        state = 'failed';
        lastEpoch = 0;
        error = 'Error: out of memory <in "worker-2">';
      }
      if (config.arm === 'per-layer' && configNumber === 9 && seed === seeds[3]) {
        state = 'pruned';
        lastEpoch = 3;
      }
      const epochRecords: EpochRecord[] = [];
      for (let epoch = 1; epoch <= lastEpoch; epoch++) {
        const noise = (): number => (random() - 0.5) * 0.02;
        const train = trainFinal + (0.7 - trainFinal) * Math.exp(-epoch / 2.5) + noise();
        const gap = gapFinal * (1 - Math.exp(-epoch / 3.5));
        const test = train + gap + effect + noise();
        const validation = train + gap + effect + noise() * 2;
        const diverged = divergedAt !== undefined && epoch === divergedAt;
        const accuracy = (loss: number): number => Math.min(0.99, Math.max(0.5, 1 - loss * 0.45));
        const norms: Record<string, number> = {};
        const penalties: Record<string, number> = {};
        layers.forEach((layer, i) => {
          const value = typeof config.params[`l2.${layer}`] === 'number' ? (config.params[`l2.${layer}`] as number) : config.strength;
          norms[`${layer}/kernel`] = (3 + i) * (1 - 0.4 * sigmoid((Math.log10(Math.max(value, 1e-7)) + 2.5) * 2)) * (1 - Math.exp(-epoch / 3));
          penalties[`${layer}.kernel`] = value * norms[`${layer}/kernel`] ** 2;
        });
        epochRecords.push({
          epoch,
          train: { loss: diverged ? NaN : train, accuracy: accuracy(train) },
          validation: { loss: diverged ? NaN : validation, accuracy: accuracy(validation) },
          test: { loss: diverged ? NaN : test, accuracy: accuracy(test) },
          penalty: diverged ? NaN : Object.values(penalties).reduce((a, b) => a + b, 0),
          penaltyPerLayer: penalties,
          weightNorms: norms,
          lossGap: test - train,
          accuracyGap: accuracy(train) - accuracy(test),
          seconds: 0.4 + random() * 0.1,
        });
      }
      const record: TrialRecord = {
        trialId: `${configId}-seed${seed}`,
        configId,
        sweepName,
        arm: config.arm,
        index,
        params: config.params,
        seed,
        state,
        attempts: state === 'failed' ? 3 : 1,
        epochs: epochRecords,
        backend: 'cpu',
        seconds: epochRecords.reduce((sum, epoch) => sum + epoch.seconds, 0),
      };
      if (state === 'complete') {
        record.final = epochRecords[epochRecords.length - 1];
        record.runStatus = 'complete';
      }
      if (state === 'diverged') {
        record.runStatus = 'diverged';
        record.divergedAtEpoch = divergedAt;
      }
      if (state === 'pruned') record.runStatus = 'pruned';
      if (error) record.error = error;
      records.push(record);
    }
  });
  return records;
}
