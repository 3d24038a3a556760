/**
 * Validation of model specs. Errors name the field (`mlp.hidden[1]`), the bad value and what is
 * allowed, so a hand-written or sweep-generated spec can be fixed without reading this code.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { ACTIVATION_NAMES, RECURRENT_CELL_NAMES, TASK_KINDS, type CnnSpec, type MlpSpec, type ModelSpec, type RnnSpec } from './spec';

const MODEL_TYPES = ['mlp', 'cnn', 'rnn'] as const;

const MLP_FIELDS = ['type', 'inputSize', 'hidden', 'outputSize', 'activation', 'dropout', 'activationLayers', 'batchNormalization', 'task'];
const CNN_FIELDS = ['type', 'inputShape', 'blocks', 'dense', 'outputSize', 'dropout', 'activation', 'batchNormalization', 'task'];
const RNN_FIELDS = ['type', 'inputShape', 'cell', 'units', 'dense', 'outputSize', 'activation', 'dropout', 'batchNormalization', 'task'];
const BLOCK_FIELDS = ['filters', 'kernelSize', 'pool', 'activation', 'padding'];

function quoted(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(', ');
}

function positiveInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected an integer >= 1`);
  }
}

function oneOf(value: unknown, allowed: readonly string[], field: string, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected one of ${quoted(allowed)}`);
  }
}

function optionalBoolean(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected true or false`);
  }
}

function dropoutRate(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected a number in [0, 1)`);
  }
}

function knownFields(record: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new LayerwiseConfigError(`${where}.${key}`, `: unknown field; allowed: ${quoted(allowed)}`);
  }
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function positiveIntegerList(value: unknown, field: string): void {
  if (!Array.isArray(value)) throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected an array of integers >= 1`);
  value.forEach((entry, index) => positiveInteger(entry, `${field}[${index}]`));
}

/** The output size each task allows. */
function checkTaskOutput(task: string, outputSize: number, where: string): void {
  if (task === 'binary' && outputSize !== 1) {
    throw new LayerwiseConfigError(`${where}.outputSize`, `= ${outputSize}: task "binary" has one sigmoid output; expected 1`);
  }
  if (task === 'multiclass' && outputSize < 2) {
    throw new LayerwiseConfigError(`${where}.outputSize`, `= ${outputSize}: task "multiclass" needs one softmax unit per class; expected >= 2`);
  }
}

function validateMlp(record: Record<string, unknown>): MlpSpec {
  knownFields(record, MLP_FIELDS, 'mlp');
  positiveInteger(record.inputSize, 'mlp.inputSize');
  positiveIntegerList(record.hidden, 'mlp.hidden');
  positiveInteger(record.outputSize, 'mlp.outputSize');
  oneOf(record.activation, ACTIVATION_NAMES, 'mlp.activation', true);
  dropoutRate(record.dropout, 'mlp.dropout');
  optionalBoolean(record.activationLayers, 'mlp.activationLayers');
  optionalBoolean(record.batchNormalization, 'mlp.batchNormalization');
  oneOf(record.task, TASK_KINDS, 'mlp.task', false);
  checkTaskOutput(record.task as string, record.outputSize as number, 'mlp');
  return record as unknown as MlpSpec;
}

function validateCnn(record: Record<string, unknown>): CnnSpec {
  knownFields(record, CNN_FIELDS, 'cnn');
  const shape = record.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new LayerwiseConfigError('cnn.inputShape', `= ${describeValue(shape)}: expected [height, width, channels] of integers >= 1`);
  }
  shape.forEach((entry, index) => positiveInteger(entry, `cnn.inputShape[${index}]`));
  if (!Array.isArray(record.blocks) || record.blocks.length === 0) {
    throw new LayerwiseConfigError('cnn.blocks', `= ${describeValue(record.blocks)}: expected a non-empty array of conv blocks such as {"filters": 8}`);
  }
  record.blocks.forEach((block, index) => {
    const where = `cnn.blocks[${index}]`;
    const fields = plainObject(block, where);
    knownFields(fields, BLOCK_FIELDS, where);
    positiveInteger(fields.filters, `${where}.filters`);
    if (fields.kernelSize !== undefined) positiveInteger(fields.kernelSize, `${where}.kernelSize`);
    if (fields.pool !== undefined && fields.pool !== 0) positiveInteger(fields.pool, `${where}.pool`);
    oneOf(fields.activation, ACTIVATION_NAMES, `${where}.activation`, true);
    oneOf(fields.padding, ['valid', 'same'], `${where}.padding`, true);
  });
  positiveIntegerList(record.dense, 'cnn.dense');
  positiveInteger(record.outputSize, 'cnn.outputSize');
  dropoutRate(record.dropout, 'cnn.dropout');
  if (typeof record.dropout === 'number' && record.dropout > 0 && (record.dense as unknown[]).length === 0) {
    throw new LayerwiseConfigError('cnn.dropout', `= ${record.dropout}: dropout follows each dense head layer and "dense" is empty; add dense layers or set dropout to 0`);
  }
  oneOf(record.activation, ACTIVATION_NAMES, 'cnn.activation', true);
  optionalBoolean(record.batchNormalization, 'cnn.batchNormalization');
  oneOf(record.task, TASK_KINDS, 'cnn.task', false);
  checkTaskOutput(record.task as string, record.outputSize as number, 'cnn');
  return record as unknown as CnnSpec;
}

function validateRnn(record: Record<string, unknown>): RnnSpec {
  knownFields(record, RNN_FIELDS, 'rnn');
  const shape = record.inputShape;
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new LayerwiseConfigError('rnn.inputShape', `= ${describeValue(shape)}: expected [timesteps, features] of integers >= 1`);
  }
  shape.forEach((entry, index) => positiveInteger(entry, `rnn.inputShape[${index}]`));
  oneOf(record.cell, RECURRENT_CELL_NAMES, 'rnn.cell', false);
  if (!Array.isArray(record.units) || record.units.length === 0) {
    throw new LayerwiseConfigError('rnn.units', `= ${describeValue(record.units)}: expected a non-empty array of integers >= 1 (units per recurrent layer)`);
  }
  positiveIntegerList(record.units, 'rnn.units');
  if (record.dense !== undefined) positiveIntegerList(record.dense, 'rnn.dense');
  positiveInteger(record.outputSize, 'rnn.outputSize');
  oneOf(record.activation, ACTIVATION_NAMES, 'rnn.activation', true);
  dropoutRate(record.dropout, 'rnn.dropout');
  optionalBoolean(record.batchNormalization, 'rnn.batchNormalization');
  oneOf(record.task, TASK_KINDS, 'rnn.task', false);
  checkTaskOutput(record.task as string, record.outputSize as number, 'rnn');
  return record as unknown as RnnSpec;
}

/** Checks a model spec and returns it typed; throws `LayerwiseConfigError` naming the bad field. */
export function validateModelSpec(spec: unknown): ModelSpec {
  const record = plainObject(spec, 'modelSpec');
  switch (record.type) {
    case 'mlp':
      return validateMlp(record);
    case 'cnn':
      return validateCnn(record);
    case 'rnn':
      return validateRnn(record);
    default:
      throw new LayerwiseConfigError('modelSpec.type', `= ${describeValue(record.type)}: expected one of ${quoted(MODEL_TYPES)}`);
  }
}

/**
 * JSON Schema (draft-07) of `ModelSpec`, for tools that validate configs outside TypeScript
 * (sweep files, editors). `validateModelSpec` is stricter (task/output consistency) and gives
 * better messages; this schema is the structural part.
 */
export const modelSpecSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'layerwise/model-spec',
  definitions: {
    activation: { type: 'string', enum: [...ACTIVATION_NAMES] },
    task: { type: 'string', enum: [...TASK_KINDS] },
    positiveInteger: { type: 'integer', minimum: 1 },
    dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    mlp: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'inputSize', 'hidden', 'outputSize', 'task'],
      properties: {
        type: { const: 'mlp' },
        inputSize: { $ref: '#/definitions/positiveInteger' },
        hidden: { type: 'array', items: { $ref: '#/definitions/positiveInteger' } },
        outputSize: { $ref: '#/definitions/positiveInteger' },
        activation: { $ref: '#/definitions/activation' },
        dropout: { $ref: '#/definitions/dropout' },
        activationLayers: { type: 'boolean' },
        batchNormalization: { type: 'boolean' },
        task: { $ref: '#/definitions/task' },
      },
    },
    convBlock: {
      type: 'object',
      additionalProperties: false,
      required: ['filters'],
      properties: {
        filters: { $ref: '#/definitions/positiveInteger' },
        kernelSize: { $ref: '#/definitions/positiveInteger' },
        pool: { type: 'integer', minimum: 0 },
        activation: { $ref: '#/definitions/activation' },
        padding: { type: 'string', enum: ['valid', 'same'] },
      },
    },
    cnn: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'inputShape', 'blocks', 'dense', 'outputSize', 'task'],
      properties: {
        type: { const: 'cnn' },
        inputShape: { type: 'array', minItems: 3, maxItems: 3, items: { $ref: '#/definitions/positiveInteger' } },
        blocks: { type: 'array', minItems: 1, items: { $ref: '#/definitions/convBlock' } },
        dense: { type: 'array', items: { $ref: '#/definitions/positiveInteger' } },
        outputSize: { $ref: '#/definitions/positiveInteger' },
        dropout: { $ref: '#/definitions/dropout' },
        activation: { $ref: '#/definitions/activation' },
        batchNormalization: { type: 'boolean' },
        task: { $ref: '#/definitions/task' },
      },
    },
    rnn: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'inputShape', 'cell', 'units', 'outputSize', 'task'],
      properties: {
        type: { const: 'rnn' },
        inputShape: { type: 'array', minItems: 2, maxItems: 2, items: { $ref: '#/definitions/positiveInteger' } },
        cell: { type: 'string', enum: [...RECURRENT_CELL_NAMES] },
        units: { type: 'array', minItems: 1, items: { $ref: '#/definitions/positiveInteger' } },
        dense: { type: 'array', items: { $ref: '#/definitions/positiveInteger' } },
        outputSize: { $ref: '#/definitions/positiveInteger' },
        activation: { $ref: '#/definitions/activation' },
        dropout: { $ref: '#/definitions/dropout' },
        batchNormalization: { type: 'boolean' },
        task: { $ref: '#/definitions/task' },
      },
    },
  },
  oneOf: [{ $ref: '#/definitions/mlp' }, { $ref: '#/definitions/cnn' }, { $ref: '#/definitions/rnn' }],
} as const;
