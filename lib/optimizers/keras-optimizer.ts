/**
 * A tfjs `Optimizer` (for `model.compile` / `fit`) that runs one of layerwise's lean optimizers,
 * so a spec gives Keras 3's update rule in plain `fit` exactly as in `train()`: same class, same
 * arithmetic, same schedule step counting (the rate for update t is `rate(t)`, t from 0).
 *
 * tfjs's `minimize` hands `applyGradients` a name → gradient map of the variables it differentiated
 * (in `fit`: the model's trainable weights, the same list in the same order at every step). The
 * lean optimizer keeps its state by position in that list, so the list is fixed at the first step;
 * a later step with other variables is an error rather than silently mixing up moments.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';
import type { LeanOptimizer } from './lean-optimizer';

type NamedTensor = { name: string; tensor: tf.Tensor };
type NamedGradients = tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>;

export class KerasOptimizer extends tf.Optimizer {
  /** Written as `class_name` by `model.save(..., {includeOptimizer: true})`; lib/train/optimizer-spec registers the loader. */
  static className = 'LayerwiseOptimizer';
  private readonly lean: LeanOptimizer;
  private readonly config: tf.serialization.ConfigDict;
  private readonly kerasClassName: string;
  private variableNames: string[] | null = null;

  /**
   * @param lean the update rule; owned (disposed) by this optimizer.
   * @param config what `getConfig` reports (the resolved spec).
   * @param kerasClassName the Keras class whose rule `lean` is (`Adam`, `AdamW`, `SGD`, ...), which `kerasClass` reports.
   */
  constructor(lean: LeanOptimizer, config: tf.serialization.ConfigDict, kerasClassName: string) {
    super();
    this.lean = lean;
    this.config = config;
    this.kerasClassName = kerasClassName;
  }

  /** The Keras class whose update rule this runs (`Adam`, `AdamW`, `SGD`, `RMSprop`, `Adagrad`). */
  get kerasClass(): string {
    return this.kerasClassName;
  }

  /** Updates applied so far (Keras `optimizer.iterations`). */
  get updates(): number {
    return this.lean.iterations;
  }

  /** The learning rate of the next update (read by decoupled weight decay). */
  get learningRate(): number {
    return this.lean.learningRate;
  }

  applyGradients(variableGradients: NamedGradients): void {
    const entries = Array.isArray(variableGradients) ? variableGradients.map(({ name, tensor }) => [name, tensor] as const) : Object.entries(variableGradients);
    const names = entries.map(([name]) => name);
    if (this.variableNames == null) {
      this.variableNames = names;
    } else if (names.length !== this.variableNames.length || names.some((name, index) => name !== (this.variableNames as string[])[index])) {
      throw new LayerwiseConfigError(
        'optimizer',
        `got gradients for other variables than at its first step (${names.length} now, ${this.variableNames.length} before): an optimizer from createOptimizer keeps its state per variable of one model; create a new one for another model or after changing which weights are trainable`,
      );
    }
    const registered = tf.engine().registeredVariables;
    const variables = names.map((name) => {
      const variable = registered[name];
      if (variable == null) throw new LayerwiseConfigError('optimizer', `got a gradient for ${name}, which is not a variable`);
      return variable;
    });
    this.lean.applyGradients(
      variables,
      entries.map(([, tensor]) => tensor),
    );
    this.incrementIterations();
  }

  override dispose(): void {
    this.lean.dispose();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    // The moments live inside the lean optimizer in its own layout; like Keras's, they are not saved with the model.
    return [];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (weightValues.length > 0) throw new LayerwiseConfigError('optimizer', 'cannot restore saved optimizer state; create the optimizer from its spec and train on');
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.config };
  }
}
