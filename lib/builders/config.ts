/**
 * Model specs as configs: `modelSpecToConfig` gives a validated JSON-safe copy, and
 * `modelSpecFromConfig` reads one back (an object or its JSON text). They round-trip exactly:
 * defaults are not filled in, so a saved config says only what its author said
 * (`withDefaults` spells the defaults out).
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import type { CnnSpec, MlpSpec, ModelSpec, RnnSpec } from './spec';
import { validateModelSpec } from './validate';

export function modelSpecToConfig(spec: ModelSpec): ModelSpec {
  return JSON.parse(JSON.stringify(validateModelSpec(spec))) as ModelSpec;
}

export function modelSpecFromConfig(config: unknown): ModelSpec {
  let value = config;
  if (typeof config === 'string') {
    try {
      value = JSON.parse(config);
    } catch (error) {
      throw new LayerwiseConfigError('modelSpec', `= ${describeValue(config.slice(0, 80))}: not valid JSON (${(error as Error).message})`);
    }
  }
  return validateModelSpec(JSON.parse(JSON.stringify(value)));
}

/** The spec with every optional field set to its default. */
export function withDefaults(spec: ModelSpec): Required<MlpSpec> | Required<CnnSpec> | Required<RnnSpec> {
  const checked = validateModelSpec(spec);
  if (checked.type === 'mlp') {
    return { activation: 'relu', dropout: 0, batchNormalization: false, ...checked } as Required<MlpSpec>;
  }
  if (checked.type === 'rnn') {
    return { dense: [], activation: 'relu', dropout: 0, batchNormalization: false, ...checked } as Required<RnnSpec>;
  }
  return {
    activation: 'relu',
    dropout: 0,
    batchNormalization: false,
    ...checked,
    blocks: checked.blocks.map((block) => ({ kernelSize: 3, pool: 0, activation: 'relu' as const, padding: 'valid' as const, ...block })),
  } as Required<CnnSpec>;
}
