/**
 * The decoupled-weight-decay plan of a policy: `{originalName: rate}` for every trainable weight
 * the policy decays (same slot inclusion as its penalties), the shape `train`'s
 * `options.weightDecay` takes. Keys are `LayerVariable.originalName` (`dense_1/kernel`), never
 * `name`, which tfjs suffixes (`dense_1/kernel_3`) when several models share layer names.
 * Weights with a rate of 0 (or explicitly none) are left out; frozen weights and moving statistics
 * are never decayed (the optimizer does not update them).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../builders/spec';
import { withResolvedPolicy } from './apply';
import type { Policy } from './types';

/**
 * `{originalName: rate}` for every trainable weight `policy` decays in `model` (a built model or a
 * spec); pass it as `train`'s `options.weightDecay`.
 */
export function weightDecayRates(policy: Policy, model: tf.LayersModel | ModelSpec): Record<string, number> {
  return withResolvedPolicy(model, policy, (resolved) => {
    const rates: Record<string, number> = {};
    resolved.layers.forEach((layer, position) => {
      for (const weight of resolved.addressable[position].weights) {
        if (weight.slot == null || !weight.trainable) continue;
        const rate = layer.weightDecay[weight.slot];
        if (rate == null || rate === 0) continue;
        const name = weight.variable.originalName;
        if (name in rates && rates[name] !== rate) {
          throw new Error(
            `weightDecayRates: two weights share the name ${name} and get different rates (${rates[name]}, ${rate}); give the layers distinct names`,
          );
        }
        rates[name] = rate;
      }
    });
    return rates;
  });
}
