/**
 * What an arm searches and what its parameters mean. An arm's space is the sweep's shared space
 * plus one dimension per penalty ('uniform': `l2`) or per penalty and layer ('per-layer':
 * `l2.dense_1`, `l2.dense_2`, ...). `armCoefficients` decodes sampled values back into
 * coefficients, which is what an objective needs to build its regularization policy.
 */
import type { ArmDefinition, PenaltyName, SweepDefinition } from './definition';
import { PENALTY_NAMES } from './definition';
import type { ParameterValues } from './record';
import type { SearchSpace } from './space';

/** Parameter name of a per-layer coefficient. */
export function perLayerParameter(penalty: PenaltyName, layer: string): string {
  return `${penalty}.${layer}`;
}

/** Full search space of an arm: shared dimensions plus its penalty coefficients. */
export function armSpace(definition: Pick<SweepDefinition, 'space'>, arm: ArmDefinition): SearchSpace {
  const space: SearchSpace = { ...definition.space };
  for (const penalty of PENALTY_NAMES) {
    const dimension = arm.penalties[penalty];
    if (dimension === undefined) continue;
    if (arm.kind === 'uniform') space[penalty] = dimension;
    else for (const layer of arm.layers ?? []) space[perLayerParameter(penalty, layer)] = dimension;
  }
  return space;
}

/** Coefficients of one penalty: a single shared number (uniform arm) or one per layer (per-layer arm). */
export type Coefficients =
  | { kind: 'uniform'; value: number; /** Layers sharing it; undefined = the objective's default set. */ layers?: string[] }
  | { kind: 'per-layer'; values: Record<string, number> };

/** Decodes an arm's sampled parameters into coefficients per penalty, plus the shared (non-penalty) parameters. */
export function armCoefficients(
  arm: ArmDefinition,
  params: ParameterValues,
): { penalties: Partial<Record<PenaltyName, Coefficients>>; shared: ParameterValues } {
  const penalties: Partial<Record<PenaltyName, Coefficients>> = {};
  const shared: ParameterValues = {};
  const penaltyOf = (name: string): PenaltyName | undefined => (PENALTY_NAMES as readonly string[]).find((penalty) => name === penalty || name.startsWith(`${penalty}.`)) as PenaltyName | undefined;
  for (const [name, value] of Object.entries(params)) if (penaltyOf(name) === undefined) shared[name] = value;
  for (const penalty of PENALTY_NAMES) {
    if (arm.penalties[penalty] === undefined) continue;
    if (arm.kind === 'uniform') {
      const coefficients: Coefficients = { kind: 'uniform', value: Number(params[penalty]) };
      if (arm.layers !== undefined) coefficients.layers = [...arm.layers];
      penalties[penalty] = coefficients;
    } else {
      const values: Record<string, number> = {};
      for (const layer of arm.layers ?? []) values[layer] = Number(params[perLayerParameter(penalty, layer)]);
      penalties[penalty] = { kind: 'per-layer', values };
    }
  }
  return { penalties, shared };
}
