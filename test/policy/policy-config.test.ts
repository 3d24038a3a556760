import { perLayer, policyFromConfig, policyToConfig, uniform, validatePolicy } from '../../lib/policy';
import { l1, l2 } from '../../lib/regularizers';

describe('policy factories and configs', () => {
  it('uniform stores normalized specs and inclusion options', () => {
    expect(uniform({ regularizer: l2({ l2: 1e-4 }), weightDecay: 0.01, includeBias: true })).toEqual({
      kind: 'uniform',
      regularizer: { kind: 'l2', l2: 1e-4 },
      weightDecay: 0.01,
      includeBias: true,
    });
    // Keras configs and identifiers are read into specs.
    expect(uniform({ regularizer: { class_name: 'L2', config: { l2: 0.1 } } }).regularizer).toEqual({ kind: 'l2', l2: 0.1 });
    expect(uniform({ regularizer: 'l1' }).regularizer).toEqual({ kind: 'l1', l1: 0.01 });
  });

  it('perLayer turns the object form into ordered entries', () => {
    const policy = perLayer({ layers: { 'conv*': { regularizer: l2({ l2: 1e-3 }) }, output: { bias: null, weightDecay: 0 } } });
    expect(policy).toEqual({
      kind: 'perLayer',
      layers: [
        { select: 'conv*', regularizer: { kind: 'l2', l2: 1e-3 } },
        { select: 'output', bias: null, weightDecay: 0 },
      ],
    });
  });

  it('round-trips through policyToConfig / policyFromConfig (object and JSON text)', () => {
    const policies = [
      uniform({ regularizer: l1({ l1: 0.5 }), slots: ['kernel', 'alpha'], includeNormalization: true }),
      uniform({ weightDecay: 0.004 }),
      perLayer({
        includeBias: true,
        layers: [
          { select: { index: -1 }, kernel: l2({ l2: 2 }), activity: l1() },
          { select: { class: 'Dense' }, regularizer: null, weightDecay: 1e-4 },
          { select: { glob: 'dense_?' }, gamma: l2() },
          { select: { name: 'output' }, weightDecay: null },
          { select: '#0', recurrent: l2(), embeddings: l1() },
        ],
      }),
    ];
    for (const policy of policies) {
      const config = policyToConfig(policy);
      expect(policyFromConfig(config)).toEqual(policy);
      expect(policyFromConfig(JSON.stringify(config))).toEqual(policy);
    }
  });

  it('errors name the selector and the field', () => {
    expect(() => perLayer({ layers: { 'conv*': { kernel: { kind: 'l2', l2: -1 } } } })).toThrow(
      'policy.perLayer["conv*"].kernel.l2 = -1: expected a finite number >= 0',
    );
    expect(() => perLayer({ layers: { dense_1: { weightDecay: -0.1 } } })).toThrow(
      'policy.perLayer["dense_1"].weightDecay = -0.1: expected a finite number >= 0 (decoupled decay rate; applied as w -= lr * rate * w)',
    );
    expect(() => perLayer({ layers: { dense_1: { kernal: l2() } as never } })).toThrow(
      'policy.perLayer["dense_1"].kernal: unknown field; allowed: select, regularizer, weightDecay, kernel, recurrent, depthwise, pointwise, embeddings, bias, gamma, beta, alpha, activity',
    );
    expect(() => perLayer({ layers: [{ select: { index: 1.5 }, regularizer: l2() }] })).toThrow(
      'policy.perLayer.layers[0].select = {"index":1.5}: expected a string (name, glob, "#index" or class) or one of {"name": string}, {"glob": string}, {"index": integer}, {"class": string}',
    );
    expect(() => perLayer({ layers: [{ select: '#first', regularizer: l2() }] })).toThrow(
      'policy.perLayer.layers[0].select = "#first": an index selector is "#" followed by an integer, e.g. "#0" or "#-1"',
    );
    expect(() => uniform({ regularizer: { kind: 'l3' } as never })).toThrow(
      'policy.uniform.regularizer.kind = "l3": expected one of "l1", "l2", "l1l2", "orthogonal", "custom"',
    );
    expect(() => uniform({ slots: ['kernels' as never] })).toThrow(
      'policy.uniform.slots[0] = "kernels": expected one of "kernel", "recurrent", "depthwise", "pointwise", "embeddings", "bias", "gamma", "beta", "alpha"',
    );
    expect(() => validatePolicy({ kind: 'layerwise' })).toThrow('policy.kind = "layerwise": expected one of "uniform", "perLayer"');
    expect(() => policyFromConfig('{nope')).toThrow('policy = "{nope": not valid JSON');
  });
});
