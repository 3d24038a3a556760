/**
 * `layerwise schema`: prints the JSON Schema of sweep definitions (the file the package also exports
 * as `layerwise/sweep-definition.schema.json`), for editors and validators: point a definition's
 * `"$schema"` at the printed file, or at `node_modules/layerwise/dist/sweep/sweep-definition.schema.json`.
 */
import type { Command } from 'commander';
import schema from '../sweep/sweep-definition.schema.json';

/** The package export under which the schema is reachable from an installed package. */
export const SCHEMA_EXPORT = 'layerwise/sweep-definition.schema.json';

export function registerSchemaCommand(program: Command, write: (text: string) => void = (text) => process.stdout.write(text)): void {
  program
    .command('schema')
    .description(`Print the JSON Schema of sweep definitions (also importable as ${SCHEMA_EXPORT})`)
    .addHelpText('after', '\nExample: layerwise schema > sweep-definition.schema.json')
    .action(() => {
      write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
