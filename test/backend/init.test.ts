import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import type * as BackendModule from '../../lib/backend';
import { describeWhenAvailable, probeNativeBackend } from '../support/requirements';

const NATIVE = '@tensorflow/tfjs-node';

/** Whether node can find tfjs-node's files here at all (npm drops it where its download failed). */
function nativeResolvable(): boolean {
  try {
    require.resolve(NATIVE);
    return true;
  } catch {
    return false;
  }
}

/** What `require` throws for a package that is not installed, as node words it. */
function notInstalled(): never {
  const error = new Error(`Cannot find module '${NATIVE}'\nRequire stack:\n- lib/backend/native-loader.ts`) as Error & { code: string };
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}

/** Simulates a machine where npm dropped tfjs-node: a virtual module (needs no files) that throws like a missing one. */
const absentNative = (): void => {
  jest.doMock(NATIVE, notInstalled, { virtual: true });
};

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
    // jest.doMock is not scoped to isolateModules: undo any earlier test's broken or absent tfjs-node.
    // Where tfjs-node is really not installed, jest cannot un-mock a module it cannot resolve, so the
    // "absent" simulation (which then matches reality) stands in for it.
    if (nativeResolvable()) jest.dontMock(NATIVE);
    else absentNative();
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
  return probeNativeBackend().loads;
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
      // The test runs inside layerwise's repository, where the npm script is the command that exists.
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

  describe('when @tensorflow/tfjs-node is absent (npm dropped it; simulated with a virtual module)', () => {
    it('automatic selection falls back to cpu, says the package is missing, and names the install command', async () => {
      const backend = freshBackendModule(absentNative);
      const lines: string[] = [];
      const info = await backend.initBackend({ env: {}, log: (line) => lines.push(line) });
      expect(info).toMatchObject({ name: 'cpu', selection: 'auto', fallbackReason: "Cannot find module '@tensorflow/tfjs-node'" });
      expect(tf.getBackend()).toBe('cpu');
      expect(lines).toEqual([
        "layerwise: backend cpu; native backend unavailable (Cannot find module '@tensorflow/tfjs-node'); `npm run native:install` makes training ~20x faster",
      ]);
    });

    it('forcing tensorflow fails with the reason and the command', async () => {
      const backend = freshBackendModule(absentNative);
      const attempt = backend.initBackend({ backend: 'tensorflow', log: false });
      await expect(attempt).rejects.toBeInstanceOf(backend.BackendUnavailableError);
      await expect(attempt).rejects.toThrow(/backend "tensorflow" was requested but is unavailable: Cannot find module '@tensorflow\/tfjs-node'\nInstall the native backend with `npm run native:install`/);
    });

    it('training still works on the cpu fallback', async () => {
      const backend = freshBackendModule(absentNative);
      await backend.initBackend({ env: {}, log: false });
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const x = tf.tensor2d([[1, 0], [0, 1]]);
      const y = tf.tensor2d([[0], [0]]);
      const history = await model.fit(x, y, { epochs: 2, verbose: 0, batchSize: 2 });
      // Initial prediction 1 for both rows with target 0: the first epoch's mse is exactly 1.
      expect(history.history.loss[0]).toBeCloseTo(1, 6);
      expect(history.history.loss[1] as number).toBeLessThan(1);
      tf.dispose([x, y]);
      model.dispose();
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

describeWhenAvailable(['native-backend'], 'initBackend when @tensorflow/tfjs-node is present', () => {
  it('automatic selection picks the native tensorflow backend and reports its versions', async () => {
    const backend = freshBackendModule();
    const lines: string[] = [];
    const info = await backend.initBackend({ env: {}, log: (line) => lines.push(line) });
    expect(info).toMatchObject({ name: 'tensorflow', selection: 'auto' });
    expect(info.fallbackReason).toBeUndefined();
    expect(info.nativePackageVersion).toBe(require('@tensorflow/tfjs-node/package.json').version);
    expect(info.nativeLibraryVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^layerwise: backend tensorflow; tfjs-node \d+\.\d+\.\d+, libtensorflow \d+\.\d+\.\d+/);
    // Float32 matMul on libtensorflow: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], exact by hand.
    const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
    expect(product.arraySync()).toEqual([[19, 22], [43, 50]]);
    product.dispose();
    await tf.setBackend('cpu');
  });
});
