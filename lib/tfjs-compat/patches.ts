/**
 * Identity-checked replacement of a property (a prototype method, a registry entry).
 *
 * `installPatch` records what was there and what we put; `assertRestorable` checks, for every
 * patch of a set, that OUR value is still the one installed; `restorePatches` then puts back
 * exactly the recorded originals. If someone replaced one of our values after us (another
 * library, a second copy of layerwise, a test spy), restoring would silently drop their patch:
 * instead nothing is restored and `TfjsPatchConflictError` names each conflicting property, so
 * the later patch can be undone first (last in, first out). Chaining around a foreign patch is not
 * attempted: we cannot know what it captured.
 */

/** One replaced property. */
export interface Patch {
  /** The object that holds the property. */
  readonly target: Record<PropertyKey, unknown>;
  readonly key: PropertyKey;
  /** `target` described for error messages, e.g. `tf.layers.Layer.prototype`. */
  readonly label: string;
  /** The value before we patched (restored by `restorePatches`). */
  readonly original: unknown;
  /** Whether the property was an own property before (else it was inherited or absent, and is deleted on restore). */
  readonly hadOwn: boolean;
  /** Our value. */
  readonly replacement: unknown;
}

/** Thrown when a patch cannot be undone because a later patch replaced ours. */
export class TfjsPatchConflictError extends Error {
  /** `label.key` of each property that no longer holds our value. */
  readonly conflicts: readonly string[];

  constructor(conflicts: readonly string[]) {
    super(
      `cannot undo layerwise's tfjs fixes: ${conflicts.join(', ')} ${conflicts.length === 1 ? 'was' : 'were'} replaced after they were installed ` +
        '(another patch sits on top of ours); undo that patch first, then undo again. Nothing was restored.',
    );
    this.name = 'TfjsPatchConflictError';
    this.conflicts = conflicts;
  }
}

function describe(patch: Patch): string {
  return `${patch.label}.${String(patch.key)}`;
}

/** Replaces `target[key]` by `replacement` and records the original. */
export function installPatch(target: object, key: PropertyKey, replacement: unknown, label: string): Patch {
  const holder = target as Record<PropertyKey, unknown>;
  const patch: Patch = { target: holder, key, label, original: holder[key], hadOwn: Object.prototype.hasOwnProperty.call(holder, key), replacement };
  holder[key] = replacement;
  return patch;
}

/** Throws `TfjsPatchConflictError` unless every patch's property still holds our value. */
export function assertRestorable(patches: readonly Patch[]): void {
  const conflicts = patches.filter((patch) => patch.target[patch.key] !== patch.replacement).map(describe);
  if (conflicts.length > 0) throw new TfjsPatchConflictError(conflicts);
}

/** Puts back every original, in reverse order of installation. Call `assertRestorable` first. */
export function restorePatches(patches: readonly Patch[]): void {
  for (const patch of [...patches].reverse()) {
    if (patch.hadOwn) patch.target[patch.key] = patch.original;
    else delete patch.target[patch.key];
  }
}
