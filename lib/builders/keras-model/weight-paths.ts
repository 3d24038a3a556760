/**
 * Where Keras 3 puts each layer's variables in `model.weights.h5`: `layers/<name>` with `<name>`
 * the snake-cased class name, made unique by a counter in the order of `model.layers`
 * (keras/src/saving/saving_lib.py, `_save_container_state` and `_get_unique_name`): `dense`,
 * `dense_1`, `dense_2`, ... Sequential models list their layers without the InputLayer; functional
 * models with it.
 */
import { toSnakeCase } from './keras-objects';

/** The `layers/...` group path of each class name, in order. */
export function kerasWeightPaths(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((className) => {
    const base = toSnakeCase(className);
    const count = used.get(base);
    if (count === undefined) {
      used.set(base, 0);
      return `layers/${base}`;
    }
    used.set(base, count + 1);
    return `layers/${base}_${count + 1}`;
  });
}
