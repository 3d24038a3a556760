import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { threadEnvironment, threadsFromEnvironment } from '../../lib/backend';
import { defaultIntraOpThreads } from '../../lib/backend/threads';
import { describeWhenAvailable } from '../support/requirements';

describe('thread caps for libtensorflow', () => {
  it('maps intra-op to TF_NUM_INTRAOP_THREADS and OMP_NUM_THREADS, inter-op to TF_NUM_INTEROP_THREADS', () => {
    expect(threadEnvironment({ intraOp: 2, interOp: 1 })).toEqual({
      TF_NUM_INTRAOP_THREADS: '2',
      OMP_NUM_THREADS: '2',
      TF_NUM_INTEROP_THREADS: '1',
    });
    expect(threadEnvironment({ interOp: 3 })).toEqual({ TF_NUM_INTEROP_THREADS: '3' });
    expect(threadEnvironment({})).toEqual({});
  });

  it('rejects non-positive and fractional counts, naming the field', () => {
    expect(() => threadEnvironment({ intraOp: 0 })).toThrow('threads.intraOp = 0: expected an integer >= 1');
    expect(() => threadEnvironment({ interOp: 1.5 })).toThrow('threads.interOp = 1.5: expected an integer >= 1');
  });

  it('reads the caps back from an environment, ignoring unusable values', () => {
    expect(threadsFromEnvironment({ TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '1' })).toEqual({ intraOp: 4, interOp: 1 });
    expect(threadsFromEnvironment({ TF_NUM_INTRAOP_THREADS: 'many', TF_NUM_INTEROP_THREADS: '0' })).toEqual({ intraOp: undefined, interOp: undefined });
  });
});

describe('the default intra-op thread count', () => {
  it('is one less than the cores, at least 1', () => {
    expect(defaultIntraOpThreads(1)).toBe(1);
    expect(defaultIntraOpThreads(2)).toBe(1);
    expect(defaultIntraOpThreads(16)).toBe(15);
  });

  it('rejects a core count that is not a positive integer, naming it', () => {
    expect(() => defaultIntraOpThreads(Number.NaN)).toThrow('cores = NaN: expected an integer >= 1');
    expect(() => defaultIntraOpThreads(0)).toThrow('cores = 0: expected an integer >= 1');
  });
});

/** What a fresh process saw: the thread variables when tfjs-node's module was loaded and after initBackend, and initBackend's answer. */
interface FreshInit {
  /** TF_NUM_INTRAOP_THREADS / OMP_NUM_THREADS at the moment `require('@tensorflow/tfjs-node')` ran (null: never loaded). */
  atLoad: { intraOp?: string; omp?: string } | null;
  /** The same variables once initBackend returned. */
  after: { intraOp?: string; omp?: string };
  name: string;
  threads?: { intraOp?: number };
}

/**
 * Runs initBackend in a fresh node process (libtensorflow reads its thread caps once, while tfjs-node
 * loads) with `initArgs` as its argument, and reports what the environment held at that load and after.
 */
function initInFreshProcess(env: NodeJS.ProcessEnv, initArgs = '{ log: false }'): FreshInit {
  const script = [
    "const Module = require('module');",
    'const load = Module._load;',
    'let atLoad = null;',
    "Module._load = function (request, ...rest) { if (request === '@tensorflow/tfjs-node' && atLoad === null) atLoad = { intraOp: process.env.TF_NUM_INTRAOP_THREADS, omp: process.env.OMP_NUM_THREADS }; return load.call(this, request, ...rest); };",
    `require('./lib/backend').initBackend(${initArgs}).then((info) => process.stdout.write(JSON.stringify(`,
    '  { atLoad, after: { intraOp: process.env.TF_NUM_INTRAOP_THREADS, omp: process.env.OMP_NUM_THREADS }, name: info.name, threads: info.threads })));',
  ].join('\n');
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: path.resolve(__dirname, '..', '..'),
    encoding: 'utf8',
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  if (child.status !== 0) throw new Error(`initBackend in a child exited ${String(child.status)}: ${child.stderr}`);
  return JSON.parse(child.stdout) as FreshInit;
}

/** This process's environment without any thread cap (the jest process's own initBackend may have run with them). */
function environmentWithoutCaps(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TF_NUM_INTRAOP_THREADS;
  delete env.OMP_NUM_THREADS;
  delete env.TF_NUM_INTEROP_THREADS;
  delete env.LAYERWISE_BACKEND;
  return env;
}

const EXPECTED_DEFAULT = String(Math.max(1, os.availableParallelism() - 1));

describeWhenAvailable(['native-backend'], 'initBackend and the native thread pools', () => {
  it('loads libtensorflow with one intra-op thread less than the cores when nothing set a count, reports it, and leaves the environment as it was', () => {
    const result = initInFreshProcess(environmentWithoutCaps());
    expect(result.name).toBe('tensorflow');
    expect(result.atLoad).toEqual({ intraOp: EXPECTED_DEFAULT, omp: EXPECTED_DEFAULT });
    expect(result.threads?.intraOp).toBe(Number(EXPECTED_DEFAULT));
    // Taken out again after the load: later child processes do not inherit a count nobody set.
    expect(result.after).toEqual({});
  });

  it('leaves a count the environment sets as it is, and a user OMP_NUM_THREADS too', () => {
    const result = initInFreshProcess({ ...environmentWithoutCaps(), TF_NUM_INTRAOP_THREADS: '2' });
    expect(result.atLoad).toEqual({ intraOp: '2' });
    expect(result.after).toEqual({ intraOp: '2' });
    expect(result.threads?.intraOp).toBe(2);
    const ompOnly = initInFreshProcess({ ...environmentWithoutCaps(), OMP_NUM_THREADS: '7' });
    expect(ompOnly.atLoad).toEqual({ intraOp: EXPECTED_DEFAULT, omp: '7' });
    expect(ompOnly.after).toEqual({ omp: '7' });
  });

  it('takes thread caps from process.env only, the environment libtensorflow reads (not from the env argument)', () => {
    const result = initInFreshProcess(environmentWithoutCaps(), "{ log: false, env: { TF_NUM_INTRAOP_THREADS: '3' } }");
    expect(result.atLoad).toEqual({ intraOp: EXPECTED_DEFAULT, omp: EXPECTED_DEFAULT });
    expect(result.threads?.intraOp).toBe(Number(EXPECTED_DEFAULT));
  });

  it('sets nothing when another backend is forced', () => {
    const result = initInFreshProcess({ ...environmentWithoutCaps(), LAYERWISE_BACKEND: 'cpu' });
    expect(result.name).toBe('cpu');
    expect(result.atLoad).toBeNull();
    expect(result.after).toEqual({});
  });
});
