/** Population training: K members of one Dense-stack architecture trained as one computation (issue 16). */
export { planPopulation } from './plan';
export type { PopulationMemberInput, PopulationPlan, PopulationPlanResult } from './plan';
export { trainPopulation } from './train-population';
export type { TrainPopulationArgs } from './train-population';
