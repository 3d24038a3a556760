/**
 * What an arm searches and what its parameters mean. An arm is a policy template: its penalties
 * (fixed numbers or search dimensions) land on its targets. Targets: 'uniform' has one (its
 * `layers` together, or every layer the policy reaches by default); 'per-layer' has one per
 * `layers` entry (a selector; a glob or class selector ties the layers it matches) and one per
 * tied group; 'none' has none. An arm's space is the sweep's shared space plus one dimension per
 * searched penalty and target (`l2` for 'uniform', `l2.dense_1` or `l2.conv` for 'per-layer'),
 * plus `dropout` when the dropout rate is searched. `armCoefficients` decodes sampled values
 * back into coefficients, which is what an objective needs to build its regularization policy.
 */
import type { ArmDefinition, Coefficient, PenaltyName, SweepDefinition } from './definition';
import { PENALTY_NAMES } from './definition';
import type { ParameterValues } from './record';
import type { Dimension, SearchSpace } from './space';

/** Parameter name of the searched dropout rate. */
export const DROPOUT_PARAMETER = 'dropout';

/** Parameter name of a per-layer (or per-group) coefficient. */
export function perLayerParameter(penalty: PenaltyName, layer: string): string {
  return `${penalty}.${layer}`;
}

/** True when a coefficient is a search dimension (not a fixed number). */
export function isSearched(coefficient: Coefficient | undefined): coefficient is Dimension {
  return coefficient !== undefined && typeof coefficient === 'object';
}

/** The arm's penalties in canonical order, with their coefficients. */
export function armPenaltyEntries(arm: ArmDefinition): Array<[PenaltyName, Coefficient]> {
  const penalties = arm.penalties ?? {};
  return PENALTY_NAMES.filter((name) => penalties[name] !== undefined).map((name) => [name, penalties[name] as Coefficient]);
}

/**
 * The targets of a per-layer arm: key (the parameter suffix) → selectors. A `layers` entry is its
 * own key and selector; a group's key is its name.
 */
export function perLayerTargets(arm: ArmDefinition): Array<{ key: string; selectors: string[] }> {
  const targets = (arm.layers ?? []).map((layer) => ({ key: layer, selectors: [layer] }));
  for (const [group, selectors] of Object.entries(arm.groups ?? {})) targets.push({ key: group, selectors: [...selectors] });
  return targets;
}

/** Full search space of an arm: shared dimensions plus its searched coefficients (empty extra for 'none' and fixed-only arms). */
export function armSpace(definition: Pick<SweepDefinition, 'space'>, arm: ArmDefinition): SearchSpace {
  const space: SearchSpace = { ...definition.space };
  if (arm.kind === 'none') return space;
  for (const [penalty, coefficient] of armPenaltyEntries(arm)) {
    if (!isSearched(coefficient)) continue;
    if (arm.kind === 'uniform') space[penalty] = coefficient;
    else for (const target of perLayerTargets(arm)) space[perLayerParameter(penalty, target.key)] = coefficient;
  }
  if (isSearched(arm.dropout)) space[DROPOUT_PARAMETER] = arm.dropout;
  return space;
}

/** Coefficients of one penalty: a single shared number (uniform arm) or one per target (per-layer arm). */
export type Coefficients =
  | { kind: 'uniform'; value: number; /** Selectors of the layers sharing it; undefined = the policy's default set. */ layers?: string[] }
  | {
      kind: 'per-layer';
      /** Target key (a `layers` selector or a group name) → coefficient. */
      values: Record<string, number>;
      /** Tied groups among the keys: group name → its selectors. Keys not listed here are selectors themselves. */
      groups?: Record<string, string[]>;
    };

/** What an arm's sampled parameters mean. */
export interface ArmSetting {
  /** Coefficients per penalty. */
  penalties: Partial<Record<PenaltyName, Coefficients>>;
  /** The dropout rate replacing the model spec's, when the arm sets one. */
  dropout?: number;
  /** Mode of the arm's orthogonal penalties. */
  orthogonalMode: 'rows' | 'columns';
  /** The shared (non-arm) parameters. */
  shared: ParameterValues;
}

/** Decodes an arm's sampled parameters into coefficients per penalty, plus the shared (non-arm) parameters. */
export function armCoefficients(arm: ArmDefinition, params: ParameterValues): ArmSetting {
  const penalties: Partial<Record<PenaltyName, Coefficients>> = {};
  const armParameters = new Set<string>();
  const valueOf = (coefficient: Coefficient, parameter: string): number => {
    if (!isSearched(coefficient)) return coefficient;
    armParameters.add(parameter);
    return Number(params[parameter]);
  };
  if (arm.kind !== 'none') {
    for (const [penalty, coefficient] of armPenaltyEntries(arm)) {
      if (arm.kind === 'uniform') {
        const coefficients: Coefficients = { kind: 'uniform', value: valueOf(coefficient, penalty) };
        if (arm.layers !== undefined) coefficients.layers = [...arm.layers];
        penalties[penalty] = coefficients;
      } else {
        const values: Record<string, number> = {};
        for (const target of perLayerTargets(arm)) values[target.key] = valueOf(coefficient, perLayerParameter(penalty, target.key));
        const coefficients: Coefficients = { kind: 'per-layer', values };
        if (arm.groups !== undefined && Object.keys(arm.groups).length > 0) coefficients.groups = JSON.parse(JSON.stringify(arm.groups));
        penalties[penalty] = coefficients;
      }
    }
  }
  const setting: ArmSetting = { penalties, orthogonalMode: arm.orthogonalMode ?? 'rows', shared: {} };
  if (arm.kind !== 'none' && arm.dropout !== undefined) setting.dropout = valueOf(arm.dropout, DROPOUT_PARAMETER);
  for (const [name, value] of Object.entries(params)) if (!armParameters.has(name)) setting.shared[name] = value;
  return setting;
}
