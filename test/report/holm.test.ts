/** Holm's step-down adjustment. Expected values worked by hand from the definition (and equal to R's p.adjust(p, "holm")). */
import { holmAdjust } from '../../lib/report/holm';

describe('holmAdjust', () => {
  test('multiplies the i-th smallest p-value by m − i + 1, keeps order, caps at 1 (tolerance 1e-12)', () => {
    // sorted 0.01, 0.02, 0.03, 0.04 (m = 4) → 0.04, 0.06, 0.06 (running max of 0.06), 0.06 (max of 0.04·1).
    const adjusted = holmAdjust([0.03, 0.01, 0.04, 0.02]);
    [0.06, 0.04, 0.06, 0.06].forEach((expected, index) => expect(adjusted[index]).toBeCloseTo(expected, 12));
    expect(holmAdjust([0.5, 0.4])).toEqual([0.8, 0.8]);
    expect(holmAdjust([0.9, 0.001])).toEqual([0.9, 0.002]);
  });

  test('is the identity for one comparison and empty for none', () => {
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([])).toEqual([]);
  });

  test('rejects values that are not probabilities', () => {
    expect(() => holmAdjust([0.1, 1.5])).toThrow('pValues[1]: got 1.5; allowed: a number in [0, 1]');
  });
});
