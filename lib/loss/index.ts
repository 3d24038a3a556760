/**
 * Loss accounting with Keras 3 semantics: the penalty as tensors for training loops (computed by
 * lib/penalty), and a breakdown (data loss, penalty per layer and slot, total) as plain numbers
 * for reports.
 */
export { regularizationPenalty } from '../penalty';
export type { RegularizationPenalty, RegularizationPenaltyOptions } from '../penalty';
export { lossBreakdown, LOSS_NAMES } from './breakdown';
export type { LossBreakdown, LossBreakdownOptions, LossFunction } from './breakdown';
export { useKerasPenalties, useTfjsPenalties } from './keras-fit';
