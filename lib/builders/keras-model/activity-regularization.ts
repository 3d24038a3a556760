/**
 * Keras's `ActivityRegularization(l1, l2)` layer, which tfjs 4.22 does not have: the identity, with
 * an activity regularizer `l1 * sum(|x|) + l2 * sum(x^2)` on its output (divided by the batch size,
 * like every Keras activity penalty). The penalty is applied by lib/activity like on any other layer.
 */
import * as tf from '@tensorflow/tfjs';
import { setActivityRegularizer } from '../../activity/set';

/** Arguments of `activityRegularization`. */
export interface ActivityRegularizationArgs {
  /** L1 coefficient; Keras default 0. */
  l1?: number;
  /** L2 coefficient; Keras default 0. */
  l2?: number;
  /** Layer name. */
  name?: string;
}

export class ActivityRegularizationLayer extends tf.layers.Layer {
  static className = 'layerwise.ActivityRegularization';
  readonly l1: number;
  readonly l2: number;

  constructor(args: ActivityRegularizationArgs) {
    super({ name: args.name });
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
    // In the constructor, so a copy rebuilt by tfjs's deserializer (`tf.loadLayersModel`) has it too.
    setActivityRegularizer(this, { kind: 'l1l2', l1: this.l1, l2: this.l2 });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.clone(input);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), l1: this.l1, l2: this.l2 };
  }
}

/** An `ActivityRegularization` layer whose penalty takes effect (lib/activity is installed by it). */
export function activityRegularization(args: ActivityRegularizationArgs): ActivityRegularizationLayer {
  return new ActivityRegularizationLayer(args);
}
