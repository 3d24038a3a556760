/**
 * Every intervention of layerwise in tfjs's own classes, opt-in only: `enableKerasSemantics()`
 * fixes plain `model.fit` process-wide and returns an identity-checked undo handle. Importing this
 * module changes nothing.
 */
export {
  enableKerasSemantics,
  isKerasSemanticsEnabled,
  installActivityRegularization,
  uninstallActivityRegularization,
  isActivityRegularizationInstalled,
} from './enable';
export type { KerasSemanticsHandle } from './enable';
export { TfjsPatchConflictError } from './patches';
export { RECURRENT_CLASS_NAMES } from './recurrent-deserializers';
