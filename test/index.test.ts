/**
 * The public API as a user imports it: one end-to-end path through the flat names (spec → policy →
 * model → train → loss breakdown), and the module namespaces.
 */
import * as tf from '@tensorflow/tfjs';
import * as layerwise from '../lib';

describe('public API', () => {
  it('builds, regularizes per layer, trains and reports the loss breakdown', async () => {
    const before = tf.memory().numTensors;
    const spec: layerwise.MlpSpec = { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary' };
    const policy = layerwise.perLayer({ layers: { dense_1: { regularizer: layerwise.regularizers.l2({ l2: 0.01 }) } } });
    const model = layerwise.applyPolicy(spec, policy, { seed: 3 });
    const rows = layerwise.describePolicy(policy, model);
    expect(rows.find((row) => row.layer === 'dense_1' && row.slot === 'kernel')?.penalty).toBe('l2(l2=0.01)');
    expect(rows.find((row) => row.layer === 'dense_1' && row.slot === 'bias')?.penalty).toBeNull();

    const x = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tf.tensor2d([[0], [1], [1], [0]]);
    const result = await layerwise.train(model, { train: { x, y } }, { seed: 1, epochs: 3, optimizer: { name: 'sgd', learningRate: 0.1 } });
    expect(result.epochs).toHaveLength(3);
    expect(result.final.penalty).toBeGreaterThan(0);

    const breakdown = await layerwise.lossBreakdown(model, x, y);
    const kernel = model.getLayer('dense_1').getWeights()[0];
    const expectedPenalty = 0.01 * tf.tidy(() => tf.sum(tf.square(kernel)).dataSync()[0]);
    // Penalty = 0.01 * sum(kernel^2) (Keras L2, no 1/2); float32, 1e-5 relative.
    expect(breakdown.penalty).toBeCloseTo(expectedPenalty, 5);
    expect(breakdown.total).toBeCloseTo(breakdown.dataLoss + breakdown.penalty, 6);
    expect(Object.keys(breakdown.perLayer)).toEqual(['dense_1.kernel']);

    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exposes every module as a namespace', () => {
    for (const name of ['activity', 'backend', 'builders', 'check', 'data', 'loss', 'policy', 'postgres', 'report', 'sweep', 'training'] as const) {
      expect(typeof layerwise[name]).toBe('object');
    }
    expect(typeof layerwise.sweep.runSweep).toBe('function');
    expect(typeof layerwise.report.writeReport).toBe('function');
    expect(typeof layerwise.data.loadDataset).toBe('function');
  });
});
