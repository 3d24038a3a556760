/**
 * What `loadKerasModel` accepts, resolved to a Keras 3 model config and, for a `.keras` archive,
 * the weights file and the compile config: a JSON string (`model.to_json()`), its parsed object, a
 * path to a `.json` file, or a path to a `.keras` archive (a zip with `config.json`,
 * `metadata.json` and `model.weights.h5`, as `model.save("m.keras")` writes it).
 */
import * as fs from 'fs';
import { ZipArchive } from '../../backend/zip-archive';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { isRecord } from './keras-objects';

/** A Keras model: JSON text, the parsed JSON, or a path to a `.json` or `.keras` file. */
export type KerasModelSource = string | Record<string, unknown>;

/** The parts of a source the loader uses. */
export interface ResolvedKerasSource {
  /** `{class_name: "Sequential" | "Functional", config: {...}}`. */
  modelConfig: Record<string, unknown>;
  /** `compile_config` of a `.keras` archive (Keras writes it when the model was compiled). */
  compileConfig?: Record<string, unknown>;
  /** Bytes of `model.weights.h5`, for a `.keras` archive. */
  weights?: Uint8Array;
  /** `keras_version` from `metadata.json`. */
  kerasVersion?: string;
  /** For messages: the file, or "JSON". */
  origin: string;
}

const ZIP_MAGIC = 0x04034b50;

function parseJson(text: string, origin: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LayerwiseConfigError('loadKerasModel.source', `(${origin}) is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new LayerwiseConfigError('loadKerasModel.source', `(${origin}) = ${describeValue(parsed)}: expected a Keras model config object`);
  return parsed;
}

function isZip(file: string): boolean {
  const descriptor = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(4);
    return fs.readSync(descriptor, header, 0, 4, 0) === 4 && header.readUInt32LE(0) === ZIP_MAGIC;
  } finally {
    fs.closeSync(descriptor);
  }
}

async function readArchive(file: string): Promise<ResolvedKerasSource> {
  const archive = ZipArchive.open(file);
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!archive.entries.has(name)) {
      throw new LayerwiseConfigError('loadKerasModel.source', `(${file}) has no ${name}; a Keras 3 .keras archive has config.json, metadata.json and model.weights.h5 (found: ${[...archive.entries.keys()].join(', ')})`);
    }
  }
  const config = parseJson((await archive.read('config.json')).toString('utf8'), `${file}: config.json`);
  const metadata = archive.entries.has('metadata.json') ? parseJson((await archive.read('metadata.json')).toString('utf8'), `${file}: metadata.json`) : {};
  const weights = new Uint8Array(await archive.read('model.weights.h5'));
  const compileConfig = isRecord(config.compile_config) ? config.compile_config : undefined;
  return { modelConfig: config, compileConfig, weights, kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : undefined, origin: file };
}

export async function resolveKerasSource(source: KerasModelSource): Promise<ResolvedKerasSource> {
  if (isRecord(source)) return { modelConfig: source, origin: 'the given object' };
  if (typeof source !== 'string') {
    throw new LayerwiseConfigError('loadKerasModel.source', `= ${describeValue(source)}: expected a Keras model JSON string or object, or a path to a .json or .keras file`);
  }
  if (source.trimStart().startsWith('{')) return { modelConfig: parseJson(source, 'JSON string'), origin: 'JSON string' };
  if (!fs.existsSync(source)) {
    throw new LayerwiseConfigError('loadKerasModel.source', `= ${describeValue(source)}: no such file (expected a Keras model JSON string, or a path to a .json or .keras file)`);
  }
  if (isZip(source)) return readArchive(source);
  return { modelConfig: parseJson(fs.readFileSync(source, 'utf8'), source), origin: source };
}
