import { RandomState } from '../../lib/data';

// Expected values printed by numpy 2.4.6 (legacy RandomState, MT19937):
//   r = np.random.RandomState(5); r.random_sample(3) / r.normal(size=3) / r.permutation(10)
// Compared exactly: the algorithm is integer arithmetic plus IEEE-exact double operations.
describe('RandomState (numpy-compatible)', () => {
  it('random() reproduces numpy random_sample', () => {
    const random = new RandomState(5);
    expect([random.random(), random.random(), random.random()]).toEqual([0.22199317108973948, 0.8707323061773764, 0.20671915533942642]);
  });

  it('normal() reproduces numpy normal, including the cached second value of each pair', () => {
    const random = new RandomState(5);
    expect([random.normal(), random.normal(), random.normal()]).toEqual([0.44122748688504143, -0.33087015189408764, 2.43077118700778]);
  });

  it('permutation() reproduces numpy permutation', () => {
    expect(Array.from(new RandomState(5).permutation(10))).toEqual([9, 5, 2, 4, 7, 1, 0, 8, 6, 3]);
  });

  it('interval(max) stays within [0, max] and reaches both ends', () => {
    const random = new RandomState(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = random.interval(6);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(6);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(random.interval(0)).toBe(0);
  });

  it('is reproducible per seed and differs between seeds', () => {
    const a = new RandomState(123);
    const b = new RandomState(123);
    const c = new RandomState(124);
    const drawsA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(drawsA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(drawsA);
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new RandomState(-1)).toThrow(/seed must be an integer in \[0, 4294967295\], got -1/);
    expect(() => new RandomState(1.5)).toThrow(/got 1.5/);
    expect(() => new RandomState(2 ** 32)).toThrow(/got 4294967296/);
  });
});
