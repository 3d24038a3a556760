/**
 * The "which layer matters" table shared by the terminal and Markdown renderers: one row per
 * layer coefficient (and one for interactions) with its share of the validation-loss variance and
 * the bootstrap interval, or one line saying why there is no estimate.
 */
import { formatInterval, formatProbability } from './format';
import type { LayerImportance } from './importance';

/** A table of one arm's estimate, or the sentence that replaces it. */
export interface ImportanceTable {
  arm: string;
  /** One line above the table (or instead of it). */
  title: string;
  header: string[];
  /** Empty when the estimate is insufficient. */
  rows: string[][];
}

function percentInterval(interval: { lower: number; upper: number } | null): string {
  if (!interval) return '–';
  return `[${formatProbability(interval.lower)}, ${formatProbability(interval.upper)}]`;
}

/** Header, rows and title of each arm's layer-importance table. */
export function importanceTables(estimates: readonly LayerImportance[], level: string): ImportanceTable[] {
  return estimates.map((estimate) => {
    const header = ['parameter', 'scale', 'share of variance', `${level} bootstrap interval`, 'range (on that scale)'];
    if (estimate.status !== 'estimated') {
      return { arm: estimate.arm, title: `Which layer matters, arm "${estimate.arm}": ${estimate.reason ?? 'no estimate'}.`, header, rows: [] };
    }
    const rows = estimate.importances.map((importance, index) => {
      const scale = estimate.parameters[index]?.scale ?? 'linear';
      return [
        importance.feature,
        scale,
        formatProbability(importance.share),
        percentInterval(importance.interval),
        formatInterval({ lower: importance.range[0], upper: importance.range[1] }, 3),
      ];
    });
    rows.push(['interactions (rest)', '', formatProbability(estimate.interactionShare), percentInterval(estimate.interactionInterval), '']);
    return {
      arm: estimate.arm,
      title:
        `Which layer matters, arm "${estimate.arm}": share of the variance in final validation loss explained by each coefficient alone ` +
        `(first-order fANOVA of a ${estimate.trees}-tree forest, ${estimate.observations} trials in ${estimate.groups} configurations, ${estimate.resamples} bootstrap resamples)` +
        '.' + (estimate.sample !== undefined ? ` Sampled: ${estimate.sample.trials} of ${estimate.sample.of} trials (${estimate.sample.rule}).` : ''),
      header,
      rows,
    };
  });
}
