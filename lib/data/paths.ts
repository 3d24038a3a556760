import * as fs from 'fs';
import * as path from 'path';

/**
 * The folder holding the shipped data files. Source (lib/data) and build (dist/data) sit two levels
 * below the package root, and the package ships data/ at its root ("files" in package.json), so the
 * same relative path works in both. LAYERWISE_DATA_DIR overrides it (e.g. for a relocated bundle).
 */
export function dataDirectory(): string {
  const override = process.env.LAYERWISE_DATA_DIR;
  if (override !== undefined && override !== '') return path.resolve(override);
  return path.resolve(__dirname, '..', '..', 'data');
}

/** Absolute path of a shipped data file; throws naming the folder when it is missing. */
export function dataFile(fileName: string, directory: string = dataDirectory()): string {
  const filePath = path.join(directory, fileName);
  if (!fs.existsSync(filePath)) {
    throw new Error(`data file ${fileName} not found in ${directory}; set LAYERWISE_DATA_DIR or pass directory to the loader`);
  }
  return filePath;
}
