/**
 * Keras 3's `model.weights.h5`, read and written with h5wasm (the HDF5 C library compiled to
 * WebAssembly), loaded lazily the first time a `.keras` archive is read or written.
 *
 * Layout written by `keras.saving.save_model` (keras/src/saving/saving_lib.py, `H5IOStore`):
 *   layers/<path>/vars            group, attribute `name` = the layer's name (Keras >= 3.?)
 *   layers/<path>/vars/0, 1, ...  the layer's variables, in the layer's own order
 *   layers/<path>/cell/vars/...   RNN layers keep their variables on the cell
 * `<path>` is the snake-cased class name made unique by a counter (`dense`, `dense_1`, ...), in the
 * order of `model.layers` (kerasWeightPath in weight-paths.ts).
 *
 * h5wasm ships as an ES module only; this CommonJS package (and jest without VM modules) cannot
 * `import()` it, so its self-contained IIFE build is evaluated once with `vm.runInThisContext`.
 * Files live in h5wasm's in-memory file system, never on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';

/** The parts of h5wasm's API used here (see node_modules/h5wasm/src/hdf5_hl.d.ts). */
interface H5Group {
  keys(): string[];
  get(name: string): H5Group | H5Dataset | null;
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: Float32Array; shape: number[]; dtype: string }): H5Dataset;
  create_attribute(name: string, data: string): void;
  attrs: Record<string, { value: unknown }>;
  type: string;
}
interface H5Dataset {
  type: string;
  shape: number[] | null;
  value: unknown;
}
interface H5File extends H5Group {
  close(): void;
}
interface H5Wasm {
  ready: Promise<unknown>;
  File: new (name: string, mode: 'r' | 'w') => H5File;
  FS: { writeFile(name: string, data: Uint8Array): void; readFile(name: string): Uint8Array; unlink(name: string): void };
}

/** One variable: its shape and float32 values. */
export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/** One `vars` group: where it is, the layer name Keras stored on it, its variables in order. */
export interface WeightGroup {
  /** Path of the owner group, e.g. `layers/lstm/cell`. */
  path: string;
  /** The `name` attribute of its `vars` group, when Keras wrote one. */
  name?: string;
  arrays: WeightArray[];
}

let loading: Promise<H5Wasm> | null = null;
let fileCounter = 0;

/** Where Node would find the h5wasm package (its `exports` map hides the IIFE build from require.resolve). */
function h5wasmBundlePath(): string {
  const searched = require.resolve.paths('h5wasm') ?? [];
  for (const directory of searched) {
    const candidate = path.join(directory, 'h5wasm', 'dist', 'iife', 'h5wasm.js');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`loadKerasModel/saveKerasModel need the npm package h5wasm to read and write model.weights.h5; install it with: npm install h5wasm (searched ${searched.join(', ')})`);
}

/** h5wasm, evaluated once and ready. */
export function h5wasm(): Promise<H5Wasm> {
  if (loading == null) {
    loading = (async () => {
      const file = h5wasmBundlePath();
      const module = vm.runInThisContext(`${fs.readFileSync(file, 'utf8')}\n;h5wasm`, { filename: file }) as H5Wasm;
      await module.ready;
      return module;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

function isGroup(entity: unknown): entity is H5Group {
  return entity != null && (entity as H5Group).type === 'Group';
}

function readArrays(vars: H5Group, where: string): WeightArray[] {
  const keys = vars.keys().filter((key) => /^\d+$/.test(key)).sort((a, b) => Number(a) - Number(b));
  return keys.map((key, index) => {
    if (Number(key) !== index) throw new Error(`model.weights.h5: ${where}/vars has variables ${keys.join(', ')}; expected 0..${keys.length - 1}`);
    const dataset = vars.get(key) as H5Dataset;
    const value = dataset.value;
    let values: Float32Array;
    if (value instanceof Float32Array) values = value;
    else if (ArrayBuffer.isView(value) || Array.isArray(value)) values = Float32Array.from(value as ArrayLike<number>);
    else if (typeof value === 'number') values = Float32Array.of(value);
    else throw new Error(`model.weights.h5: ${where}/vars/${key} is not numeric`);
    return { shape: dataset.shape ?? [], values };
  });
}

/** Every `vars` group with its variables, below `layers/` (and the model's own `vars`). */
export async function readWeightGroups(bytes: Uint8Array): Promise<WeightGroup[]> {
  const h5 = await h5wasm();
  const name = `/layerwise-read-${process.pid}-${++fileCounter}.h5`;
  h5.FS.writeFile(name, bytes);
  const file = new h5.File(name, 'r');
  try {
    const groups: WeightGroup[] = [];
    const visit = (group: H5Group, where: string): void => {
      const vars = group.get('vars');
      if (isGroup(vars)) {
        const attribute = vars.attrs?.name?.value;
        groups.push({ path: where, name: typeof attribute === 'string' ? attribute : undefined, arrays: readArrays(vars, where) });
      }
      for (const key of group.keys()) {
        if (key === 'vars') continue;
        const child = group.get(key);
        if (isGroup(child)) visit(child, `${where}/${key}`);
      }
    };
    const layers = file.get('layers');
    if (isGroup(layers)) for (const key of layers.keys()) visit(layers.get(key) as H5Group, `layers/${key}`);
    return groups;
  } finally {
    file.close();
    h5.FS.unlink(name);
  }
}

/** Writes `model.weights.h5` bytes: one `vars` group per entry (parents created), plus the model's own `vars`. */
export async function writeWeightGroups(groups: WeightGroup[], modelName: string): Promise<Uint8Array> {
  const h5 = await h5wasm();
  const name = `/layerwise-write-${process.pid}-${++fileCounter}.h5`;
  const file = new h5.File(name, 'w');
  try {
    const created = new Set<string>();
    const ensure = (groupPath: string): H5Group => {
      const parts = groupPath.split('/');
      for (let index = 1; index <= parts.length; index++) {
        const prefix = parts.slice(0, index).join('/');
        if (!created.has(prefix)) {
          file.create_group(prefix);
          created.add(prefix);
        }
      }
      return file.get(groupPath) as H5Group;
    };
    for (const group of groups) {
      const vars = ensure(`${group.path}/vars`);
      if (group.name != null) vars.create_attribute('name', group.name);
      group.arrays.forEach((array, index) => {
        vars.create_dataset({ name: String(index), data: array.values, shape: array.shape, dtype: '<f' });
      });
    }
    ensure('vars').create_attribute('name', modelName);
  } finally {
    file.close();
  }
  const bytes = h5.FS.readFile(name);
  h5.FS.unlink(name);
  return bytes;
}
