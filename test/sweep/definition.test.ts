import Ajv from 'ajv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { definitionFingerprint, fromConfig, SWEEP_DEFINITION_SCHEMA, toConfig } from '../../lib/sweep/definition-config';
import { armCoefficients, armSpace } from '../../lib/sweep/arms';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import { sweepConfig, sweepDefinition } from './fixtures/definitions';
import { INVALID_DEFINITIONS } from './fixtures/invalid-definitions';

function errorOf(config: unknown): LayerwiseConfigError {
  try {
    fromConfig(config);
  } catch (error) {
    if (error instanceof LayerwiseConfigError) return error;
    throw error;
  }
  throw new Error('expected a LayerwiseConfigError');
}

describe('sweep definition', () => {
  test('fills defaults and round-trips through toConfig/fromConfig', () => {
    const definition = sweepDefinition({ seeds: 3, pruning: { type: 'asha' } });
    expect(definition.seeds).toEqual([0, 1, 2]);
    expect(definition.pruning).toEqual({ type: 'asha', minEpochs: 1, reductionFactor: 3 });
    expect(definition.execution).toEqual({ retries: 1 });
    expect(definition.sampler).toEqual({ type: 'random', seed: 3 });
    const config = JSON.parse(JSON.stringify(toConfig(definition)));
    expect(fromConfig(config)).toEqual(definition);
    expect(definitionFingerprint(fromConfig(config))).toBe(definitionFingerprint(definition));
  });

  test('execution.population: "auto" or a positive integer, round-tripped; anything else names the field', () => {
    for (const population of ['auto', 1, 8] as const) {
      const definition = sweepDefinition({ execution: { population } });
      expect(definition.execution.population).toBe(population);
      expect(fromConfig(JSON.parse(JSON.stringify(toConfig(definition))))).toEqual(definition);
    }
    for (const bad of [0, 2.5, 'all', -1]) {
      const error = errorOf(sweepConfig({ execution: { population: bad } }));
      expect(error.message).toMatch(/^execution\.population: got .*; allowed: "auto" .* or an integer >= 1/);
    }
  });

  test('the published schema file is a valid draft-07 schema', () => {
    const file = path.join(__dirname, '../../lib/sweep/sweep-definition.schema.json');
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(schema).toEqual(SWEEP_DEFINITION_SCHEMA);
    const ajv = new Ajv({ discriminator: true, strict: false });
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  test.each(INVALID_DEFINITIONS)('error %#: names the field %s', (overrides, field, message) => {
    const error = errorOf(sweepConfig(overrides as Record<string, unknown>));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(field)).toBe(true);
    expect(error.message).toMatch(message);
  });

  test('arm spaces name one coefficient (uniform) or one per layer, and decode back', () => {
    const definition = sweepDefinition({ space: { lr: { type: 'choice', values: [0.01, 0.1] } } });
    expect(Object.keys(armSpace(definition, definition.arms[0])).sort()).toEqual(['l2', 'lr']);
    expect(Object.keys(armSpace(definition, definition.arms[1])).sort()).toEqual(['l2.dense_1', 'l2.dense_2', 'lr']);
    expect(armCoefficients(definition.arms[1], { 'l2.dense_1': 1e-3, 'l2.dense_2': 1e-4, lr: 0.1 })).toEqual({
      penalties: { l2: { kind: 'per-layer', values: { dense_1: 1e-3, dense_2: 1e-4 } } },
      orthogonalMode: 'rows',
      shared: { lr: 0.1 },
    });
    expect(armCoefficients(definition.arms[0], { l2: 1e-3, lr: 0.1 }).penalties.l2).toEqual({ kind: 'uniform', value: 1e-3 });
  });

  test('readSweepFile names the file in errors and reads JSON', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-def-'));
    const good = path.join(directory, 'good.json');
    fs.writeFileSync(good, JSON.stringify(sweepConfig()));
    expect(readSweepFile(good).name).toBe('test-sweep');
    const bad = path.join(directory, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify(sweepConfig({ budget: 'ten' })));
    expect(() => readSweepFile(bad)).toThrow(/^budget.*must be integer.*bad\.json/);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
