import * as tf from '@tensorflow/tfjs';
import { mlp, type MlpSpec } from '../../lib/builders';
import { describePolicy, formatPolicyTable, perLayer, resolvePolicy, uniform, weightDecayRates, type Policy } from '../../lib/policy';
import { l1, l2 } from '../../lib/regularizers';


// Layers: dense_1 (#0), dense_2 (#1), output (#2).
const spec: MlpSpec = { type: 'mlp', inputSize: 2, hidden: [3, 3], outputSize: 1, task: 'binary' };
// Layers: dense_1, batch_norm_1, dropout_1, output.
const normSpec: MlpSpec = { type: 'mlp', inputSize: 2, hidden: [3], outputSize: 1, task: 'binary', batchNormalization: true, dropout: 0.5 };

let model: tf.LayersModel;
let normModel: tf.LayersModel;
beforeAll(() => {
  model = mlp(spec, { seed: 1 });
  normModel = mlp(normSpec, { seed: 1 });
});
afterAll(() => {
  model.dispose();
  normModel.dispose();
});

/** The l2 coefficient each layer's kernel gets, or null. */
function kernelL2(policy: Policy, target: tf.LayersModel = model): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const layer of resolvePolicy(policy, target).layers) {
    const spec = layer.penalties.kernel;
    if (spec !== undefined) result[layer.name] = spec === null ? null : (spec as { l2: number }).l2;
  }
  return result;
}

describe('selector precedence: exact name > index > glob > class, later entries win ties', () => {
  const byKind = {
    Dense: { regularizer: l2({ l2: 1 }) },
    'dense_*': { regularizer: l2({ l2: 2 }) },
    '#1': { regularizer: l2({ l2: 3 }) },
    dense_2: { regularizer: l2({ l2: 4 }) },
  };

  it('ranks by selector kind, whatever the entry order', () => {
    const expected = { dense_1: 2, dense_2: 4, output: 1 };
    expect(kernelL2(perLayer({ layers: byKind }))).toEqual(expected);
    const reversed = Object.fromEntries(Object.entries(byKind).reverse());
    expect(kernelL2(perLayer({ layers: reversed }))).toEqual(expected);
  });

  it('index beats glob and class', () => {
    expect(kernelL2(perLayer({ layers: { '#1': { regularizer: l2({ l2: 3 }) }, '*': { regularizer: l2({ l2: 2 }) }, Dense: { regularizer: l2({ l2: 1 }) } } }))).toEqual({
      dense_1: 2,
      dense_2: 3,
      output: 2,
    });
  });

  it('among selectors of the same kind the later entry wins', () => {
    expect(kernelL2(perLayer({ layers: { 'dense_*': { regularizer: l2({ l2: 2 }) }, '*_1': { regularizer: l2({ l2: 5 }) } } }))).toEqual({ dense_1: 5, dense_2: 2 });
    expect(kernelL2(perLayer({ layers: { '*_1': { regularizer: l2({ l2: 5 }) }, 'dense_*': { regularizer: l2({ l2: 2 }) } } }))).toEqual({ dense_1: 2, dense_2: 2 });
  });

  it('an explicit slot beats the generic regularizer of the same entry, not a more specific selector', () => {
    expect(kernelL2(perLayer({ layers: { output: { regularizer: l2({ l2: 1 }), kernel: l2({ l2: 9 }) } } }))).toEqual({ output: 9 });
    expect(kernelL2(perLayer({ layers: { Dense: { kernel: l2({ l2: 7 }) }, output: { regularizer: l2({ l2: 1 }) } } }))).toEqual({ dense_1: 7, dense_2: 7, output: 1 });
  });

  it('null switches a less specific setting off; uniform ranks below everything', () => {
    expect(kernelL2(perLayer({ layers: { '*': { regularizer: l2({ l2: 1 }) }, output: { regularizer: null } } }))).toEqual({ dense_1: 1, dense_2: 1, output: null });
    expect(kernelL2(uniform({ regularizer: l2({ l2: 0.5 }) }))).toEqual({ dense_1: 0.5, dense_2: 0.5, output: 0.5 });
  });

  it('resolves plain strings as a layer name first, else a class; "#-1" counts from the end', () => {
    expect(kernelL2(perLayer({ layers: { Dense: { regularizer: l2({ l2: 1 }) } } }))).toEqual({ dense_1: 1, dense_2: 1, output: 1 });
    expect(kernelL2(perLayer({ layers: [{ select: { class: 'Dense' }, regularizer: l2({ l2: 1 }) }, { select: '#-1', regularizer: l2({ l2: 8 }) }] }))).toEqual({
      dense_1: 1,
      dense_2: 1,
      output: 8,
    });
    expect(() => resolvePolicy(perLayer({ layers: [{ select: { name: 'Dense' }, regularizer: l2() }] }), model)).toThrow(
      'policy.perLayer: no layer matches "Dense"; layers are dense_1, dense_2, output',
    );
  });
});

describe('defaults and opt-ins', () => {
  it('regularize and decay kernels only: biases, gamma and beta are left alone', () => {
    const policy = uniform({ regularizer: l2({ l2: 0.1 }), weightDecay: 0.01 });
    const rows = describePolicy(policy, normModel);
    const penalized = rows.filter((row) => row.penalty !== null).map((row) => row.weight);
    expect(penalized).toEqual(['dense_1/kernel', 'output/kernel']);
    expect(Object.keys(weightDecayRates(policy, normModel))).toEqual(['dense_1/kernel', 'output/kernel']);
  });

  it('includeBias, includeNormalization and slots opt weights in', () => {
    const penalized = (policy: Policy): string[] => describePolicy(policy, normModel).filter((row) => row.penalty !== null).map((row) => row.weight);
    expect(penalized(uniform({ regularizer: l2(), includeBias: true }))).toEqual(['dense_1/kernel', 'dense_1/bias', 'output/kernel', 'output/bias']);
    expect(penalized(uniform({ regularizer: l2(), includeNormalization: true }))).toEqual([
      'dense_1/kernel',
      'batch_norm_1/gamma',
      'batch_norm_1/beta',
      'output/kernel',
    ]);
    expect(penalized(uniform({ regularizer: l2(), slots: ['bias'] }))).toEqual(['dense_1/bias', 'output/bias']);
    expect(Object.keys(weightDecayRates(uniform({ weightDecay: 0.1, includeNormalization: true }), normModel))).toEqual([
      'dense_1/kernel',
      'batch_norm_1/gamma',
      'batch_norm_1/beta',
      'output/kernel',
    ]);
    // An explicit slot opts in for the penalty only.
    const explicit = perLayer({ layers: { output: { bias: l1({ l1: 0.2 }), weightDecay: 0.3 } } });
    expect(penalized(explicit)).toEqual(['output/bias']);
    expect(weightDecayRates(explicit, normModel)).toEqual({ 'output/kernel': 0.3 });
  });
});

describe('resolution errors', () => {
  it('a selector matching no layer lists the layers', () => {
    expect(() => resolvePolicy(perLayer({ layers: { dense_9: { regularizer: l2() } } }), model)).toThrow(
      'policy.perLayer: no layer matches "dense_9"; layers are dense_1, dense_2, output',
    );
    expect(() => resolvePolicy(perLayer({ layers: { 'conv*': { regularizer: l2() } } }), model)).toThrow(
      'policy.perLayer: no layer matches "conv*"; layers are dense_1, dense_2, output',
    );
    expect(() => resolvePolicy(perLayer({ layers: { '#3': { regularizer: l2() } } }), model)).toThrow(
      'policy.perLayer: no layer matches "#3"; layers are dense_1, dense_2, output',
    );
  });

  it('settings that reach no weight name the selector and field', () => {
    expect(() => resolvePolicy(perLayer({ layers: { dense_1: { gamma: l2() } } }), normModel)).toThrow(
      'policy.perLayer["dense_1"].gamma: the selected layers have no gamma weight: dense_1 (Dense)',
    );
    expect(() => resolvePolicy(perLayer({ layers: { dropout_1: { regularizer: l2() } } }), normModel)).toThrow(
      'policy.perLayer["dropout_1"].regularizer: the selected layers have no weight among the included slots kernel, recurrent, depthwise, pointwise, embeddings: dropout_1 (Dropout); select layers with weights, or opt slots in with includeBias, includeNormalization or slots',
    );
    // Activity regularizers are fine on any layer.
    expect(resolvePolicy(perLayer({ layers: { dropout_1: { activity: l2() } } }), normModel).layers[2].activity).toEqual({ kind: 'l2', l2: 0.01 });
  });
});

describe('describePolicy', () => {
  it('gives one row per weight (and per activity regularizer) with penalty and decay', () => {
    const tiny = mlp({ type: 'mlp', inputSize: 2, hidden: [3], outputSize: 1, task: 'binary', batchNormalization: true }, { seed: 2 });
    const policy = perLayer({
      layers: { '*': { regularizer: l2({ l2: 1e-4 }), weightDecay: 0.004 }, output: { bias: l1({ l1: 0.5 }), activity: l2({ l2: 0.1 }) } },
    });
    const rows = describePolicy(policy, tiny);
    expect(rows).toEqual([
      { layer: 'dense_1', class: 'Dense', weight: 'dense_1/kernel', shape: [2, 3], slot: 'kernel', penalty: 'l2(l2=0.0001)', weightDecay: 0.004 },
      { layer: 'dense_1', class: 'Dense', weight: 'dense_1/bias', shape: [3], slot: 'bias', penalty: null, weightDecay: null },
      { layer: 'batch_norm_1', class: 'BatchNormalization', weight: 'batch_norm_1/gamma', shape: [3], slot: 'gamma', penalty: null, weightDecay: null },
      { layer: 'batch_norm_1', class: 'BatchNormalization', weight: 'batch_norm_1/beta', shape: [3], slot: 'beta', penalty: null, weightDecay: null },
      { layer: 'batch_norm_1', class: 'BatchNormalization', weight: 'batch_norm_1/moving_mean', shape: [3], slot: null, penalty: null, weightDecay: null },
      { layer: 'batch_norm_1', class: 'BatchNormalization', weight: 'batch_norm_1/moving_variance', shape: [3], slot: null, penalty: null, weightDecay: null },
      { layer: 'output', class: 'Dense', weight: 'output/kernel', shape: [3, 1], slot: 'kernel', penalty: 'l2(l2=0.0001)', weightDecay: 0.004 },
      { layer: 'output', class: 'Dense', weight: 'output/bias', shape: [1], slot: 'bias', penalty: 'l1(l1=0.5)', weightDecay: null },
      { layer: 'output', class: 'Dense', weight: 'output (output)', shape: [null, 1], slot: 'activity', penalty: 'l2(l2=0.1)', weightDecay: null },
    ]);
    expect(formatPolicyTable(rows.slice(0, 2))).toBe(
      [
        'layer    class  weight          shape   slot    penalty        weight decay',
        '-------  -----  --------------  ------  ------  -------------  ------------',
        'dense_1  Dense  dense_1/kernel  [2, 3]  kernel  l2(l2=0.0001)  0.004',
        'dense_1  Dense  dense_1/bias    [3]     bias    -              -',
      ].join('\n'),
    );
    tiny.dispose();
  });

  it('accepts a spec and builds (then disposes) a temporary model', () => {
    const before = tf.memory().numTensors;
    const rows = describePolicy(uniform({ regularizer: l2() }), spec);
    expect(rows.map((row) => row.weight)).toEqual(['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias', 'output/kernel', 'output/bias']);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('weightDecayRates', () => {
  it('keys rates by originalName, not the suffixed variable name', () => {
    const again = mlp(spec, { seed: 1 }); // same layer names as `model`: tfjs suffixes the variable names
    expect(again.weights.some((weight) => weight.name !== weight.originalName)).toBe(true);
    const rates = weightDecayRates(perLayer({ layers: { '*': { weightDecay: 0.01 }, output: { weightDecay: 0.1 }, dense_2: { weightDecay: 0 } } }), again);
    expect(rates).toEqual({ 'dense_1/kernel': 0.01, 'output/kernel': 0.1 });
    again.dispose();
  });

  it('skips frozen weights (the optimizer does not update them)', () => {
    const frozen = mlp(spec, { seed: 1 });
    frozen.getLayer('dense_1').trainable = false;
    expect(weightDecayRates(uniform({ weightDecay: 0.01 }), frozen)).toEqual({ 'dense_2/kernel': 0.01, 'output/kernel': 0.01 });
    frozen.dispose();
  });
});
