/** The epoch timers bench/ uses (bench/epoch-timing.ts): one duration per timed epoch, warm-up excluded. */
import * as tf from '@tensorflow/tfjs';
import { median, timeFitEpochs, timeTrainEpochs } from '../../bench/epoch-timing';
import { classificationData, smallClassifier } from '../train/models';

describe('epoch timers', () => {
  test('timeTrainEpochs and timeFitEpochs return one duration per timed epoch', async () => {
    const { x, y } = classificationData(16);
    const trained = smallClassifier();
    const fitted = smallClassifier();
    fitted.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const timing = { batchSize: 8, warmupEpochs: 1, timedEpochs: 2 };
    const ours = await timeTrainEpochs(trained, x, y, { ...timing, trainOptions: { evaluateEvery: 1 } });
    expect(ours.training).toHaveLength(2);
    expect(ours.withMeasurement).toHaveLength(2);
    expect(ours.training.every((seconds) => seconds > 0)).toBe(true);
    expect(await timeFitEpochs(fitted, x, y, timing)).toHaveLength(2);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    tf.dispose([x, y]);
    trained.dispose();
    fitted.dispose();
  });
});
