/**
 * The ajv validator of the sweep definition schema, compiled once at build time rather than at
 * every run: `npm run build` writes ajv's standalone code of the schema next to this module
 * (`sweep-definition-validator.generated.js`, in dist only), and {@link definitionValidator}
 * loads it. Compiling the schema costs ~145 ms of every `layerwise sweep` start; loading the
 * generated code ~5 ms. Without the generated file (ts-node, jest) or when it was generated from
 * another schema, the schema is compiled here with the same options, so the errors are the same.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Options, ValidateFunction } from 'ajv';
import schema from './sweep-definition.schema.json';

/** File name of the generated standalone validator, next to the compiled form of this module. */
export const GENERATED_VALIDATOR_FILE = 'sweep-definition-validator.generated.js';

/**
 * Options of the validator, generated or compiled: the error messages rely on them (`verbose`
 * gives `data` and `parentSchema` to name the value and the allowed fields).
 */
export const DEFINITION_VALIDATOR_OPTIONS: Readonly<Options> = {
  allErrors: false,
  discriminator: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  logger: false,
};

/**
 * SHA-256 of what a validator's behaviour depends on: the schema, {@link DEFINITION_VALIDATOR_OPTIONS}
 * and ajv's version. A generated file left from an older schema, other options or another ajv (a
 * dist rebuilt with plain `tsc`, say) carries another hash and is not used.
 */
export function schemaHash(): string {
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(JSON.stringify({ schema, options: DEFINITION_VALIDATOR_OPTIONS, ajvVersion })).digest('hex');
}

/**
 * Compiles the schema now. ajv is required here, not at the top of the module: a run that loads
 * the generated validator does not load ajv's compiler at all.
 */
export function compileDefinitionValidator(): ValidateFunction {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  return new Ajv({ ...DEFINITION_VALIDATOR_OPTIONS }).compile(schema);
}

/** The standalone module source of the validator (ajv's `standalone`), ending with the schema hash it was generated from. */
export function definitionValidatorSource(): string {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
  const ajv = new Ajv({ ...DEFINITION_VALIDATOR_OPTIONS, code: { source: true } });
  return `${standaloneCode(ajv, ajv.compile(schema))}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash())};\n`;
}

/** What a generated validator module exports. */
interface GeneratedValidatorModule {
  /** The validator. */
  default: ValidateFunction;
  /** {@link schemaHash} of what it was generated from. */
  schemaHash?: string;
}

/** The generated validator in `directory`, or undefined when there is none or it checks another schema. */
export function generatedDefinitionValidator(directory: string = __dirname): ValidateFunction | undefined {
  const file = path.join(directory, GENERATED_VALIDATOR_FILE);
  if (!fs.existsSync(file)) return undefined;
  let generated: GeneratedValidatorModule;
  try {
    generated = require(file) as GeneratedValidatorModule;
  } catch {
    // A damaged file (say, from an interrupted build) must not stop every sweep: compile instead.
    return undefined;
  }
  return generated.schemaHash === schemaHash() && typeof generated.default === 'function' ? generated.default : undefined;
}

let validator: ValidateFunction | undefined;

/** The validator of sweep definitions: the generated one when present and current, else compiled once. */
export function definitionValidator(): ValidateFunction {
  validator ??= generatedDefinitionValidator() ?? compileDefinitionValidator();
  return validator;
}
