/**
 * GRU with Keras 3's default `reset_after=True`, which tfjs 4.22 does not implement (its
 * `GRUCell` throws `GRUCell does not support reset_after parameter set to true`).
 *
 * Keras 3 `GRUCell.call` with `reset_after=True` (keras/src/layers/rnn/gru.py), implementation 2:
 *
 *     bias has shape [2, 3·units]: row 0 is the input bias, row 1 the recurrent bias
 *     x_z, x_r, x_h = split(x·W + b_in, 3)
 *     r_z, r_r, r_h = split(h·U + b_rec, 3)
 *     z = σ(x_z + r_z);  r = σ(x_r + r_r)
 *     h̃ = tanh(x_h + r ⊙ r_h)                  (the reset gate applies AFTER the matmul)
 *     h' = z ⊙ h + (1 − z) ⊙ h̃
 *
 * whereas tfjs (and Keras with reset_after=False) computes `tanh(x_h + (r ⊙ h)·U_h)` with one
 * bias row. Weights: kernel [input, 3·units], recurrent_kernel [units, 3·units], bias [2, 3·units],
 * the same names, shapes and order as Keras, so Keras weights load as they are.
 *
 * `ResetAfterGRU` is tfjs's GRU whose cell is `ResetAfterGRUCell` when `resetAfter` is true; with
 * `resetAfter` false (the constructor's default, as in tfjs; layerwise's `layers.gru` passes
 * Keras's true) both are tfjs's own classes' behaviour. They are registered under tfjs's class names
 * `GRU` and `GRUCell` so that a saved model with `resetAfter: true` loads; the registration keeps the
 * `fromConfig` already registered for those names (lib/activity wraps it), swapping only the class.
 */
import * as tf from '@tensorflow/tfjs';

type Entry = [unknown, (...args: unknown[]) => unknown];
type AnyArgs = Record<string, unknown>;

function registered(name: string): Entry {
  const entry = (tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, Entry>)[name];
  if (entry == null) throw new Error(`tfjs has no registered class ${name}`);
  return entry;
}

interface TfjsActivation {
  apply(x: tf.Tensor): tf.Tensor;
}

/** The fields of tfjs's GRUCell this cell reads or sets. */
interface GruCellFields {
  units: number;
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  activation: TfjsActivation;
  recurrentActivation: TfjsActivation;
  kernelInitializer: unknown;
  recurrentInitializer: unknown;
  biasInitializer: unknown;
  kernelRegularizer: unknown;
  recurrentRegularizer: unknown;
  biasRegularizer: unknown;
  kernelConstraint: unknown;
  recurrentConstraint: unknown;
  biasConstraint: unknown;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  dropoutMask: tf.Tensor | tf.Tensor[] | null;
  recurrentDropoutMask: tf.Tensor | tf.Tensor[] | null;
  built: boolean;
  addWeight(...args: unknown[]): { read(): tf.Tensor };
}

type CellConstructor = new (args: AnyArgs) => tf.layers.Layer;
type LayerConstructor = new (args: AnyArgs) => tf.layers.Layer;

const TfjsGRUCell = registered('GRUCell')[0] as CellConstructor;
const TfjsGRU = registered('GRU')[0] as LayerConstructor;

function lastDimension(inputShape: tf.Shape | tf.Shape[]): number {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  const dimension = shape[shape.length - 1];
  if (dimension == null) throw new Error(`GRUCell needs a known input dimension; got shape [${shape.join(', ')}]`);
  return dimension;
}

/** A kept dropout mask for one sequence (Keras draws one per call of the layer, reused at every time step). */
function dropoutMask(like: tf.Tensor, rate: number): tf.Tensor {
  return tf.keep(tf.tidy(() => tf.dropout(tf.onesLike(like), rate)));
}

/** tfjs's GRUCell, plus Keras 3's `reset_after=True` update when `resetAfter` is true. */
export class ResetAfterGRUCell extends TfjsGRUCell {
  static className = 'GRUCell';
  /** Keras `reset_after`: the reset gate multiplies `h·U_h + b_rec,h` instead of `h`. */
  readonly resetAfter: boolean;

  constructor(args: AnyArgs) {
    super({ ...args, resetAfter: false });
    this.resetAfter = args.resetAfter === true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    if (!this.resetAfter) {
      (TfjsGRUCell.prototype as unknown as { build(shape: unknown): void }).build.call(this, inputShape);
      return;
    }
    const cell = this as unknown as GruCellFields;
    const units = cell.units;
    const inputDim = lastDimension(inputShape);
    cell.kernel = cell.addWeight('kernel', [inputDim, units * 3], null, cell.kernelInitializer, cell.kernelRegularizer, true, cell.kernelConstraint);
    cell.recurrentKernel = cell.addWeight('recurrent_kernel', [units, units * 3], null, cell.recurrentInitializer, cell.recurrentRegularizer, true, cell.recurrentConstraint);
    // Keras's shape: row 0 input bias, row 1 recurrent bias.
    cell.bias = cell.useBias ? cell.addWeight('bias', [2, units * 3], null, cell.biasInitializer, cell.biasRegularizer, true, cell.biasConstraint) : null;
    cell.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: AnyArgs): tf.Tensor | tf.Tensor[] {
    if (!this.resetAfter) return (TfjsGRUCell.prototype as unknown as { call(i: unknown, k: unknown): tf.Tensor[] }).call.call(this, inputs, kwargs);
    const cell = this as unknown as GruCellFields;
    return tf.tidy(() => {
      const list = inputs as tf.Tensor[];
      if (list.length !== 2) throw new Error(`GRUCell expects 2 input tensors (inputs, h), got ${list.length}`);
      let x = list[0];
      let hPrevious = list[1];
      const hState = hPrevious;
      const training = kwargs?.training === true;
      if (training && cell.dropout > 0 && cell.dropout < 1) {
        if (cell.dropoutMask == null) cell.dropoutMask = dropoutMask(x, cell.dropout);
        x = tf.mul(x, cell.dropoutMask as tf.Tensor);
      }
      if (training && cell.recurrentDropout > 0 && cell.recurrentDropout < 1) {
        if (cell.recurrentDropoutMask == null) cell.recurrentDropoutMask = dropoutMask(hPrevious, cell.recurrentDropout);
        hPrevious = tf.mul(hPrevious, cell.recurrentDropoutMask as tf.Tensor);
      }
      let matrixX = tf.matMul(x, cell.kernel.read());
      let matrixInner = tf.matMul(hPrevious, cell.recurrentKernel.read());
      if (cell.bias != null) {
        const [inputBias, recurrentBias] = tf.unstack(cell.bias.read());
        matrixX = tf.add(matrixX, inputBias);
        matrixInner = tf.add(matrixInner, recurrentBias);
      }
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const [recurrentZ, recurrentR, recurrentH] = tf.split(matrixInner, 3, -1);
      const z = cell.recurrentActivation.apply(tf.add(xZ, recurrentZ));
      const r = cell.recurrentActivation.apply(tf.add(xR, recurrentR));
      const candidate = cell.activation.apply(tf.add(xH, tf.mul(r, recurrentH)));
      // Keras: h = z·h_tm1 + (1 − z)·hh, with h_tm1 before recurrent dropout.
      const h = tf.add(tf.mul(z, hState), tf.mul(tf.sub(1, z), candidate));
      return [h, h];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...(TfjsGRUCell.prototype as unknown as { getConfig(): tf.serialization.ConfigDict }).getConfig.call(this), resetAfter: this.resetAfter };
  }
}

/** tfjs's GRU layer whose cell supports Keras's `resetAfter` (default false here, as in tfjs). */
export class ResetAfterGRU extends TfjsGRU {
  static className = 'GRU';

  constructor(args: AnyArgs) {
    super({ ...args, resetAfter: false });
    if (args.resetAfter === true) {
      // tfjs's GRU constructor always builds its own cell; replace it before anything is built.
      (this as unknown as { cell: tf.layers.Layer }).cell = new ResetAfterGRUCell({ ...args, resetAfter: true });
    }
  }
}

/** Registers the classes under `GRU` / `GRUCell`, keeping whatever `fromConfig` is registered there. */
function register(name: string, cls: unknown): void {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, Entry>;
  map[name] = [cls, registered(name)[1]];
}
let gruRegistered = false;

/**
 * Makes tfjs's serializer build these classes for `GRU` / `GRUCell` configs, so a saved model with
 * `resetAfter: true` loads. Done on first use (a `layers.gru` call or a layerwise loader), never on
 * import: importing layerwise leaves tfjs's registry as it was. Idempotent.
 */
export function registerResetAfterGru(): void {
  if (gruRegistered) return;
  register('GRUCell', ResetAfterGRUCell);
  register('GRU', ResetAfterGRU);
  gruRegistered = true;
}

/** A GRU layer; `resetAfter: true` gives Keras 3's cell. */
export function gru(args: AnyArgs): tf.layers.Layer {
  registerResetAfterGru();
  return new ResetAfterGRU(args);
}
