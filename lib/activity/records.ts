/**
 * Bookkeeping of activity penalties: which penalties belong to the "current call" of each layer.
 *
 * Keras clears activity losses at each top-level call. tfjs's `fit`, `evaluate` and `predict` do
 * not go through a top-level call (they run the graph executor directly), but they always run
 * inside a `tf.tidy` scope (one per batch), and so does every gradient computation. We therefore
 * tie each penalty tensor to the scope it was computed in:
 *  - a penalty computed inside a tidy scope is an ordinary tracked tensor: it lives exactly as
 *    long as that step and is dropped when the scope disposes it. Reads skip disposed tensors, so
 *    nothing accumulates across steps and nothing leaks.
 *  - a penalty computed while a model runs its layers inside its own internal tidy
 *    (`model.apply` -> `Container.call`) is kept until that model call returns, then handed to the
 *    caller's scope (cloned there, the kept copy disposed), so `regularizationPenalty(model)` can
 *    read it right after `model.apply(x)` inside a gradient tape.
 *  - a penalty computed outside any tidy scope (eager calls) is owned by this module and replaced
 *    by the next call of the same layer (each eager top-level call is one "pass"), so at most one
 *    pass is kept per layer. `clearActivityPenalties` drops them explicitly.
 * Within one scope, every call adds one penalty: a layer called twice contributes twice.
 */
import * as tf from '@tensorflow/tfjs';

/** One activity penalty recorded at one call of a layer. */
interface PenaltyRecord {
  tensor: tf.Scalar;
  /** True when this module must dispose the tensor (kept, or created outside any scope). */
  owned: boolean;
  /** The eager pass (calls outside any tidy scope) it belongs to; null when scoped. */
  eagerPass: number | null;
}

const recordsByLayer = new WeakMap<object, PenaltyRecord[]>();

/** Nesting of concrete model (container) calls currently running through our `apply`. */
let containerDepth = 0;
/** Penalties kept during the current outermost container call, to hand over when it returns. */
let pendingHandOver: PenaltyRecord[] = [];
/** Identifier of the current eager pass; null while the outermost call runs inside a scope. */
let currentEagerPass: number | null = null;
let eagerPassCounter = 0;

function insideTidyScope(): boolean {
  // `state.activeScope` is null when no tf.tidy / gradient scope is open.
  return (tf.engine().state as unknown as { activeScope: unknown }).activeScope != null;
}

function dropRecord(record: PenaltyRecord): void {
  if (record.owned && !record.tensor.isDisposed) record.tensor.dispose();
}

/** Marks the start of a concrete call of a layer or model through the patched `apply`. */
export function beginCall(isContainer: boolean): void {
  if (containerDepth === 0) currentEagerPass = insideTidyScope() ? null : ++eagerPassCounter;
  if (isContainer) containerDepth++;
}

/** Marks the end of a call started with `beginCall`; hands kept penalties to the caller's scope. */
export function endCall(isContainer: boolean): void {
  if (isContainer) containerDepth--;
  if (!(isContainer && containerDepth === 0)) return;
  const handOver = pendingHandOver;
  pendingHandOver = [];
  if (!insideTidyScope()) return; // Eager: stay owned until replaced by the next pass.
  for (const record of handOver) {
    if (record.tensor.isDisposed) continue;
    const kept = record.tensor;
    record.tensor = kept.clone(); // Tracked by the caller's scope; the tape records the identity.
    kept.dispose();
    record.owned = false;
  }
}

/** Records one penalty computed at the current call of `layer`. Takes ownership per the rules above. */
export function recordPenalty(layer: object, penalty: tf.Scalar): void {
  const record: PenaltyRecord = { tensor: penalty, owned: false, eagerPass: null };
  if (containerDepth > 0) {
    tf.keep(penalty); // Survive the model's internal tidy; handed over in endCall.
    record.owned = true;
    record.eagerPass = currentEagerPass;
    pendingHandOver.push(record);
  } else if (!insideTidyScope()) {
    record.owned = true;
    record.eagerPass = currentEagerPass;
  }
  const kept = (recordsByLayer.get(layer) ?? []).filter((old) => {
    const stale = old.tensor.isDisposed || (old.eagerPass !== null && old.eagerPass !== record.eagerPass);
    if (stale) dropRecord(old);
    return !stale;
  });
  kept.push(record);
  recordsByLayer.set(layer, kept);
}

/**
 * The activity penalties of `layer`'s current call(s), one scalar per call and output.
 * The tensors belong to this module (or to the step's scope): read them, don't dispose them.
 */
export function livePenalties(layer: object): tf.Scalar[] {
  const records = recordsByLayer.get(layer);
  if (records == null) return [];
  const live = records.filter((record) => !record.tensor.isDisposed);
  if (live.length !== records.length) recordsByLayer.set(layer, live);
  return live.map((record) => record.tensor);
}

/** Drops (and disposes, where owned) the recorded activity penalties of one layer. */
export function clearLayerPenalties(layer: object): void {
  const records = recordsByLayer.get(layer);
  if (records == null) return;
  records.forEach(dropRecord);
  recordsByLayer.delete(layer);
}
