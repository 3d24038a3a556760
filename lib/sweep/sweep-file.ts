/** Reading a sweep definition from a file: `.json`, or a `.js`/`.ts` module exporting it (`default` or `sweep`). */
import * as fs from 'fs';
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';
import type { SweepDefinition } from './definition';
import { fromConfig } from './definition-config';
import { requireUserModule } from './user-module';

/**
 * Relative file paths of the data (`data.csv.path`, `data.npy.x`/`y`, `data.npz.path`,
 * `data.idx.images`/`labels`) and of the model (`model.keras`) are relative to the definition
 * file's folder; workers get them absolute.
 */
function withPathsResolved(definition: SweepDefinition, folder: string): SweepDefinition {
  const absolute = (file: string): string => path.resolve(folder, file);
  const data = { ...definition.data };
  if (data.csv !== undefined) data.csv = { ...data.csv, path: absolute(data.csv.path) };
  if (data.npy !== undefined) data.npy = { ...data.npy, x: absolute(data.npy.x), y: absolute(data.npy.y) };
  if (data.npz !== undefined) data.npz = { ...data.npz, path: absolute(data.npz.path) };
  if (data.idx !== undefined) data.idx = { ...data.idx, images: absolute(data.idx.images), labels: absolute(data.idx.labels) };
  const model = typeof definition.model.keras === 'string' ? { ...definition.model, keras: absolute(definition.model.keras) } : definition.model;
  return { ...definition, data, model };
}

/** Reads, validates and fills defaults of a sweep file. Errors name the file and the field. */
export function readSweepFile(file: string): SweepDefinition {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new LayerwiseConfigError('config', `: ${file} does not exist`);
  let config: unknown;
  if (resolved.endsWith('.json')) {
    try {
      config = JSON.parse(fs.readFileSync(resolved, 'utf8'));
    } catch (error) {
      throw new LayerwiseConfigError('config', `: ${file} is not valid JSON (${(error as Error).message})`);
    }
  } else if (/\.(c?js|ts)$/.test(resolved)) {
    const module = requireUserModule(resolved, 'config', 'the sweep definition module') as { default?: unknown; sweep?: unknown } | undefined;
    // `export default`, `export const sweep`, or `module.exports = definition` (an object with a name).
    config = module?.default ?? module?.sweep ?? (module !== null && typeof module === 'object' && 'name' in module ? module : undefined);
    if (config === undefined) throw new LayerwiseConfigError('config', `: ${file} exports no definition; use \`module.exports = definition\`, \`export default definition\` or \`export const sweep = definition\``);
  } else {
    throw new LayerwiseConfigError('config', `: ${file} must be .json, .js or .ts`);
  }
  try {
    return withPathsResolved(fromConfig(config), path.dirname(resolved));
  } catch (error) {
    if (error instanceof LayerwiseConfigError) throw new LayerwiseConfigError(error.field, `${error.message.slice(error.field.length)} (in ${file})`);
    throw error;
  }
}
