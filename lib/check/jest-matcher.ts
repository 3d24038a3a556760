/**
 * A jest matcher for users who gate accuracy inside their own test suites:
 *
 *   import { toMatchBaseline } from 'layerwise/check';
 *   expect.extend({ toMatchBaseline });
 *   expect(metricsFromTrials(trials)).toMatchBaseline(readBaseline('baselines/moons.json'));
 *   expect(metrics).toMatchBaseline(baseline, { undecided: 'fail' });
 *
 * It applies exactly the statistical comparison of `layerwise check` (same verdicts, same
 * `undecided` policy, default 'pass') and prints the same table on failure.
 */
import { Baseline, MetricsTable } from './baseline';
import { compareToBaseline, CompareOptions } from './compare';
import { formatCheckTable } from './format';

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

export function toMatchBaseline(received: MetricsTable, baseline: Baseline, options: CompareOptions = {}): MatcherResult {
  const report = compareToBaseline(received, baseline, options);
  return {
    pass: report.passed,
    message: () =>
      report.passed
        ? `expected metrics to fail the baseline, but no metric failed:\n${formatCheckTable(report)}`
        : `metrics failed the baseline (regression beyond margin${report.undecidedPolicy === 'fail' ? ', or undecided under undecided: fail' : ''}):\n${formatCheckTable(report)}`,
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toMatchBaseline(baseline: Baseline, options?: CompareOptions): R;
    }
  }
}
