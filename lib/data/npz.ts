/**
 * NumPy's `.npz` format (`numpy.savez` / `numpy.savez_compressed`): a zip archive holding one
 * `<name>.npy` per array, stored or deflated. Only the arrays asked for are inflated.
 */
import * as fs from 'fs';
import { unzipSync } from 'fflate';
import { DataFormatError } from './errors';
import { parseNpy, type NpyArray } from './npy';

/** The array names in an `.npz` archive (entry names without `.npy`). */
export function npzArrayNames(buffer: Uint8Array, source: string): string[] {
  return Object.keys(unzipNpz(buffer, source, () => false).names);
}

function unzipNpz(buffer: Uint8Array, source: string, wanted: (name: string) => boolean): { names: Record<string, true>; files: Record<string, Uint8Array> } {
  const names: Record<string, true> = {};
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(buffer, {
      filter: (file) => {
        if (!file.name.endsWith('.npy')) return false;
        const name = file.name.slice(0, -'.npy'.length);
        names[name] = true;
        return wanted(name);
      },
    });
  } catch (error) {
    throw new DataFormatError({ file: source, byteOffset: 0 }, `not a valid .npz (zip) archive (${(error as Error).message}); write it with numpy.savez or numpy.savez_compressed`);
  }
  return { names, files };
}

/**
 * The arrays `names` of an `.npz` archive's bytes; a missing name is an error listing the
 * archive's arrays.
 */
export function parseNpz(buffer: Uint8Array, source: string, names: readonly string[]): Record<string, NpyArray> {
  const { names: present, files } = unzipNpz(buffer, source, (name) => names.includes(name));
  const result: Record<string, NpyArray> = {};
  for (const name of names) {
    if (files[`${name}.npy`] === undefined) {
      throw new DataFormatError({ file: source }, `has no array "${name}"; its arrays are ${Object.keys(present).join(', ') || '(none)'}`);
    }
    result[name] = parseNpy(files[`${name}.npy`], `${source}: ${name}.npy`);
  }
  return result;
}

/** Reads the arrays `names` of an `.npz` file. */
export function loadNpz(filePath: string, names: readonly string[]): Record<string, NpyArray> {
  if (!fs.existsSync(filePath)) throw new DataFormatError({ file: filePath }, 'file does not exist');
  return parseNpz(fs.readFileSync(filePath), filePath, names);
}
