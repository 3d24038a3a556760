/**
 * Decoupled weight decay for ordinary `model.fit` / `fitDataset`, with any tfjs optimizer that has
 * a numeric learning rate. `train()` applies decay inside its own step; this callback gives users
 * of tfjs's own loop the same update.
 *
 * Keras 3 order, exactly: gradients are computed at the un-decayed weights, then
 * `w ← w − lr·wd·w_pre` with the PRE-step weights. tfjs's `fit` gives no hook between the
 * gradient and the update, so the callback keeps a copy of each decayed weight when the batch
 * begins and subtracts `lr·wd·w_pre` after the optimizer's update. Under SGD and Adam that equals
 * Keras' decay-then-update, because the update itself does not read the weights.
 */
import * as tf from '@tensorflow/tfjs';
import { currentLearningRate } from './optimizer-spec';
import { DecayedWeight, resolveWeightDecay, WeightDecaySetting } from './weight-decay';

export interface WeightDecayCallbackArgs {
  /** The model being fitted. */
  model: tf.LayersModel;
  /** A rate for every kernel, or rates by weight `originalName` (e.g. from `weightDecayRates(policy, model)`). */
  weightDecay: WeightDecaySetting;
  /** The optimizer passed to `compile`: its current learning rate scales the decay. Default: `model.optimizer`. */
  optimizer?: tf.Optimizer;
}

/** A `fit` callback applying decoupled weight decay after every batch. Dispose it (or let `fit` end) to free its copies. */
export class DecoupledWeightDecayCallback extends tf.CustomCallback {
  private readonly decayed: DecayedWeight[];
  private preStep: tf.Tensor[] = [];
  /** The rate of the batch's update, read before it (a scheduled rate moves on after the update). */
  private learningRate = NaN;

  constructor(args: WeightDecayCallbackArgs) {
    const decayed = resolveWeightDecay(args.model, args.weightDecay, 'weightDecayCallback.weightDecay');
    const optimizerOf = (): tf.Optimizer => args.optimizer ?? args.model.optimizer;
    super({
      onBatchBegin: async () => {
        this.release();
        this.learningRate = currentLearningRate(optimizerOf());
        this.preStep = this.decayed.map(({ variable }) => tf.keep(tf.clone(variable.read())));
      },
      onBatchEnd: async () => {
        const learningRate = this.learningRate;
        tf.tidy(() => {
          this.decayed.forEach(({ variable, rate }, index) => {
            const value = variable.read() as tf.Variable;
            value.assign(tf.sub(value, tf.mul(learningRate * rate, this.preStep[index])));
          });
        });
        this.release();
      },
      onTrainEnd: async () => this.release(),
    });
    this.decayed = decayed;
  }

  private release(): void {
    tf.dispose(this.preStep);
    this.preStep = [];
  }
}

/** `callbacks: [decoupledWeightDecay({model, weightDecay})]` in `model.fit`. */
export function decoupledWeightDecay(args: WeightDecayCallbackArgs): DecoupledWeightDecayCallback {
  return new DecoupledWeightDecayCallback(args);
}
