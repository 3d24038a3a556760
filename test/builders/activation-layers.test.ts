/**
 * `activationLayers`: an MLP whose hidden activations are their own layers computes the same
 * function with the same weights as the fused model (activation layers take no seed position),
 * and exposes `dense_k` (pre-activation) and `activation_k` (post-activation) to policies.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel, layerNamesOf } from '../../lib/builders';
import { LayerwiseConfigError } from '../../lib/errors/config-error';

const FUSED = { type: 'mlp' as const, inputSize: 2, hidden: [5, 3], outputSize: 1, activation: 'relu' as const, dropout: 0.1, task: 'binary' as const };

test('separate activation layers: names, same weights and outputs as the fused model for the same seed', () => {
  const separate = { ...FUSED, activationLayers: true };
  expect(layerNamesOf(separate)).toEqual(['dense_1', 'activation_1', 'dropout_1', 'dense_2', 'activation_2', 'dropout_2', 'output']);
  const a = buildModel(FUSED, { seed: 7, compile: false });
  const b = buildModel(separate, { seed: 7, compile: false });
  try {
    expect(b.getLayer('dense_1').getConfig().activation).toBe('linear');
    expect(b.getLayer('activation_1').getConfig().activation).toBe('relu');
    const weightsA = a.getWeights().map((weight) => Array.from(weight.dataSync()));
    const weightsB = b.getWeights().map((weight) => Array.from(weight.dataSync()));
    expect(weightsB).toEqual(weightsA); // exact: the same seeded initializers
    const x = tf.tensor2d([[0.5, -1], [2, 0.25], [-0.3, 0.7]]);
    const outputs = [a, b].map((model) => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // Tolerance 1e-6: the same float32 ops, only split into two layers.
    outputs[1].forEach((value, index) => expect(value).toBeCloseTo(outputs[0][index], 6));
    x.dispose();
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('activationLayers must be a boolean', () => {
  expect(() => layerNamesOf({ ...FUSED, activationLayers: 'yes' } as never)).toThrow(LayerwiseConfigError);
  expect(() => layerNamesOf({ ...FUSED, activationLayers: 'yes' } as never)).toThrow(/mlp\.activationLayers/);
});
