/**
 * Activity regularization that works in tfjs: penalties on layer outputs, divided by the batch
 * size, added to the loss in `fit`, `trainOnBatch` and custom loops (Keras >= 3.14 semantics).
 * Importing this module installs the (reversible) patches; see `install.ts`.
 */
import { installActivityRegularization } from './install';

export { activityPenalty } from './penalty';
export {
  currentActivityPenalties,
  installActivityRegularization,
  isActivityRegularizationInstalled,
  uninstallActivityRegularization,
} from './install';
export { clearActivityPenalties, setActivityRegularizer } from './set';

installActivityRegularization();
