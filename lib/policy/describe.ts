/**
 * `describePolicy(policy, model)`: which weight gets which penalty and decay, as plain rows, and
 * `formatPolicyTable(rows)`, a fixed-width text rendering of them. No printing here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../builders/spec';
import { formatRegularizer } from '../regularizers/describe';
import { withResolvedPolicy } from './apply';
import type { Policy, WeightSlot } from './types';

export { formatRegularizer };

/** One weight (or activity output) of a model and what a policy does to it; rows come from `describePolicy`. */
export interface PolicyRow {
  /** Layer name. */
  layer: string;
  /** tfjs class name, e.g. `Dense`. */
  class: string;
  /** The weight's `originalName` (`dense_1/kernel`), or `dense_1 (output)` for an activity row. */
  weight: string;
  /** Weight shape; for activity rows the layer's output shape (batch dimension null). */
  shape: (number | null)[];
  /** Weight slot, `activity`, or null for weights no regularizer can reach (moving statistics). */
  slot: WeightSlot | 'activity' | null;
  /** The penalty, e.g. `l2(l2=0.0001)`, or null. */
  penalty: string | null;
  /** Decoupled decay rate, or null when the weight is not decayed. */
  weightDecay: number | null;
}

/** One row per weight of every addressable layer, plus one per activity regularizer, in model order. */
export function describePolicy(policy: Policy, model: tf.LayersModel | ModelSpec): PolicyRow[] {
  return withResolvedPolicy(model, policy, (resolved) => {
    const rows: PolicyRow[] = [];
    resolved.layers.forEach((layer, position) => {
      const addressable = resolved.addressable[position];
      for (const weight of addressable.weights) {
        const penalty = weight.slot == null ? null : (layer.penalties[weight.slot] ?? null);
        const rate = weight.slot == null || !weight.trainable ? null : (layer.weightDecay[weight.slot] ?? null);
        rows.push({
          layer: layer.name,
          class: layer.className,
          weight: weight.variable.originalName,
          shape: [...weight.variable.shape],
          slot: weight.slot,
          penalty: penalty == null ? null : formatRegularizer(penalty),
          weightDecay: rate == null || rate === 0 ? null : rate,
        });
      }
      if (layer.activity != null) {
        const outputShape = addressable.layer.outputShape;
        rows.push({
          layer: layer.name,
          class: layer.className,
          weight: `${layer.name} (output)`,
          shape: Array.isArray(outputShape[0]) ? [...(outputShape[0] as (number | null)[])] : [...(outputShape as (number | null)[])],
          slot: 'activity',
          penalty: formatRegularizer(layer.activity),
          weightDecay: null,
        });
      }
    });
    return rows;
  });
}

const HEADERS = ['layer', 'class', 'weight', 'shape', 'slot', 'penalty', 'weight decay'];

/** Renders rows as a fixed-width text table (header, rule, one line per row; `-` for none). */
export function formatPolicyTable(rows: readonly PolicyRow[]): string {
  const cells = rows.map((row) => [
    row.layer,
    row.class,
    row.weight,
    `[${row.shape.map((size) => (size == null ? '?' : String(size))).join(', ')}]`,
    row.slot ?? '-',
    row.penalty ?? '-',
    row.weightDecay == null ? '-' : String(row.weightDecay),
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((line) => line[column].length)));
  const render = (line: string[]): string => line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [render(HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(render)].join('\n');
}
