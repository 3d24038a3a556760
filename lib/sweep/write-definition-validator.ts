/**
 * Writes the standalone sweep definition validator next to the compiled `definition-validator.js`;
 * `npm run build` runs it after `tsc` (`node dist/sweep/write-definition-validator.js`), so the
 * built CLI validates a sweep file without compiling the schema.
 */
import * as fs from 'fs';
import * as path from 'path';
import { definitionValidatorSource, GENERATED_VALIDATOR_FILE } from './definition-validator';

/** Writes the generated validator into `directory` and returns its path. */
export function writeDefinitionValidator(directory: string): string {
  const file = path.join(directory, GENERATED_VALIDATOR_FILE);
  fs.writeFileSync(file, definitionValidatorSource());
  return file;
}

if (require.main === module) writeDefinitionValidator(__dirname);
