/**
 * `enableKerasSemantics()`: opt-in, and its undo restores exactly the functions that were there,
 * checked by identity (`toBe`): after one install, after a second install, and refusing (restoring
 * nothing) when a foreign patch was installed on top of ours in between.
 */
import * as tf from '@tensorflow/tfjs';
import { enableKerasSemantics, isKerasSemanticsEnabled, RECURRENT_CLASS_NAMES, TfjsPatchConflictError } from '../../lib/tfjs-compat';

type Snapshot = Map<string, unknown>;

const containerPrototype = Object.getPrototypeOf(tf.LayersModel.prototype) as Record<string, unknown>;
const layerPrototype = tf.layers.Layer.prototype as unknown as Record<string, unknown>;
const registry = (): Record<string, unknown> => tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, unknown>;

function snapshot(): Snapshot {
  const taken: Snapshot = new Map();
  taken.set('Layer.apply', layerPrototype.apply);
  taken.set('Container.calculateLosses', containerPrototype.calculateLosses);
  for (const name of RECURRENT_CLASS_NAMES) taken.set(`registry.${name}`, registry()[name]);
  return taken;
}

function expectIdentical(now: Snapshot, then: Snapshot): void {
  for (const [key, value] of then) expect([key, now.get(key) === value]).toEqual([key, true]);
}

describe('enableKerasSemantics', () => {
  it('is off until called; install replaces every function, undo restores each one by identity', () => {
    expect(isKerasSemanticsEnabled()).toBe(false);
    const original = snapshot();
    const handle = enableKerasSemantics();
    const patched = snapshot();
    for (const [key, value] of original) expect([key, patched.get(key) !== value]).toEqual([key, true]);
    handle.undo();
    expectIdentical(snapshot(), original);
    expect(isKerasSemanticsEnabled()).toBe(false);
    expect(handle.active).toBe(false);
    handle.undo(); // a second undo of the same handle does nothing
    expectIdentical(snapshot(), original);
  });

  it('a second install shares the patches; only the last undo restores', () => {
    const original = snapshot();
    const first = enableKerasSemantics();
    const patched = snapshot();
    const second = enableKerasSemantics();
    expectIdentical(snapshot(), patched); // not patched twice
    first.undo();
    expectIdentical(snapshot(), patched); // still held by `second`
    expect(isKerasSemanticsEnabled()).toBe(true);
    second.undo();
    expectIdentical(snapshot(), original);
  });

  it('refuses to undo under a foreign patch (restoring nothing), and undoes once that patch is gone', () => {
    const original = snapshot();
    const handle = enableKerasSemantics();
    const ours = layerPrototype.apply as (...args: unknown[]) => unknown;
    const foreign = function foreignApply(this: unknown, ...args: unknown[]): unknown {
      return ours.apply(this, args);
    };
    layerPrototype.apply = foreign;
    const withForeign = snapshot();
    expect(() => handle.undo()).toThrow(TfjsPatchConflictError);
    expect(() => handle.undo()).toThrow(/tf\.layers\.Layer\.prototype\.apply/);
    expectIdentical(snapshot(), withForeign); // nothing restored: the foreign patch survives
    expect(handle.active).toBe(true);
    layerPrototype.apply = ours; // the foreign patcher undoes its own patch first
    handle.undo();
    expectIdentical(snapshot(), original);
  });

  it('makes plain tfjs layers with an activity regularizer work while enabled (tfjs throws otherwise)', () => {
    const make = (): tf.layers.Layer => tf.layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones', activityRegularizer: tf.regularizers.l2({ l2: 0.5 }) });
    const input = tf.tensor2d([[1], [2]]);
    expect(() => make().apply(input)).toThrow(/activity regularizer/);
    const handle = enableKerasSemantics();
    try {
      const output = make().apply(input) as tf.Tensor;
      expect(Array.from(output.dataSync())).toEqual([1, 2]);
      output.dispose();
    } finally {
      handle.undo();
    }
    input.dispose();
  });
});
