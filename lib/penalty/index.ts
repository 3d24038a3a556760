/**
 * The one home of penalties: for a model and a scope (a training step, an evaluation pass, tfjs's
 * own `fit`), every weight penalty once per variable, every activity penalty per call, custom
 * `addLoss` losses per call. `lossBreakdown`, `train`, the lean objective, the sweep and the opt-in
 * tfjs fixes all read penalties from here.
 */
export { collectPenalties } from './collect';
export type { CollectPenaltiesOptions, PenaltyKind, PenaltyPart } from './collect';
export { regularizationPenalty, fitLosses } from './regularization-penalty';
export type { RegularizationPenalty, RegularizationPenaltyOptions } from './regularization-penalty';
export { weightPenaltyValue, l2PenaltyValue } from './weight-value';
export type { WeightRegularizer } from './weight-value';
export { carryActivityRegularizers, clearActivityPenalties } from './prepare';
export { lossClosureKind } from './loss-closures';
export type { LossClosureKind } from './loss-closures';
export { callCounts } from './call-counts';
