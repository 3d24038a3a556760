import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import type * as BackendModule from '../../lib/backend';

/** A fresh copy of lib/backend (its once-per-process state reset); tfjs's engine stays shared. */
function freshBackendModule(setup?: () => void): typeof BackendModule {
  let loaded: typeof BackendModule | undefined;
  // Re-requiring tfjs in isolation re-registers its kernels in the (global) registry, which tfjs
  // reports with one warning per kernel; those, and only those, are expected here.
  const warn = console.warn;
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!/already (been )?(registered|set)/.test(String(args[0]))) warn(...args);
  });
  jest.isolateModules(() => {
    // jest.doMock is not scoped to isolateModules: undo any earlier test's broken tfjs-node.
    jest.dontMock('@tensorflow/tfjs-node');
    setup?.();
    loaded = require('../../lib/backend') as typeof BackendModule;
  });
  spy.mockRestore();
  return loaded as typeof BackendModule;
}

/**
 * Ground truth for "does the native backend load here", found independently of lib/backend: a
 * fresh node process that requires tfjs-node and reports the active backend.
 */
function nativeLoadsInFreshProcess(): boolean {
  const probe = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node'); process.stdout.write(require('@tensorflow/tfjs').getBackend())"], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return probe.status === 0 && probe.stdout === 'tensorflow';
}

describe('initBackend', () => {
  it('forces cpu from LAYERWISE_BACKEND, logs exactly once, and reports the choice as data', async () => {
    const backend = freshBackendModule();
    const lines: string[] = [];
    expect(backend.activeBackend()).toBeUndefined();
    const info = await backend.initBackend({ env: { LAYERWISE_BACKEND: 'cpu' }, log: (line) => lines.push(line) });
    expect(info).toMatchObject({ name: 'cpu', selection: 'environment', tfjsVersion: tf.version.tfjs });
    expect(tf.getBackend()).toBe('cpu');
    const again = await backend.initBackend({ env: { LAYERWISE_BACKEND: 'cpu' }, log: (line) => lines.push(line) });
    expect(again).toBe(info);
    expect(lines).toEqual(['layerwise: backend cpu (forced by LAYERWISE_BACKEND)']);
    expect(backend.activeBackend()).toEqual(info);
  });

  it('is chosen once per process: a later call forcing another backend fails clearly', async () => {
    const backend = freshBackendModule();
    await backend.initBackend({ backend: 'cpu', log: false });
    await expect(backend.initBackend({ backend: 'wasm', log: false })).rejects.toThrow(
      'initBackend: backend "wasm" requested, but this process already runs on "cpu"; the backend is chosen once per process',
    );
  });

  it('an option overrides the environment', async () => {
    const backend = freshBackendModule();
    const info = await backend.initBackend({ backend: 'cpu', env: { LAYERWISE_BACKEND: 'tensorflow' }, log: false });
    expect(info).toMatchObject({ name: 'cpu', selection: 'option' });
  });

  it('rejects an unknown LAYERWISE_BACKEND naming the allowed values, and stays usable afterwards', async () => {
    const backend = freshBackendModule();
    await expect(backend.initBackend({ env: { LAYERWISE_BACKEND: 'gpu' }, log: false })).rejects.toThrow(
      'LAYERWISE_BACKEND = "gpu": expected one of tensorflow, wasm, cpu',
    );
    expect(backend.activeBackend()).toBeUndefined();
    await expect(backend.initBackend({ backend: 'cpu', log: false })).resolves.toMatchObject({ name: 'cpu' });
  });

  it('writes nothing to stderr when log is false, and one line by default', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await freshBackendModule().initBackend({ backend: 'cpu', log: false });
      expect(write).not.toHaveBeenCalled();
      await freshBackendModule().initBackend({ backend: 'cpu' });
      expect(write.mock.calls).toEqual([['layerwise: backend cpu (forced by option)\n']]);
    } finally {
      write.mockRestore();
    }
  });

  describe('when @tensorflow/tfjs-node cannot load', () => {
    const brokenNative = (): void => {
      jest.doMock('@tensorflow/tfjs-node', () => {
        throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found\nsecond line');
      });
    };

    it('automatic selection falls back to cpu and records why', async () => {
      const backend = freshBackendModule(brokenNative);
      const lines: string[] = [];
      const info = await backend.initBackend({ env: {}, log: (line) => lines.push(line) });
      expect(info).toMatchObject({
        name: 'cpu',
        selection: 'auto',
        fallbackReason: 'The Node.js native addon module (tfjs_binding.node) can not be found',
      });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('npm run native:install');
    });

    it('forcing tensorflow fails, naming the reason, the install command and the alternatives', async () => {
      const backend = freshBackendModule(brokenNative);
      const attempt = backend.initBackend({ env: { LAYERWISE_BACKEND: 'tensorflow' }, log: false });
      await expect(attempt).rejects.toBeInstanceOf(backend.BackendUnavailableError);
      await expect(attempt).rejects.toThrow(/requested but is unavailable: The Node.js native addon module .*can not be found/);
      await expect(attempt).rejects.toThrow(/npm run native:install/);
      await expect(attempt).rejects.toThrow(/LAYERWISE_BACKEND to cpu or wasm/);
    });
  });

  it('automatic selection picks tensorflow exactly when tfjs-node loads in a fresh process, and it computes', async () => {
    const backend = freshBackendModule();
    const info = await backend.initBackend({ env: {}, log: false });
    const nativeAvailable = nativeLoadsInFreshProcess();
    expect({ name: info.name, reason: info.fallbackReason }).toEqual({ name: nativeAvailable ? 'tensorflow' : 'cpu', reason: nativeAvailable ? undefined : expect.any(String) });
    expect(tf.getBackend()).toBe(info.name);
    if (info.name === 'tensorflow') {
      expect(info.nativeLibraryVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(info.nativePackageVersion).toBe('4.22.0');
    } else {
      expect(info.fallbackReason).toEqual(expect.any(String));
    }
    // x·w and d sum(x·w)/dx = ones·wᵀ, by hand: [[19,22],[43,50]] and [[11,15],[11,15]]; exact in float32.
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const w = tf.tensor2d([[5, 6], [7, 8]]);
    expect(tf.matMul(x, w).arraySync()).toEqual([[19, 22], [43, 50]]);
    expect(tf.grad((input: tf.Tensor) => tf.matMul(input as tf.Tensor2D, w).sum())(x).arraySync()).toEqual([[11, 15], [11, 15]]);
    tf.dispose([x, w]);
    await tf.setBackend('cpu');
  });

  it('forcing wasm bridges the missing training kernels so a convnet trains', async () => {
    const backend = freshBackendModule();
    const info = await backend.initBackend({ backend: 'wasm', log: false });
    expect(info.name).toBe('wasm');
    expect(info.bridgedKernels).toContain('Conv2DBackpropFilter');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: 'ones' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1, kernelInitializer: 'ones' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.001), loss: 'meanSquaredError' });
    const history = await model.fit(tf.ones([2, 5, 5, 1]), tf.zeros([2, 1]), { epochs: 2, verbose: 0 });
    expect(history.history.loss).toHaveLength(2);
    expect(history.history.loss[1] as number).toBeLessThan(history.history.loss[0] as number);
    await tf.setBackend('cpu');
  });
});
