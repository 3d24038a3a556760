/**
 * Holm's step-down correction for multiple comparisons (S. Holm, "A simple sequentially rejective
 * multiple test procedure", Scandinavian Journal of Statistics 6(2):65-70, 1979). It controls the
 * family-wise error rate — the chance of any false "difference" among m comparisons — at α, like
 * Bonferroni, but rejects more: the i-th smallest p-value is compared with α/(m − i + 1).
 *
 * Adjusted p-values (as R's `p.adjust(p, "holm")`): sort ascending, multiply the i-th (1-based) by
 * m − i + 1, cap at 1, and carry the running maximum so adjusted values keep the order of the raw
 * ones. A comparison is significant at family-wise level α when its adjusted p-value is < α.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const [index, p] of pValues.entries()) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pValues[${index}]: got ${p}; allowed: a number in [0, 1]`);
  }
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p || a.index - b.index);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach(({ p, index }, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * p));
    adjusted[index] = runningMax;
  });
  return adjusted;
}
