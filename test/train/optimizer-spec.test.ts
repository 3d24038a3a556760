import * as tf from '@tensorflow/tfjs';
import { createOptimizer, disposeOptimizer, optimizerFromConfig, optimizerToConfig, resolveOptimizerSpec, currentLearningRate, OPTIMIZER_NAMES } from '../../lib/train';

describe('optimizer specs', () => {
  test('defaults follow Keras 3 and are all written out by toConfig', () => {
    expect(optimizerToConfig({ name: 'adam' })).toEqual({ name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(optimizerToConfig('sgd')).toEqual({ name: 'sgd', learningRate: 0.01 });
    expect(optimizerToConfig({ name: 'momentum', learningRate: 0.1 })).toEqual({ name: 'momentum', learningRate: 0.1, momentum: 0.9, nesterov: false });
  });

  test('toConfig / fromConfig round-trip through JSON for every optimizer', () => {
    for (const name of OPTIMIZER_NAMES) {
      const config = optimizerToConfig({ name, learningRate: 0.02 });
      expect(optimizerFromConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    }
  });

  test('createOptimizer builds the matching tfjs class with the spec values', () => {
    const expected: Record<string, string> = { sgd: 'SGD', momentum: 'Momentum', adam: 'Adam', rmsprop: 'RMSProp', adagrad: 'Adagrad' };
    for (const name of OPTIMIZER_NAMES) {
      const optimizer = createOptimizer({ name, learningRate: 0.125 });
      expect(optimizer.getClassName()).toBe(expected[name]);
      expect(currentLearningRate(optimizer)).toBe(0.125);
      optimizer.dispose();
    }
    const adam = createOptimizer({ name: 'adam', beta1: 0.8, epsilon: 1e-3 });
    expect(adam.getConfig()).toMatchObject({ beta1: 0.8, epsilon: 1e-3, beta2: 0.999 });
    adam.dispose();
  });

  test('errors name the field, the value and what is allowed', () => {
    expect(() => resolveOptimizerSpec({ name: 'adamw' } as never)).toThrow('optimizer.name = "adamw": unknown optimizer; expected one of sgd, momentum, adam, rmsprop, adagrad');
    expect(() => resolveOptimizerSpec({ name: 'adam', learningRate: -1 })).toThrow('optimizer.learningRate = -1: expected a finite number >= 0');
    expect(() => resolveOptimizerSpec({ name: 'adam', beta1: 1 })).toThrow('optimizer.beta1 = 1: expected a number >= 0 and < 1');
    expect(() => resolveOptimizerSpec({ name: 'sgd', momentum: 0.9 } as never)).toThrow("optimizer.momentum is not a field of the 'sgd' optimizer; its fields are learningRate");
    expect(() => resolveOptimizerSpec({ name: 'momentum', nesterov: 'yes' } as never)).toThrow('optimizer.nesterov = "yes": expected true or false');
  });

  test('disposeOptimizer leaves no tensors, Momentum included (tfjs 4.22 leaks its -lr scalar)', () => {
    const before = tf.memory().numTensors;
    const initial = tf.tensor1d([1, 2]);
    const variable = tf.variable(initial);
    initial.dispose();
    for (const name of OPTIMIZER_NAMES) {
      const optimizer = createOptimizer({ name });
      optimizer.minimize(() => tf.sum(tf.square(variable)), false, [variable]);
      disposeOptimizer(optimizer);
    }
    variable.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
