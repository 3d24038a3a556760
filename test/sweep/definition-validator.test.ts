/**
 * The standalone validator `npm run build` generates says exactly what the validator compiled at
 * run time says: the same ajv errors and the same LayerwiseConfigError (field and message) for
 * every invalid definition of the definition tests and a few more schema errors, and both accept
 * a valid definition. A generated file from another schema is not used.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { checkAgainstSchema, SWEEP_DEFINITION_SCHEMA } from '../../lib/sweep/definition-config';
import { compileDefinitionValidator, GENERATED_VALIDATOR_FILE, generatedDefinitionValidator, schemaHash } from '../../lib/sweep/definition-validator';
import { writeDefinitionValidator } from '../../lib/sweep/write-definition-validator';
import { sweepConfig } from './fixtures/definitions';
import { INVALID_DEFINITIONS } from './fixtures/invalid-definitions';

// Inside the repository, not the system temp folder: the generated code requires ajv's runtime helpers.
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

/** Schema errors the definition tests do not cover: the data choice, population, a missing discriminator tag, unknown and ill-typed fields. */
const MORE_SCHEMA_ERRORS: Array<Record<string, unknown>> = [
  { data: {} },
  { data: { dataset: 'moons', csv: 'points.csv' } },
  { execution: { population: 0 } },
  { sampler: {} },
  { unknownField: 1 },
  { budget: 'ten' },
  { seeds: 0 },
  { space: { 'a.b': { type: 'uniform', low: 0, high: 1 } } },
];

/** What `checkAgainstSchema` throws with `validate`, as plain fields; undefined when the config passes. */
function schemaErrorOf(config: unknown, validate: ValidateFunction): { field: string; message: string } | undefined {
  try {
    checkAgainstSchema(config, validate);
    return undefined;
  } catch (error) {
    if (!(error instanceof LayerwiseConfigError)) throw error;
    return { field: error.field, message: error.message };
  }
}

describe('generated sweep definition validator', () => {
  let directory: string;
  let generated: ValidateFunction;
  let compiled: ValidateFunction;

  beforeAll(() => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    directory = fs.mkdtempSync(path.join(ARTIFACTS, 'definition-validator-'));
    writeDefinitionValidator(directory);
    generated = generatedDefinitionValidator(directory)!;
    compiled = compileDefinitionValidator();
  });

  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  test('is written and loaded from the directory', () => {
    expect(fs.existsSync(path.join(directory, GENERATED_VALIDATOR_FILE))).toBe(true);
    expect(typeof generated).toBe('function');
  });

  const configs = [...INVALID_DEFINITIONS.map(([overrides]) => overrides), ...MORE_SCHEMA_ERRORS];
  test.each(configs.map((overrides, index) => [index, overrides]))('invalid definition %i: the same ajv errors and the same message', (_index, overrides) => {
    const config = sweepConfig(overrides as Record<string, unknown>);
    expect(generated(config)).toBe(compiled(config));
    expect(generated.errors).toEqual(compiled.errors);
    expect(schemaErrorOf(config, generated)).toEqual(schemaErrorOf(config, compiled));
  });

  test('every extra case is a schema error naming its field', () => {
    for (const overrides of MORE_SCHEMA_ERRORS) {
      const error = schemaErrorOf(sweepConfig(overrides), generated);
      expect(error).toBeDefined();
      expect(error!.message.startsWith(error!.field)).toBe(true);
    }
  });

  test('a valid definition passes both', () => {
    expect(generated(sweepConfig())).toBe(true);
    expect(generated.errors).toBeNull();
    expect(compiled(sweepConfig())).toBe(true);
    expect(schemaErrorOf(sweepConfig(), generated)).toBeUndefined();
  });

  test('is not used when missing or generated from another schema', () => {
    const empty = fs.mkdtempSync(path.join(ARTIFACTS, 'definition-validator-'));
    expect(generatedDefinitionValidator(empty)).toBeUndefined();
    const source = fs.readFileSync(path.join(directory, GENERATED_VALIDATOR_FILE), 'utf8');
    fs.writeFileSync(path.join(empty, GENERATED_VALIDATOR_FILE), source.replace(schemaHash(), 'another-schema'));
    expect(generatedDefinitionValidator(empty)).toBeUndefined();
    // A file cut short (an interrupted build) is not used either, and does not throw.
    const damaged = fs.mkdtempSync(path.join(ARTIFACTS, 'definition-validator-'));
    fs.writeFileSync(path.join(damaged, GENERATED_VALIDATOR_FILE), source.slice(0, Math.floor(source.length / 2)));
    expect(generatedDefinitionValidator(damaged)).toBeUndefined();
    fs.rmSync(empty, { recursive: true, force: true });
    fs.rmSync(damaged, { recursive: true, force: true });
  });

  test("the generated file's hash covers the validator options and ajv's version, not only the schema", () => {
    const source = fs.readFileSync(path.join(directory, GENERATED_VALIDATOR_FILE), 'utf8');
    const plainSchemaHash = createHash('sha256').update(JSON.stringify(SWEEP_DEFINITION_SCHEMA)).digest('hex');
    expect(source).toContain(schemaHash());
    expect(schemaHash()).not.toBe(plainSchemaHash);
  });
});
