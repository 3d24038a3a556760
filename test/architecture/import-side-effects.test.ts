/**
 * Importing layerwise changes nothing in tfjs: every own property (methods and accessors) of the
 * prototypes layerwise's opt-in fixes could touch (Layer, Container, LayersModel, Sequential, RNN,
 * LayerVariable, Variable, Tensor) and every serialization registry entry are the same objects
 * before and after `require('../../lib')` (and the built `dist/index.js` when it exists).
 * Identity (`===`), not equality.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

function snapshot(): Map<string, unknown> {
  const prototypes: Record<string, object> = {
    'Layer.prototype': tf.layers.Layer.prototype,
    'Container.prototype': Object.getPrototypeOf(tf.LayersModel.prototype),
    'LayersModel.prototype': tf.LayersModel.prototype,
    'Sequential.prototype': tf.Sequential.prototype,
    'RNN.prototype': tf.RNN.prototype,
    'LayerVariable.prototype': tf.LayerVariable.prototype,
    'Variable.prototype': tf.Variable.prototype,
    'Tensor.prototype': tf.Tensor.prototype,
  };
  const taken = new Map<string, unknown>();
  for (const [label, prototype] of Object.entries(prototypes)) {
    for (const key of Reflect.ownKeys(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
      taken.set(`${label}.${String(key)}.value`, descriptor.value);
      taken.set(`${label}.${String(key)}.get`, descriptor.get);
      taken.set(`${label}.${String(key)}.set`, descriptor.set);
    }
  }
  const registry = tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, unknown>;
  for (const [name, entry] of Object.entries(registry)) taken.set(`registry.${name}`, entry);
  return taken;
}

function changed(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  const differences: string[] = [];
  for (const [key, value] of before) if (after.get(key) !== value) differences.push(key);
  return differences;
}

describe('importing layerwise', () => {
  it('the snapshot sees a change (so an empty diff means something)', () => {
    const before = snapshot();
    const original = tf.layers.Layer.prototype.apply;
    tf.layers.Layer.prototype.apply = function spy(this: tf.layers.Layer, ...args: Parameters<typeof original>) {
      return original.apply(this, args);
    };
    try {
      expect(changed(before, snapshot())).toEqual(['Layer.prototype.apply.value']);
    } finally {
      tf.layers.Layer.prototype.apply = original;
    }
    expect(changed(before, snapshot())).toEqual([]);
  });

  it('leaves every tfjs prototype method and the RNN deserializers identical (lib/ sources)', () => {
    const before = snapshot();
    // First import of lib/ in this test file (nothing above imports it); the same tfjs instance.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../lib');
    const after = snapshot();
    expect(changed(before, after)).toEqual([]);
    for (const name of ['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM2D']) expect(after.get(`registry.${name}`)).toBe(before.get(`registry.${name}`));
  });

  const dist = path.resolve(__dirname, '../../dist/index.js');
  (fs.existsSync(dist) ? it : it.skip)('leaves them identical for the built dist/index.js too (skipped when not built)', () => {
    const before = snapshot();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(dist);
    expect(changed(before, snapshot())).toEqual([]);
  });
});
