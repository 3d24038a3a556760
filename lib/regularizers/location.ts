/** Where a regularizer sits, so that every error names the field: `dense_1.kernelRegularizer.l2 = -1: ...`. */

/** Where a regularizer sits, so errors can say `dense_1.kernelRegularizer.l2`. */
export interface RegularizerLocation {
  /** Layer name, when the regularizer is attached to a layer. */
  layer?: string;
  /** Slot on the layer: `kernelRegularizer`, `biasRegularizer`, `activityRegularizer`, ... */
  slot?: string;
  /** A free-form prefix used instead of layer/slot, e.g. `policy.perLayer["conv*"].kernel`. */
  path?: string;
}

/** `dense_1.kernelRegularizer`, the path prefix of a location ('' when there is none). */
export function locationPrefix(where?: RegularizerLocation): string {
  if (where == null) return '';
  if (where.path != null) return where.path;
  return [where.layer, where.slot].filter((part) => part != null && part !== '').join('.');
}

/** The full path of one argument at a location: `dense_1.kernelRegularizer.l2`, or `l2` alone. */
export function fieldPath(where: RegularizerLocation | undefined, argument: string): string {
  const prefix = locationPrefix(where);
  return prefix === '' ? argument : `${prefix}.${argument}`;
}
