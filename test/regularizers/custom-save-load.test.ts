/**
 * Custom regularizers survive model.save / tf.loadLayersModel, including names with underscores
 * (tfjs's loader camel-cases every string in a saved config, class names included).
 */
import * as tf from '@tensorflow/tfjs';
import { createRegularizer, custom, registerRegularizer, specOf } from '../../lib/regularizers';

registerRegularizer('audit_sum', (config) => (x) => tf.mul(config.scale as number, tf.sum(tf.abs(x))) as tf.Scalar);
registerRegularizer('auditMax', (config) => (x) => tf.mul(config.scale as number, tf.max(tf.abs(x))) as tf.Scalar);

async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (saved) => {
    artifacts = saved;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

it.each(['audit_sum', 'auditMax'])('a model with custom regularizer %s saves, reloads and computes the same penalty', async (name) => {
  const spec = custom({ name, config: { scale: 0.5 } });
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 2, inputShape: [2], kernelInitializer: 'ones', kernelRegularizer: createRegularizer(spec) })],
  });
  const reloaded = await saveAndLoad(model);
  const layer = reloaded.layers[0] as unknown as { kernelRegularizer: unknown };
  expect(specOf(layer.kernelRegularizer)).toEqual(spec);
  const penalty = tf.tidy(() => (layer.kernelRegularizer as tf.serialization.Serializable & { apply(x: tf.Tensor): tf.Scalar }).apply(reloaded.layers[0].getWeights()[0]).dataSync()[0]);
  // Kernel of ones [2, 2]: sum |w| = 4, max |w| = 1; times scale 0.5.
  expect(penalty).toBeCloseTo(name === 'audit_sum' ? 2 : 0.5, 6);
  model.dispose();
  reloaded.dispose();
});
