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

  test('createOptimizer builds a tfjs Optimizer that names the Keras class it follows, with the spec values', () => {
    const expected: Record<string, string> = { sgd: 'SGD', momentum: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad' };
    for (const name of OPTIMIZER_NAMES) {
      const optimizer = createOptimizer({ name, learningRate: 0.125 });
      expect(optimizer).toBeInstanceOf(tf.Optimizer);
      expect((optimizer as unknown as { kerasClass: string }).kerasClass).toBe(expected[name]);
      expect(currentLearningRate(optimizer)).toBe(0.125);
      optimizer.dispose();
    }
    const adam = createOptimizer({ name: 'adam', beta1: 0.8, epsilon: 1e-3 });
    expect(adam.getConfig()).toMatchObject({ beta1: 0.8, epsilon: 1e-3, beta2: 0.999 });
    adam.dispose();
  });

  test('errors name the field, the value and what is allowed', () => {
    expect(() => resolveOptimizerSpec({ name: 'nadam' } as never)).toThrow('optimizer.name = "nadam": unknown optimizer; expected one of sgd, momentum, adam, adamw, rmsprop, adagrad');
    expect(() => resolveOptimizerSpec({ name: 'adam', learningRate: -1 })).toThrow(
      "optimizer.learningRate = -1: expected a finite number >= 0, a schedule spec ({kind: 'exponentialDecay' | 'cosineDecay' | 'piecewiseConstant', ...}) or a function (step) => rate",
    );
    expect(() => resolveOptimizerSpec({ name: 'adam', beta1: 1 })).toThrow('optimizer.beta1 = 1: expected a number >= 0 and < 1');
    expect(() => resolveOptimizerSpec({ name: 'sgd', beta1: 0.9 } as never)).toThrow("optimizer.beta1 is not a field of the 'sgd' optimizer; its fields are learningRate");
    expect(() => resolveOptimizerSpec({ name: 'sgd', nesterov: true })).toThrow('optimizer.nesterov = true with momentum 0: Nesterov needs a momentum > 0');
    expect(() => resolveOptimizerSpec({ name: 'adamw', weightDecay: -0.1 })).toThrow('optimizer.weightDecay = -0.1: expected a finite number >= 0');
    expect(() => resolveOptimizerSpec({ name: 'momentum', nesterov: 'yes' } as never)).toThrow('optimizer.nesterov = "yes": expected true or false');
  });

  test("Keras's SGD(momentum=...) spelling resolves to the momentum optimizer; momentum 0 is plain SGD", () => {
    expect(resolveOptimizerSpec({ name: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true })).toEqual({ name: 'momentum', learningRate: 0.1, momentum: 0.9, nesterov: true });
    expect(resolveOptimizerSpec({ name: 'sgd', momentum: 0 })).toEqual({ name: 'sgd', learningRate: 0.01 });
  });

  test('adagrad: epsilon (Keras 1e-7) is written only when it differs, so stored adagrad configs keep their hash', () => {
    expect(optimizerToConfig('adagrad')).toEqual({ name: 'adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1 });
    expect(optimizerToConfig({ name: 'adagrad', epsilon: 1e-7 })).toEqual(optimizerToConfig('adagrad'));
    expect(optimizerToConfig({ name: 'adagrad', epsilon: 1e-5 })).toMatchObject({ epsilon: 1e-5 });
  });

  test('adamw defaults follow Keras 3 AdamW (weight_decay 0.004)', () => {
    expect(optimizerToConfig('adamw')).toEqual({ name: 'adamw', learningRate: 0.001, weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(optimizerToConfig('AdamW' as never).name).toBe('adamw');
  });

  test('learningRate accepts a schedule spec (kept as JSON, defaults filled) and a function (not JSON: toConfig refuses it)', () => {
    const config = optimizerToConfig({ name: 'adam', learningRate: { kind: 'exponentialDecay', initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 } });
    expect(config.learningRate).toEqual({ kind: 'exponentialDecay', initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, staircase: false });
    expect(optimizerFromConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    const rate = (step: number): number => 0.1 / (1 + step);
    expect(resolveOptimizerSpec({ name: 'sgd', learningRate: rate }).learningRate).toBe(rate);
    expect(() => optimizerToConfig({ name: 'sgd', learningRate: rate })).toThrow(/optimizer\.learningRate is a function, which has no JSON form: use a schedule spec/);
    const optimizer = createOptimizer({ name: 'sgd', learningRate: rate });
    expect(currentLearningRate(optimizer)).toBe(0.1);
    optimizer.dispose();
  });

  test('a learning-rate function returning a bad value fails at that step, naming it', () => {
    const initial = tf.tensor1d([1, 2]);
    const variable = tf.variable(initial);
    initial.dispose();
    const optimizer = createOptimizer({ name: 'sgd', learningRate: (step) => (step === 0 ? 0.1 : Number.NaN) });
    optimizer.minimize(() => tf.sum(tf.square(variable)), false, [variable]);
    expect(() => optimizer.minimize(() => tf.sum(tf.square(variable)), false, [variable])).toThrow('optimizer.learningRate (step 1) returned NaN: a learning-rate function must return a finite number >= 0');
    optimizer.dispose();
    variable.dispose();
  });

  test('a tfjs optimizer instance where a spec is expected says what is allowed', () => {
    const instance = tf.train.adam(0.01);
    expect(() => resolveOptimizerSpec(instance as never)).toThrow(
      /^optimizer = a tfjs Adam instance: layerwise takes an optimizer spec .* e\.g\. \{name: 'adam', learningRate: 0\.001\}; names: sgd, momentum, adam, adamw, rmsprop, adagrad\. For plain fit, pass createOptimizer\(spec\) to model\.compile/,
    );
    instance.dispose();
  });

  test('a model saved with includeOptimizer loads with the same optimizer spec', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const spec = { name: 'adamw', learningRate: { kind: 'exponentialDecay', initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 } } as const;
    model.compile({ optimizer: createOptimizer({ ...spec, learningRate: { ...spec.learningRate } }), loss: 'meanSquaredError' });
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
    expect((loaded.optimizer as unknown as { kerasClass: string }).kerasClass).toBe('AdamW');
    expect(loaded.optimizer.getConfig()).toEqual(optimizerToConfig({ ...spec, learningRate: { ...spec.learningRate } }));
    model.optimizer.dispose();
    loaded.optimizer.dispose();
    model.dispose();
    loaded.dispose();
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
