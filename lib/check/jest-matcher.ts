/**
 * A jest matcher for users who gate accuracy inside their own test suites:
 *
 *   import { toMatchBaseline } from 'layerwise/check';
 *   expect.extend({ toMatchBaseline });
 *   expect(metrics).toMatchBaseline(readBaseline('baselines/moons.json'));
 *
 * It applies exactly the comparison of `layerwise check` and prints the same diff table on failure.
 */
import { Baseline, MetricsTable } from './baseline';
import { compareToBaseline } from './compare';
import { formatCheckTable } from './format';

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

export function toMatchBaseline(received: MetricsTable, baseline: Baseline): MatcherResult {
  const report = compareToBaseline(received, baseline);
  return {
    pass: report.passed,
    message: () =>
      report.passed
        ? `expected metrics to regress from the baseline, but all are within tolerance:\n${formatCheckTable(report)}`
        : `metrics regressed from the baseline:\n${formatCheckTable(report)}`,
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toMatchBaseline(baseline: Baseline): R;
    }
  }
}
