/**
 * Keras-compatible configs both ways, defaults, and validation errors.
 * Expected defaults and names come from Keras 3 (keras/src/regularizers/__init__.py, regularizers.py).
 */
import * as tf from '@tensorflow/tfjs';
import {
  createRegularizer,
  fromConfig,
  l1,
  l1l2,
  l2,
  orthogonal,
  registerRegularizer,
  custom,
  specOf,
  toConfig,
  validateSpec,
  RegularizerSpec,
} from '../../lib/regularizers';

registerRegularizer('scaledSum', (config) => (x) => tf.mul(config.scale as number, tf.sum(x)) as tf.Scalar);

const EVERY_KIND: RegularizerSpec[] = [
  l1({ l1: 0.3 }),
  l2({ l2: 0.02 }),
  l1l2({ l1: 0.1, l2: 0.2 }),
  orthogonal({ factor: 0.5, mode: 'columns' }),
  custom({ name: 'scaledSum', config: { scale: 3 } }),
];

describe('defaults follow Keras 3', () => {
  it('L1() and L2() default to 0.01, L1L2() to 0 and 0, orthogonal to 0.01 rows', () => {
    expect(l1()).toEqual({ kind: 'l1', l1: 0.01 });
    expect(l2()).toEqual({ kind: 'l2', l2: 0.01 });
    expect(l1l2()).toEqual({ kind: 'l1l2', l1: 0, l2: 0 });
    expect(orthogonal()).toEqual({ kind: 'orthogonal', factor: 0.01, mode: 'rows' });
  });
});

describe('toConfig / fromConfig', () => {
  it.each(EVERY_KIND.map((spec) => [spec.kind, spec]))('%s round-trips', (_kind, spec) => {
    expect(fromConfig(toConfig(spec))).toEqual(spec);
  });

  it('writes Keras 3 serialized form', () => {
    expect(toConfig(l2({ l2: 0.01 }))).toEqual({
      module: 'keras.regularizers',
      class_name: 'L2',
      config: { l2: 0.01 },
      registered_name: null,
    });
  });

  it('reads legacy, tfjs and lowercase forms', () => {
    expect(fromConfig({ class_name: 'L2', config: { l2: 0.009999999776482582 } })).toEqual({ kind: 'l2', l2: 0.009999999776482582 });
    expect(fromConfig({ className: 'L1L2', config: { l1: 0, l2: 0.5 } })).toEqual({ kind: 'l1l2', l1: 0, l2: 0.5 });
    expect(fromConfig({ class_name: 'l1', config: { l1: 0.2 } })).toEqual({ kind: 'l1', l1: 0.2 });
    expect(fromConfig({ module: 'keras.regularizers', class_name: 'OrthogonalRegularizer', config: { factor: 0.1, mode: 'rows' }, registered_name: null }))
      .toEqual({ kind: 'orthogonal', factor: 0.1, mode: 'rows' });
  });

  it('reads Keras 3 string identifiers with their defaults', () => {
    expect(fromConfig('l1')).toEqual({ kind: 'l1', l1: 0.01 });
    expect(fromConfig('L2')).toEqual({ kind: 'l2', l2: 0.01 });
    expect(fromConfig('l1l2')).toEqual({ kind: 'l1l2', l1: 0, l2: 0 });
    expect(fromConfig('orthogonal_regularizer')).toEqual({ kind: 'orthogonal', factor: 0.01, mode: 'rows' });
    expect(fromConfig('scaledSum')).toEqual({ kind: 'custom', name: 'scaledSum', config: {} });
  });

  it('rejects unknown identifiers and lists the valid ones (Keras 3 rejects "l1_l2")', () => {
    expect(() => fromConfig('l1_l2')).toThrow(/unknown regularizer identifier "l1_l2"; valid identifiers: L1, l1, L2, l2, L1L2, l1l2/);
    expect(() => fromConfig({ class_name: 'L3', config: {} })).toThrow(/unknown regularizer identifier "L3"/);
  });

  it('rejects unknown constructor arguments like Keras', () => {
    expect(() => fromConfig({ class_name: 'L2', config: { l: 0.1 } })).toThrow(/L2\.config: unknown argument\(s\) "l"; allowed: "l2"/);
  });
});

describe('validation', () => {
  it('names the layer, slot, argument and value', () => {
    expect(() => createRegularizer({ kind: 'l2', l2: -0.1 }, { layer: 'dense_1', slot: 'kernelRegularizer' }))
      .toThrow('dense_1.kernelRegularizer.l2 = -0.1: expected a finite number >= 0');
  });

  it.each([[NaN], [Infinity], [-1], ['0.1']])('rejects coefficient %p', (value) => {
    expect(() => validateSpec({ kind: 'l1', l1: value })).toThrow(/l1 = .*: expected a finite number >= 0/);
  });

  it('accepts zero', () => {
    expect(validateSpec({ kind: 'l2', l2: 0 })).toEqual({ kind: 'l2', l2: 0 });
  });

  it('rejects bad orthogonal mode and unknown kinds with the allowed values', () => {
    expect(() => orthogonal({ mode: 'diagonal' as 'rows' })).toThrow('mode = "diagonal": expected one of "rows", "columns"');
    expect(() => validateSpec({ kind: 'l3' })).toThrow('kind = "l3": expected one of "l1", "l2", "l1l2", "orthogonal", "custom"');
  });

  it('rejects unregistered custom names', () => {
    expect(() => custom({ name: 'nope' })).toThrow(/name = "nope": no custom regularizer is registered/);
  });

  it('refuses to register a built-in name', () => {
    expect(() => registerRegularizer('L2', () => () => tf.scalar(0))).toThrow(/built-in/);
  });
});

describe('tfjs regularizer objects', () => {
  it('createRegularizer builds tfjs regularizers whose spec reads back', () => {
    for (const spec of EVERY_KIND) expect(specOf(createRegularizer(spec))).toEqual(spec);
  });

  it('passes a tfjs regularizer through unchanged', () => {
    const existing = tf.regularizers.l2({ l2: 0.5 });
    expect(createRegularizer(existing)).toBe(existing);
    expect(specOf(existing)).toEqual({ kind: 'l1l2', l1: 0, l2: 0.5 });
  });

  it('l1l2 with one coefficient serializes both explicitly so tfjs cannot invent 0.01', () => {
    const regularizer = createRegularizer(l1l2({ l1: 0.1 }));
    expect(regularizer.getConfig()).toEqual({ l1: 0.1, l2: 0 });
  });

  it('a Dense layer built from Keras JSON with class_name "L2" loads (tfjs 4.22 fails with Unknown regularizer: L2)', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: createRegularizer(l2({ l2: 0.25 })) })],
    });
    const json = model.toJSON(undefined, false) as unknown as { config: { layers: Array<{ config: Record<string, unknown> }> } };
    const layerConfig = json.config.layers[0].config;
    expect(layerConfig.kernel_regularizer).toEqual({ class_name: 'L2', config: { l2: 0.25 } });
    const reloaded = await tf.models.modelFromJSON({ modelTopology: json } as unknown as tf.io.ModelJSON);
    const dense = reloaded.layers[0] as unknown as { kernelRegularizer: unknown };
    expect(specOf(dense.kernelRegularizer)).toEqual({ kind: 'l2', l2: 0.25 });
    model.dispose();
    reloaded.dispose();
  });
});
