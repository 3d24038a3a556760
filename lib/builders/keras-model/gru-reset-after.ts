/**
 * Keras 3's GRU with `reset_after=True` (its default), which tfjs 4.22 does not have: its
 * `GRUCell` throws "GRUCell does not support reset_after parameter set to true"
 * (tfjs-layers/src/layers/recurrent.ts). With reset_after the reset gate is applied after the
 * recurrent matrix product, and the bias has two rows, input bias and recurrent bias
 * (keras/src/layers/rnn/gru.py, `GRUCell.call`):
 *
 *   x_z, x_r, x_h = split(x @ kernel + bias[0])
 *   r_z, r_r, r_h = split(h @ recurrent_kernel + bias[1])
 *   z = recurrent_activation(x_z + r_z);  r = recurrent_activation(x_r + r_r)
 *   hh = activation(x_h + r * r_h);        h = z * h_prev + (1 - z) * hh
 *
 * The cell names its properties like tfjs's cells (`kernel`, `recurrentKernel`, `bias`,
 * `kernelRegularizer`, ...), so lib/layers/slots.ts, lossBreakdown and the recurrent-loss
 * forwarding treat it like any tfjs RNN cell. Dropout inside the cell is not implemented: a config
 * with `dropout` or `recurrent_dropout` > 0 is refused by the loader.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { createRegularizer, type RegularizerInput } from '../../regularizers';

type Initializer = ReturnType<typeof tf.initializers.zeros>;
type Constraint = ReturnType<typeof tf.constraints.nonNeg>;
type ActivationName = Parameters<typeof tf.layers.activation>[0]['activation'];

/** Arguments of `ResetAfterGRUCell`; the fields mirror tfjs's `GRUCellLayerArgs`. */
export interface ResetAfterGRUCellArgs {
  /** Number of units (the state size). */
  units: number;
  /** Candidate activation; Keras default `tanh`. */
  activation?: ActivationName;
  /** Gate activation; Keras 3 default `sigmoid` (tfjs's GRU defaults to hardSigmoid). */
  recurrentActivation?: ActivationName;
  /** Whether the cell has the (2, 3 * units) bias. Default true. */
  useBias?: boolean;
  kernelInitializer?: Initializer;
  recurrentInitializer?: Initializer;
  biasInitializer?: Initializer;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  kernelConstraint?: Constraint;
  recurrentConstraint?: Constraint;
  biasConstraint?: Constraint;
  /** Layer name of the cell. */
  name?: string;
}

/** An activation function object as tfjs layers hold them (`tf.layers.activation(...)` applies one). */
function activationFunction(name: ActivationName): (x: tf.Tensor) => tf.Tensor {
  const layer = tf.layers.activation({ activation: name });
  return (x) => layer.apply(x) as tf.Tensor;
}

export class ResetAfterGRUCell extends tf.layers.Layer {
  static className = 'layerwise.ResetAfterGRUCell';
  readonly units: number;
  readonly stateSize: number;
  readonly activationName: ActivationName;
  readonly recurrentActivationName: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly recurrentRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;
  readonly kernelConstraint?: Constraint;
  readonly recurrentConstraint?: Constraint;
  readonly biasConstraint?: Constraint;
  kernel: LayerVariable | null = null;
  recurrentKernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  /** Read and reset by tfjs's RNN layer around every call; this cell has no dropout, so they stay null. */
  dropoutMask = null as unknown as tf.Tensor | tf.Tensor[];
  recurrentDropoutMask = null as unknown as tf.Tensor | tf.Tensor[];
  private readonly activationFn: (x: tf.Tensor) => tf.Tensor;
  private readonly recurrentActivationFn: (x: tf.Tensor) => tf.Tensor;

  constructor(args: ResetAfterGRUCellArgs) {
    super({ name: args.name });
    this.units = args.units;
    this.stateSize = args.units;
    this.activationName = args.activation ?? 'tanh';
    this.recurrentActivationName = args.recurrentActivation ?? 'sigmoid';
    this.activationFn = activationFunction(this.activationName);
    this.recurrentActivationFn = activationFunction(this.recurrentActivationName);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
    this.recurrentInitializer = args.recurrentInitializer ?? tf.initializers.orthogonal({});
    this.biasInitializer = args.biasInitializer ?? tf.initializers.zeros();
    this.kernelRegularizer = args.kernelRegularizer;
    this.recurrentRegularizer = args.recurrentRegularizer;
    this.biasRegularizer = args.biasRegularizer;
    this.kernelConstraint = args.kernelConstraint;
    this.recurrentConstraint = args.recurrentConstraint;
    this.biasConstraint = args.biasConstraint;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [inputDim, 3 * this.units], 'float32', this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, 3 * this.units], 'float32', this.recurrentInitializer, this.recurrentRegularizer, true, this.recurrentConstraint);
    this.bias = this.useBias
      ? this.addWeight('bias', [2, 3 * this.units], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint)
      : null;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, previous] = inputs as tf.Tensor[];
      let matrixX = tf.matMul(x as tf.Tensor2D, this.kernel!.read() as tf.Tensor2D) as tf.Tensor;
      let matrixInner = tf.matMul(previous as tf.Tensor2D, this.recurrentKernel!.read() as tf.Tensor2D) as tf.Tensor;
      if (this.bias != null) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        matrixX = tf.add(matrixX, inputBias);
        matrixInner = tf.add(matrixInner, recurrentBias);
      }
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const [recurrentZ, recurrentR, recurrentH] = tf.split(matrixInner, 3, -1);
      const z = this.recurrentActivationFn(tf.add(xZ, recurrentZ));
      const r = this.recurrentActivationFn(tf.add(xR, recurrentR));
      const candidate = this.activationFn(tf.add(xH, tf.mul(r, recurrentH)));
      const h = tf.add(tf.mul(z, previous), tf.mul(tf.sub(1, z), candidate));
      return [h, h];
    });
  }

  /** tfjs-format config (`model.save`, `toJSON`); `fromConfig` reads it back, regularizer specs included. */
  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
      resetAfter: true,
    };
    for (const slot of SLOTS) {
      config[`${slot}Initializer`] = serialized(this[`${slot}Initializer`]);
      config[`${slot}Regularizer`] = serialized(this[`${slot}Regularizer`]);
      config[`${slot}Constraint`] = serialized(this[`${slot}Constraint`]);
    }
    return config;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args: Record<string, unknown> = { ...config };
    for (const slot of SLOTS) {
      args[`${slot}Initializer`] = deserialized(config[`${slot}Initializer`]);
      const regularizer = config[`${slot}Regularizer`];
      args[`${slot}Regularizer`] = regularizer == null ? undefined : createRegularizer(regularizer as RegularizerInput);
      args[`${slot}Constraint`] = deserialized(config[`${slot}Constraint`]);
    }
    return new cls(args as never);
  }
}

const SLOTS = ['kernel', 'recurrent', 'bias'] as const;

/** `{className, config}` as tfjs serializes initializers, regularizers and constraints. */
function serialized(value: tf.serialization.Serializable | undefined): tf.serialization.ConfigDict | null {
  return value == null ? null : { className: value.getClassName(), config: value.getConfig() };
}

/** The registered tfjs class of a `{className, config}` dict, instantiated (initializers and constraints). */
function deserialized<T>(value: unknown): T | undefined {
  if (value == null) return undefined;
  const { className, config } = value as { className: string; config: tf.serialization.ConfigDict };
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) throw new Error(`ResetAfterGRUCell.fromConfig: unknown tfjs class ${JSON.stringify(className)}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as T;
}

/** Arguments of `resetAfterGru`: the cell's, plus the RNN wrapper's. */
export interface ResetAfterGRUArgs extends ResetAfterGRUCellArgs {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  /** Shape of the input, with the batch dimension, when this is the first layer of a Sequential. */
  batchInputShape?: (number | null)[];
}

/** A `tf.RNN` layer around a `ResetAfterGRUCell`: Keras 3's `GRU(reset_after=True)`. */
export function resetAfterGru(args: ResetAfterGRUArgs): tf.RNN {
  const { returnSequences, returnState, goBackwards, stateful, unroll, batchInputShape, name, ...cellArgs } = args;
  const cell = new ResetAfterGRUCell({ ...cellArgs, name: name == null ? undefined : `${name}_cell` });
  return tf.layers.rnn({ cell, returnSequences, returnState, goBackwards, stateful, unroll, name, batchInputShape }) as tf.RNN;
}
