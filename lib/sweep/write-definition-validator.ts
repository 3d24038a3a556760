/**
 * Writes the standalone sweep definition validator next to the compiled `definition-validator.js`;
 * `npm run build` runs it after `tsc` (`node dist/sweep/write-definition-validator.js`), so the
 * built CLI validates a sweep file without compiling the schema.
 */
import * as fs from 'fs';
import * as path from 'path';
import { definitionValidatorSource, GENERATED_VALIDATOR_FILE } from './definition-validator';

/**
 * Writes the generated validator into `directory` and returns its path. Written to a temporary file
 * and renamed, so an interrupted build leaves the previous file or none, never half of one.
 */
export function writeDefinitionValidator(directory: string): string {
  const file = path.join(directory, GENERATED_VALIDATOR_FILE);
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, definitionValidatorSource());
  fs.renameSync(partial, file);
  return file;
}

if (require.main === module) writeDefinitionValidator(__dirname);
