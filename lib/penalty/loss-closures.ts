/**
 * Telling apart the loss closures a tfjs layer holds in `layer.losses`:
 *  - tfjs's own weight penalty: `Layer.addWeight` registers, for a weight created with a
 *    regularizer, exactly `() => regularizer.apply(weight.read())` (engine/topology.ts). That
 *    closure is the penalty of ONE variable, which lib/penalty already counts from the weight
 *    itself (`regularizedWeights`), once per variable. It is recognized by its source text (the
 *    shape of tfjs's code, with any identifier names, so minified builds match too), never by
 *    running it.
 *  - the loss closure of a carried activity regularizer (lib/activity/carry.ts): counted from the
 *    recorded activity penalties instead.
 *  - everything else was added by the user (`addLoss` in a custom layer) and counts exactly as
 *    tfjs counts it: once per call node of its layer.
 */
import { isActivityLossClosure } from '../activity/carry';

/** `function () { return r.apply(w.read()); }` (tfjs's transpiled bundles) or `() => r.apply(w.read())` (ES builds). */
const WEIGHT_PENALTY_SOURCE = /^(?:function\s*\(\)\s*\{\s*return\s+[\w$]+\.apply\(\s*[\w$]+\.read\(\)\s*\);?\s*\}|\(\)\s*=>\s*[\w$]+\.apply\(\s*[\w$]+\.read\(\)\s*\))$/;

/** What a loss closure is (see the file comment). */
export type LossClosureKind = 'weight-penalty' | 'activity' | 'user-loss';

/** Classifies one closure of `layer.losses`. */
export function lossClosureKind(closure: unknown): LossClosureKind {
  if (isActivityLossClosure(closure)) return 'activity';
  if (typeof closure === 'function' && WEIGHT_PENALTY_SOURCE.test(Function.prototype.toString.call(closure).trim())) return 'weight-penalty';
  return 'user-loss';
}
