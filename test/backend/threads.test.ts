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
    expect(defaultIntraOpThreads()).toBe(Math.max(1, os.availableParallelism() - 1));
  });
});

/** Runs initBackend in a fresh node process (libtensorflow reads its thread caps once, at load) and reports the environment it left and the info it returned. */
function initInFreshProcess(env: NodeJS.ProcessEnv): { intraOp?: string; omp?: string; name: string; threads?: { intraOp?: number } } {
  const script =
    "require('./lib/backend').initBackend({ log: false }).then((info) => process.stdout.write(JSON.stringify(" +
    '{ intraOp: process.env.TF_NUM_INTRAOP_THREADS, omp: process.env.OMP_NUM_THREADS, name: info.name, threads: info.threads })))';
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: path.resolve(__dirname, '..', '..'),
    encoding: 'utf8',
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  if (child.status !== 0) throw new Error(`initBackend in a child exited ${String(child.status)}: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** This process's environment without any thread cap (the jest process's own initBackend set them). */
function environmentWithoutCaps(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TF_NUM_INTRAOP_THREADS;
  delete env.OMP_NUM_THREADS;
  delete env.TF_NUM_INTEROP_THREADS;
  delete env.LAYERWISE_BACKEND;
  return env;
}

describeWhenAvailable(['native-backend'], 'initBackend and the native thread pools', () => {
  it('gives libtensorflow one intra-op thread less than the cores when nothing set a count, and reports it', () => {
    const expected = Math.max(1, os.availableParallelism() - 1);
    const result = initInFreshProcess(environmentWithoutCaps());
    expect(result.name).toBe('tensorflow');
    expect(result.intraOp).toBe(String(expected));
    expect(result.omp).toBe(String(expected));
    expect(result.threads?.intraOp).toBe(expected);
  });

  it("leaves a count the environment sets as it is (and OMP_NUM_THREADS unset)", () => {
    const result = initInFreshProcess({ ...environmentWithoutCaps(), TF_NUM_INTRAOP_THREADS: '2' });
    expect(result.name).toBe('tensorflow');
    expect(result.intraOp).toBe('2');
    expect(result.omp).toBeUndefined();
    expect(result.threads?.intraOp).toBe(2);
  });

  it('sets nothing when another backend is forced', () => {
    const result = initInFreshProcess({ ...environmentWithoutCaps(), LAYERWISE_BACKEND: 'cpu' });
    expect(result.name).toBe('cpu');
    expect(result.intraOp).toBeUndefined();
  });
});
