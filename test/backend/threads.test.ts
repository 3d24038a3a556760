import { threadEnvironment, threadsFromEnvironment } from '../../lib/backend';

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
