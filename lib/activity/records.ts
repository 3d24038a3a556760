/**
 * Bookkeeping of activity penalties: which penalties belong to the "current call" of each layer.
 *
 * Keras clears activity losses at each top-level call. tfjs's `fit`, `evaluate` and `predict` do
 * not go through a top-level call (they run the graph executor directly), but they always run
 * inside a `tf.tidy` scope (one per batch), and so does every gradient computation. A model's own
 * `apply` runs its layers inside an internal `tidy` too, which would dispose a penalty computed
 * there before anyone could add it to a loss. So:
 *  - a penalty computed inside a scope is kept (`tf.keep`) and tagged with the outermost open
 *    scope; when someone reads it inside a scope (the step's loss, `regularizationPenalty`), it is
 *    handed to the reader's scope (cloned there, so the gradient tape sees it; the kept copy is
 *    disposed) and lives exactly as long as that step. A record of an older outermost scope is
 *    dropped at the layer's next call, so unread penalties never accumulate: at most the latest
 *    pass of each layer is kept (e.g. after tfjs's `evaluate` / `predict`, which never read
 *    them), and the layer's `dispose` frees it.
 *  - a penalty computed outside any scope (eager calls) is owned by this module and replaced by
 *    the next call of the same layer (each eager top-level call is one "pass").
 * Penalties are computed at every concrete call, training or inference mode, as Keras does.
 * Within one pass, every call adds one penalty: a layer called twice contributes twice.
 * Nothing here changes tfjs (it only reads which scopes the engine has open): the functions are
 * called by the layers that carry an activity regularizer (`carry.ts`) and by lib/penalty.
 */
import * as tf from '@tensorflow/tfjs';

/** One activity penalty recorded at one call of a layer. */
interface PenaltyRecord {
  tensor: tf.Scalar;
  /** True when this module must dispose the tensor (kept, or created outside any scope). */
  owned: boolean;
  /** The pass it belongs to: the id of the outermost scope, or a fresh negative id for an eager call. */
  pass: number;
  /** Whether the layer's loss closure (what tfjs's own `fit` reads) already returned it. */
  reported: boolean;
}

interface ScopeState {
  id: number;
}

interface EngineState {
  activeScope: ScopeState | null;
  scopeStack: ScopeState[];
}

const recordsByLayer = new WeakMap<object, PenaltyRecord[]>();
let eagerPassCounter = 0;

function engineState(): EngineState {
  return tf.engine().state as unknown as EngineState;
}

function insideTidyScope(): boolean {
  // `state.activeScope` is null when no tf.tidy / gradient scope is open.
  return engineState().activeScope != null;
}

/** The current pass: the outermost open scope, or a new eager pass outside any scope. */
function currentPass(): number {
  const stack = engineState().scopeStack;
  if (insideTidyScope() && stack.length > 0) return stack[0].id;
  return -++eagerPassCounter;
}

function dropRecord(record: PenaltyRecord): void {
  if (record.owned && !record.tensor.isDisposed) record.tensor.dispose();
}

/** Records one penalty computed at the current call of `layer`. Takes ownership per the rules above. */
export function recordPenalty(layer: object, penalty: tf.Scalar): void {
  const scoped = insideTidyScope();
  if (scoped) tf.keep(penalty); // Survive a model's internal tidy; handed over when read.
  const record: PenaltyRecord = { tensor: penalty, owned: true, pass: currentPass(), reported: false };
  const kept = (recordsByLayer.get(layer) ?? []).filter((old) => {
    const stale = old.tensor.isDisposed || old.pass !== record.pass;
    if (stale) dropRecord(old);
    return !stale;
  });
  kept.push(record);
  recordsByLayer.set(layer, kept);
}

/** Moves an owned kept record into the current scope (a clone the tape records), when a scope is open. */
function handOver(record: PenaltyRecord): void {
  if (!record.owned || !insideTidyScope()) return;
  const kept = record.tensor;
  record.tensor = kept.clone() as tf.Scalar;
  kept.dispose();
  record.owned = false;
}

function liveRecords(layer: object): PenaltyRecord[] {
  const records = recordsByLayer.get(layer);
  if (records == null) return [];
  const live = records.filter((record) => !record.tensor.isDisposed);
  if (live.length !== records.length) recordsByLayer.set(layer, live);
  return live;
}

/**
 * The activity penalties of `layer`'s current pass, one scalar per call and output. Inside a
 * scope they are handed over to it (so read this OUTSIDE any internal tidy of the reader). The
 * tensors belong to this module or to the scope: read them, don't dispose them.
 */
export function livePenalties(layer: object): tf.Scalar[] {
  const live = liveRecords(layer);
  live.forEach(handOver);
  return live.map((record) => record.tensor);
}

/**
 * The live penalties of `layer` not yet returned by this function, marked as returned. The loss
 * closure a carrying layer registers uses it: tfjs's `Container.calculateLosses` evaluates a
 * layer's losses once per call node, and each penalty must count once.
 */
export function unreportedPenalties(layer: object): tf.Scalar[] {
  const fresh = liveRecords(layer).filter((record) => !record.reported);
  fresh.forEach((record) => {
    handOver(record);
    record.reported = true;
  });
  return fresh.map((record) => record.tensor);
}

/** Drops (and disposes, where owned) the recorded activity penalties of one layer. */
export function clearLayerPenalties(layer: object): void {
  const records = recordsByLayer.get(layer);
  if (records == null) return;
  records.forEach(dropRecord);
  recordsByLayer.delete(layer);
}
