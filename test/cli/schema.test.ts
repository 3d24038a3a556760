/**
 * The sweep definition schema is reachable from an installed package: `layerwise schema` prints it
 * and package.json exports it as `layerwise/sweep-definition.schema.json`, pointing at the file the
 * build emits next to the code that validates with it.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { SCHEMA_EXPORT, registerSchemaCommand } from '../../lib/cli/schema';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const SCHEMA_FILE = path.join(REPOSITORY, 'lib', 'sweep', 'sweep-definition.schema.json');

describe('layerwise schema', () => {
  it('prints the sweep definition JSON Schema, byte-for-byte the same JSON as the source file', async () => {
    let printed = '';
    const program = new Command().exitOverride();
    registerSchemaCommand(program, (text) => (printed += text));
    await program.parseAsync(['schema'], { from: 'user' });
    expect(JSON.parse(printed)).toEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    expect(printed.endsWith('}\n')).toBe(true);
  });

  it('is exported under the name --help and the docs use, mapped to the path tsc emits the schema to', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPOSITORY, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    expect(SCHEMA_EXPORT).toBe('layerwise/sweep-definition.schema.json');
    // tsconfig.build.json maps lib/ to dist/, and tsc copies imported JSON along.
    expect(manifest.exports['./sweep-definition.schema.json']).toBe('./dist/sweep/sweep-definition.schema.json');
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'docs', 'README.md']));
  });
});
