/**
 * Selectors and their precedence.
 *
 * When several entries of a per-layer policy select the same layer and say something about the
 * same weight (or its activity), the most specific selector wins:
 *
 *     exact name  >  index  >  glob  >  class
 *
 * and among selectors of the same rank the LATER entry wins. Within one entry an explicit slot
 * field (`bias: ...`) beats the entry's generic `regularizer`. A uniform policy ranks below all of
 * these (it behaves as a glob `*` of lowest rank).
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import type { Selector } from './types';

export type SelectorKind = 'name' | 'index' | 'glob' | 'class';

/** Higher wins. */
export const SELECTOR_RANK: Record<SelectorKind | 'uniform' | 'nameOrClass', number> = {
  uniform: 0,
  class: 1,
  glob: 2,
  index: 3,
  name: 4,
  nameOrClass: -1, // decided per model: becomes name or class
};

/** A layer as selectors see it. */
export interface SelectableLayer {
  name: string;
  className: string;
  /** 0-based position among the model's layers (input layers not counted). */
  index: number;
}

/** A parsed selector. */
export type ParsedSelector =
  | { kind: 'name'; name: string }
  | { kind: 'glob'; glob: string }
  | { kind: 'index'; index: number }
  | { kind: 'class'; className: string }
  | { kind: 'nameOrClass'; text: string };

/** The text used for a selector in error messages and tables: strings as written, `{index: 0}` as `#0`. */
export function selectorLabel(selector: Selector): string {
  if (typeof selector === 'string') return selector;
  if ('name' in selector) return selector.name;
  if ('glob' in selector) return selector.glob;
  if ('index' in selector) return `#${selector.index}`;
  return selector.class;
}

/** Parses and checks a selector; `field` names it in errors. */
export function parseSelector(selector: unknown, field: string): ParsedSelector {
  if (typeof selector === 'string') {
    if (selector === '') throw new LayerwiseConfigError(field, '= "": expected a layer name, glob, "#index" or class name');
    const index = /^#(-?\d+)$/.exec(selector);
    if (index) return { kind: 'index', index: Number(index[1]) };
    if (selector.startsWith('#')) {
      throw new LayerwiseConfigError(field, `= ${describeValue(selector)}: an index selector is "#" followed by an integer, e.g. "#0" or "#-1"`);
    }
    if (/[*?]/.test(selector)) return { kind: 'glob', glob: selector };
    return { kind: 'nameOrClass', text: selector };
  }
  if (selector != null && typeof selector === 'object' && !Array.isArray(selector)) {
    const record = selector as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1) {
      const [key] = keys;
      const value = record[key];
      if ((key === 'name' || key === 'glob' || key === 'class') && typeof value === 'string' && value !== '') {
        return key === 'name' ? { kind: 'name', name: value } : key === 'glob' ? { kind: 'glob', glob: value } : { kind: 'class', className: value };
      }
      if (key === 'index' && typeof value === 'number' && Number.isInteger(value)) return { kind: 'index', index: value };
    }
  }
  throw new LayerwiseConfigError(
    field,
    `= ${describeValue(selector)}: expected a string (name, glob, "#index" or class) or one of {"name": string}, {"glob": string}, {"index": integer}, {"class": string}`,
  );
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** The layers a selector picks and the rank it has for them (name-or-class resolved against `layers`). */
export function matchSelector(parsed: ParsedSelector, layers: readonly SelectableLayer[]): { matched: SelectableLayer[]; rank: number } {
  switch (parsed.kind) {
    case 'name':
      return { matched: layers.filter((layer) => layer.name === parsed.name), rank: SELECTOR_RANK.name };
    case 'glob': {
      const pattern = globToRegExp(parsed.glob);
      return { matched: layers.filter((layer) => pattern.test(layer.name)), rank: SELECTOR_RANK.glob };
    }
    case 'index': {
      const position = parsed.index < 0 ? layers.length + parsed.index : parsed.index;
      return { matched: layers.filter((layer) => layer.index === position), rank: SELECTOR_RANK.index };
    }
    case 'class':
      return { matched: layers.filter((layer) => layer.className === parsed.className), rank: SELECTOR_RANK.class };
    case 'nameOrClass': {
      const byName = layers.filter((layer) => layer.name === parsed.text);
      if (byName.length > 0) return { matched: byName, rank: SELECTOR_RANK.name };
      return { matched: layers.filter((layer) => layer.className === parsed.text), rank: SELECTOR_RANK.class };
    }
  }
}
