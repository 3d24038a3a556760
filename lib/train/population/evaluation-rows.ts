/**
 * The rows a population's per-epoch measurement predicts on: every measured split's rows in chunks
 * of at most `evaluationBatchSize` rows, each chunk with its labels and a [rows, splits] 0/1
 * membership matrix (which split each row belongs to), so that per-row quantities of every member
 * (loss, hits, absolute error, activity penalty) become per-split sums in one matrix product.
 *
 * When all splits together fit in one chunk (the small data this is for: the README sweep measures
 * 300 rows), that chunk is the splits' rows concatenated once for the whole run, so one forward
 * pass per epoch measures every split; its labels tiled per member are kept until the member count
 * changes. Otherwise each split is cut into its own chunks at every measurement (slices of the
 * caller's tensors, inside the measurement's tidy), as `train` batches its evaluation.
 *
 * Features are [1, rows, features]: the batched matmul broadcasts them over the members (no copy
 * per member).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainData } from '../options';
import type { SplitName } from '../record';

/** One chunk of measured rows. */
export interface EvaluationChunk {
  /** Features [1, rows, features]. */
  x: tf.Tensor3D;
  /** Labels tiled per member: [members, rows, units] (tfjs's losses want equal shapes). */
  y: tf.Tensor3D;
  /** [rows, splits]: 1 where the row belongs to the split of that column (in `splits` order), else 0. */
  membership: tf.Tensor2D;
}

export class EvaluationRows {
  /** The measured splits, in record order (train, validation, test; absent ones left out). */
  readonly splits: SplitName[];
  /** Rows per measured split. */
  readonly counts: number[];
  private readonly data: TrainData;
  private readonly batchSize: number;
  /** The concatenated rows when they fit in one chunk (kept for the run), else null. */
  private readonly whole: { x: tf.Tensor3D; y: tf.Tensor3D; membership: tf.Tensor2D } | null;
  private tiledLabels: { members: number; y: tf.Tensor3D } | null = null;

  constructor(data: TrainData, evaluationBatchSize: number) {
    this.data = data;
    this.batchSize = evaluationBatchSize;
    this.splits = (['train', 'validation', 'test'] as const).filter((split) => data[split] != null);
    this.counts = this.splits.map((split) => (data[split] as NonNullable<TrainData['train']>).x.shape[0]);
    const total = this.counts.reduce((sum, count) => sum + count, 0);
    if (total > evaluationBatchSize) {
      this.whole = null;
      return;
    }
    this.whole = tf.tidy(() => {
      const part = (pick: 'x' | 'y') => this.splits.map((split) => (data[split] as NonNullable<TrainData['train']>)[pick]);
      const x = tf.concat(part('x'), 0);
      const y = tf.concat(part('y'), 0);
      return {
        x: tf.keep(tf.expandDims(x, 0) as tf.Tensor3D),
        y: tf.keep(tf.expandDims(y, 0) as tf.Tensor3D),
        membership: tf.keep(this.membershipOf(this.counts.map((count) => count))),
      };
    });
  }

  /** Calls `visit` with each chunk, labels tiled for `members` members. Call inside a tf.tidy. */
  forEachChunk(members: number, visit: (chunk: EvaluationChunk) => void): void {
    if (this.whole != null) {
      if (this.tiledLabels?.members !== members) {
        this.tiledLabels?.y.dispose();
        this.tiledLabels = { members, y: tf.keep(tf.tile(this.whole.y, [members, 1, 1])) };
      }
      visit({ x: this.whole.x, y: this.tiledLabels.y, membership: this.whole.membership });
      return;
    }
    this.splits.forEach((split, column) => {
      const rows = this.data[split] as NonNullable<TrainData['train']>;
      const count = this.counts[column];
      for (let start = 0; start < count; start += this.batchSize) {
        const size = Math.min(this.batchSize, count - start);
        const x = size === count ? rows.x : tf.slice(rows.x, start, size);
        const y = size === count ? rows.y : tf.slice(rows.y, start, size);
        visit({
          x: tf.expandDims(x, 0) as tf.Tensor3D,
          y: tf.tile(tf.expandDims(y, 0), [members, 1, 1]) as tf.Tensor3D,
          membership: this.membershipOf(this.counts.map((_, other) => (other === column ? size : 0))),
        });
      }
    });
  }

  dispose(): void {
    if (this.whole != null) tf.dispose([this.whole.x, this.whole.y, this.whole.membership]);
    this.tiledLabels?.y.dispose();
    this.tiledLabels = null;
  }

  /** The membership matrix of consecutive runs of rows: `runs[s]` rows of split s, in split order. */
  private membershipOf(runs: number[]): tf.Tensor2D {
    const rows = runs.reduce((sum, run) => sum + run, 0);
    const values = new Float32Array(rows * runs.length);
    let row = 0;
    runs.forEach((run, column) => {
      for (let index = 0; index < run; index++, row++) values[row * runs.length + column] = 1;
    });
    return tf.tensor2d(values, [rows, runs.length]);
  }
}
