/**
 * One-hot encoding of integer labels, row-major [labels.length, classCount] (1 at the label's
 * position, 0 elsewhere). Throws on a label outside 0..classCount-1 rather than writing a zero row.
 */
export function oneHot(labels: ArrayLike<number>, classCount: number): Float32Array {
  if (!Number.isInteger(classCount) || classCount < 1) throw new Error(`oneHot: classCount must be a positive integer, got ${String(classCount)}`);
  const encoded = new Float32Array(labels.length * classCount);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new Error(`oneHot: label ${label} at index ${i} is outside 0..${classCount - 1}`);
    }
    encoded[i * classCount + label] = 1;
  }
  return encoded;
}

/** The inverse of `oneHot` for scores or probabilities: the index of the largest value of each row. */
export function argMaxRows(values: ArrayLike<number>, classCount: number): Int32Array {
  if (values.length % classCount !== 0) throw new Error(`argMaxRows: ${values.length} values do not form rows of ${classCount}`);
  const rows = values.length / classCount;
  const result = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classCount; c++) if (values[r * classCount + c] > values[r * classCount + best]) best = c;
    result[r] = best;
  }
  return result;
}
