/** Reading a sweep definition from a file: `.json`, or a `.js`/`.ts` module exporting it (`default` or `sweep`). */
import * as fs from 'fs';
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';
import type { SweepDefinition } from './definition';
import { fromConfig } from './definition-config';
import { requireUserModule } from './user-module';

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
    const module = requireUserModule(resolved, 'config', 'the sweep definition module') as { default?: unknown; sweep?: unknown };
    config = module.default ?? module.sweep;
    if (config === undefined) throw new LayerwiseConfigError('config', `: ${file} exports neither a default nor a \`sweep\` definition`);
  } else {
    throw new LayerwiseConfigError('config', `: ${file} must be .json, .js or .ts`);
  }
  try {
    return fromConfig(config);
  } catch (error) {
    if (error instanceof LayerwiseConfigError) throw new LayerwiseConfigError(error.field, `${error.message.slice(error.field.length)} (in ${file})`);
    throw error;
  }
}
