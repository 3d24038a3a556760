/**
 * The error every layerwise module throws for bad input: it names where the bad value was
 * (`dense_1.kernelRegularizer.l2`), the value, and what is allowed, so a user can fix a config
 * without reading our source.
 */
export class LayerwiseConfigError extends Error {
  /** Dotted path of the offending field, e.g. `dense_1.kernelRegularizer.l2`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(field ? `${field}${message.startsWith(':') || message.startsWith(' ') ? '' : ' '}${message}` : message);
    this.name = 'LayerwiseConfigError';
    this.field = field;
  }
}

/** Renders a value for an error message: strings quoted, everything else as JSON where possible. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
