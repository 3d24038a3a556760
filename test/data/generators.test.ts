import { labelCounts, loadCircles, loadMoons, makeCircles, makeMoons, sampleFeatures } from '../../lib/data';

describe('makeMoons', () => {
  it('reproduces scikit-learn make_moons(n_samples=7, noise=0.3, random_state=42)', () => {
    // Printed by scikit-learn 1.9.1 / numpy 2.4.6 (repr of each float64).
    const expected = [
      [0.6664359645859239, 0.095670655406815],
      [0.08371238766004135, 1.303154585441958],
      [1.3257365597929454, -0.523576345937883],
      [-1.1714140497262424, -0.2772248513241313],
      [-0.2837647038080805, -0.08091449906536768],
      [0.24493352428539816, 0.042837200715241774],
      [1.8715861807471297, 0.27727794886424817],
    ];
    const moons = makeMoons({ samples: 7, noise: 0.3, seed: 42 });
    expect(Array.from(moons.y)).toEqual([0, 0, 1, 0, 1, 1, 1]);
    // Tolerance 1e-15: numpy's and V8's sin/cos may differ in the last bit (observed 2.8e-17 here).
    expected.forEach((row, i) => row.forEach((value, f) => expect(Math.abs(moons.x[i * 2 + f] - value)).toBeLessThan(1e-15)));
  });

  it('regenerates the shipped data/moons.csv from the same seed (labels exact, coordinates within 1e-15)', () => {
    const generated = makeMoons({ samples: 100, noise: 0.2, seed: 1 });
    const shipped = loadMoons();
    expect(Array.from(generated.y)).toEqual(Array.from(shipped.y));
    let largest = 0;
    for (let i = 0; i < shipped.x.length; i++) largest = Math.max(largest, Math.abs(generated.x[i] - shipped.x[i]));
    expect(largest).toBeLessThan(1e-15);
  });

  it('without noise puts the points on the two unit half circles, unshuffled in order', () => {
    const moons = makeMoons({ samples: 5, shuffle: false });
    // scikit-learn make_moons(5, shuffle=False): outer (0) at angles 0, pi; inner (1) at 0, pi/2, pi.
    expect(Array.from(moons.y)).toEqual([0, 0, 1, 1, 1]);
    const points = [0, 1, 2, 3, 4].map((i) => sampleFeatures(moons, i));
    expect(points[0]).toEqual([1, 0]);
    expect(points[1][0]).toBe(-1);
    expect(points[2]).toEqual([0, 0.5]);
    for (let i = 0; i < 2; i++) expect(Math.hypot(points[i][0], points[i][1])).toBeCloseTo(1, 12);
    for (let i = 2; i < 5; i++) expect(Math.hypot(points[i][0] - 1, points[i][1] - 0.5)).toBeCloseTo(1, 12);
  });

  it('balances the labels: floor(n/2) zeros and the rest ones', () => {
    expect(labelCounts(makeMoons({ samples: 1001, noise: 0.1, seed: 3 }))).toEqual([500, 501]);
    expect(labelCounts(makeMoons({ samples: 1000, noise: 0.1, seed: 3 }))).toEqual([500, 500]);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = makeMoons({ samples: 50, noise: 0.2, seed: 9 });
    expect(Array.from(makeMoons({ samples: 50, noise: 0.2, seed: 9 }).x)).toEqual(Array.from(a.x));
    expect(Array.from(makeMoons({ samples: 50, noise: 0.2, seed: 10 }).x)).not.toEqual(Array.from(a.x));
  });

  it('rejects bad arguments, naming the field and the value', () => {
    expect(() => makeMoons({ samples: 0 })).toThrow('makeMoons: samples must be a positive integer, got 0');
    expect(() => makeMoons({ noise: -0.1 })).toThrow('makeMoons: noise must be a finite number >= 0, got -0.1');
    expect(() => makeMoons({ seed: 1.5 })).toThrow('makeMoons: seed must be an integer in [0, 4294967295], got 1.5');
  });
});

describe('makeCircles', () => {
  it('reproduces scikit-learn make_circles(n_samples=9, noise=0.05, factor=0.5, random_state=3)', () => {
    // Printed by scikit-learn 1.9.1 / numpy 2.4.6.
    const expected = [
      [-0.4216075140724131, 0.2916564194812077],
      [-0.986077953940023, -0.029044701164602796],
      [-0.4120842414152196, -0.35126433452366207],
      [0.4694499987934641, -0.05947586852110254],
      [0.19812177299204745, 0.4747511705391616],
      [1.0583341028513586, -0.10793052405375668],
      [0.03781022230022085, -1.0845249393773049],
      [-0.017439704334983333, 0.913524264455458],
      [0.18932407763299736, -0.44728017248525065],
    ];
    const circles = makeCircles({ samples: 9, noise: 0.05, factor: 0.5, seed: 3 });
    expect(Array.from(circles.y)).toEqual([1, 0, 1, 1, 1, 0, 0, 0, 1]);
    expected.forEach((row, i) => row.forEach((value, f) => expect(Math.abs(circles.x[i * 2 + f] - value)).toBeLessThan(1e-15)));
  });

  it('regenerates the shipped data/circles.csv from the same seed', () => {
    const generated = makeCircles({ samples: 100, noise: 0.1, seed: 1 });
    const shipped = loadCircles();
    expect(Array.from(generated.y)).toEqual(Array.from(shipped.y));
    let largest = 0;
    for (let i = 0; i < shipped.x.length; i++) largest = Math.max(largest, Math.abs(generated.x[i] - shipped.x[i]));
    expect(largest).toBeLessThan(1e-15);
  });

  it('without noise: outer points at radius 1, inner points at radius factor', () => {
    const circles = makeCircles({ samples: 40, factor: 0.3, seed: 2 });
    for (let i = 0; i < circles.sampleCount; i++) {
      const [a, b] = sampleFeatures(circles, i);
      expect(Math.hypot(a, b)).toBeCloseTo(circles.y[i] === 0 ? 1 : 0.3, 12);
    }
    expect(labelCounts(circles)).toEqual([20, 20]);
  });

  it('with noise: mean radius per circle stays near 1 and factor', () => {
    // 2,000 points per circle, noise 0.05: the radius' standard error is about 0.05 / sqrt(2000) ~ 0.001,
    // and noise bias on the radius is about noise^2 / (2 r) <= 0.002; tolerance 0.01.
    const circles = makeCircles({ samples: 4000, noise: 0.05, factor: 0.5, seed: 4 });
    const sums = [0, 0];
    const counts = labelCounts(circles);
    for (let i = 0; i < circles.sampleCount; i++) {
      const [a, b] = sampleFeatures(circles, i);
      sums[circles.y[i]] += Math.hypot(a, b);
    }
    expect(counts).toEqual([2000, 2000]);
    expect(Math.abs(sums[0] / counts[0] - 1)).toBeLessThan(0.01);
    expect(Math.abs(sums[1] / counts[1] - 0.5)).toBeLessThan(0.01);
  });

  it('rejects a factor outside [0, 1)', () => {
    expect(() => makeCircles({ factor: 1 })).toThrow('makeCircles: factor must be a number in [0, 1), got 1');
    expect(() => makeCircles({ factor: -0.2 })).toThrow('got -0.2');
  });
});
