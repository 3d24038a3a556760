/**
 * The one list of regularizer kinds. A kind is one file under kinds/; adding one means writing that
 * file and adding it here: the spec union, the kind names, `validateSpec`, `computePenalty`,
 * `toConfig`/`fromConfig`, `createRegularizer`, `specOf` and the `regularizers` factories all derive
 * from this list. Built-in kinds come before `custom`, so a Keras identifier always means the
 * built-in class (registering a built-in name is refused).
 */
import { registerOnce, type SerializableClass } from './tfjs-base';
import type { RegularizerKindDefinition } from './kind';
import { customKind } from './kinds/custom';
import { l1Kind } from './kinds/l1';
import { l1l2Kind } from './kinds/l1l2';
import { l2Kind } from './kinds/l2';
import { orthogonalKind } from './kinds/orthogonal';

/** Every kind, in the order identifiers are matched and listed. */
export const REGULARIZER_DEFINITIONS = [l1Kind, l2Kind, l1l2Kind, orthogonalKind, customKind] as const;

type Definition = (typeof REGULARIZER_DEFINITIONS)[number];
type SpecOf<D> = D extends RegularizerKindDefinition<infer S, infer _F> ? S : never;

/** Any regularizer as plain JSON data; `kind` says which (`l1`, `l2`, `l1l2`, `orthogonal`, `custom`). */
export type RegularizerSpec = SpecOf<Definition>;

/** The `kind` of a regularizer spec. */
export type RegularizerKind = RegularizerSpec['kind'];

/** The kind names, in order. */
export const REGULARIZER_KINDS: readonly RegularizerKind[] = REGULARIZER_DEFINITIONS.map((definition) => definition.kind);

/** The factories by kind name: `{l1, l2, l1l2, orthogonal, custom}`. */
export type RegularizerFactories = { [D in Definition as D['kind']]: D['factory'] };

/** The definition of a kind, or undefined for an unknown kind name. */
export function definitionOf(kind: unknown): RegularizerKindDefinition<RegularizerSpec> | undefined {
  // The list holds one definition per kind; widening its spec type to the union is sound because
  // callers pass each definition only specs whose `kind` it owns.
  const found = REGULARIZER_DEFINITIONS.find((definition) => definition.kind === kind);
  return found as unknown as RegularizerKindDefinition<RegularizerSpec> | undefined;
}

/** The definition whose Keras class name or string identifier is `identifier`, or undefined. */
export function definitionNaming(identifier: string): RegularizerKindDefinition<RegularizerSpec> | undefined {
  const found = REGULARIZER_DEFINITIONS.find((definition) => definition.names(identifier));
  return found as unknown as RegularizerKindDefinition<RegularizerSpec> | undefined;
}

/** Every identifier `fromConfig` accepts, for error messages. */
export function knownIdentifiers(): string[] {
  return REGULARIZER_DEFINITIONS.flatMap((definition) => definition.identifiers());
}

/** Whether `name` is taken by a built-in kind (its kind name, a Keras identifier in any case) or is `Regularizer`. */
export function isBuiltInName(name: string): boolean {
  if (name.toLowerCase() === 'regularizer') return true;
  return REGULARIZER_DEFINITIONS.some((definition) => definition !== customKind && (definition.kind === name || definition.names(name)));
}

/** The factories of every kind, keyed by kind name. */
export function regularizerFactories(): RegularizerFactories {
  return Object.fromEntries(REGULARIZER_DEFINITIONS.map((definition) => [definition.kind, definition.factory])) as RegularizerFactories;
}

/**
 * Registers every built-in kind's tfjs class with tfjs serialization, so a saved model naming them
 * (Keras's `L1`, `L2`, `OrthogonalRegularizer`) loads in a process that has not created one yet.
 * Layerwise's loaders call it; idempotent. Importing layerwise does not (no import-time side effects).
 */
export function registerRegularizerClasses(): void {
  for (const definition of REGULARIZER_DEFINITIONS) {
    const cls = (definition as { tfjsClass?: SerializableClass }).tfjsClass;
    if (cls !== undefined) registerOnce(cls);
  }
}
