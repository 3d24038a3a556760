/**
 * Choosing one configuration per arm. Selection reads VALIDATION metrics only: choosing on
 * the test split would make the reported test numbers optimistic, which is the very bias the
 * comparison must avoid.
 */
import type { ArmName } from '../record';
import type { ConfigurationSummary } from './configuration-summary';

/** What selection optimizes: mean final validation data loss (lower is better) or accuracy (higher is better). */
export type SelectionObjective = 'validationLoss' | 'validationAccuracy';
export const SELECTION_OBJECTIVES: readonly SelectionObjective[] = ['validationLoss', 'validationAccuracy'];

export interface SelectionOptions {
  /** Metric to optimize, on the validation split. Default `'validationLoss'`. */
  objective?: SelectionObjective;
  /** A configuration needs at least this many usable seeds to be eligible. Default 1. */
  minSeeds?: number;
}

export interface ArmSelection {
  arm: ArmName;
  objective: SelectionObjective;
  /** The chosen configuration's id, or null when none is eligible (see `reason`). */
  configId: string | null;
  /** Its mean validation objective over seeds. */
  objectiveMean: number | null;
  /** Configurations that were eligible. */
  eligible: number;
  /** Eligible configIds from best to worst by the validation objective (the selected one first). */
  ranking: string[];
  /** Why nothing was selected. */
  reason?: string;
}

/**
 * Picks, among `configurations` of one arm, the one with the best mean validation objective
 * over its usable seeds; ties go to the smaller configId so the choice is deterministic.
 */
export function selectConfiguration(
  arm: ArmName,
  configurations: readonly ConfigurationSummary[],
  options: SelectionOptions = {},
): ArmSelection {
  const objective = options.objective ?? 'validationLoss';
  if (!SELECTION_OBJECTIVES.includes(objective)) {
    throw new RangeError(`report.selectBy: got ${JSON.stringify(objective)}; allowed: ${SELECTION_OBJECTIVES.join(', ')}`);
  }
  const minSeeds = options.minSeeds ?? 1;
  const lowerIsBetter = objective === 'validationLoss';
  const eligible = configurations.filter(
    (configuration) =>
      configuration.arm === arm &&
      configuration.final[objective].mean !== null &&
      configuration.final[objective].n >= minSeeds,
  );
  if (eligible.length === 0) {
    const inArm = configurations.filter((configuration) => configuration.arm === arm).length;
    return {
      arm,
      objective,
      configId: null,
      objectiveMean: null,
      eligible: 0,
      ranking: [],
      reason:
        inArm === 0
          ? `no configurations in arm "${arm}"`
          : `none of the ${inArm} configurations has ${minSeeds} or more usable seeds with a ${objective} (is there a validation split?)`,
    };
  }
  const sorted = [...eligible].sort((a, b) => {
    const difference = (a.final[objective].mean as number) - (b.final[objective].mean as number);
    if (difference !== 0) return lowerIsBetter ? difference : -difference;
    return a.configId < b.configId ? -1 : a.configId > b.configId ? 1 : 0;
  });
  return {
    arm,
    objective,
    configId: sorted[0].configId,
    objectiveMean: sorted[0].final[objective].mean,
    eligible: eligible.length,
    ranking: sorted.map((configuration) => configuration.configId),
  };
}
