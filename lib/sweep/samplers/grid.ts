/**
 * Grid search. With a budget equal to the grid size, configurations come in enumeration order
 * (last parameter fastest); with a smaller budget, a seeded subset of the grid without repeats
 * (drawn by a sparse Fisher–Yates shuffle, so a per-layer grid of millions of points is never listed).
 */
import { canonicalJson } from '../identity';
import type { ParameterValue } from '../space';
import type { ParameterValues } from '../record';
import { gridValues, parameterNames, SearchSpace } from '../space';
import { SampleArgs, Sampler, seededStream } from './sampler';

export interface GridSamplerArgs {
  /** Seed of the subset drawn when the budget is smaller than the grid. Default 0. */
  seed?: number;
}

interface Grid {
  names: string[];
  axes: ParameterValue[][];
  size: number;
  /** Grid positions of configurations 0..budget-1. */
  order: number[];
}

export class GridSampler implements Sampler {
  readonly adaptive = false;
  private readonly seed: number;
  private readonly grids = new Map<string, Grid>();

  constructor(args: GridSamplerArgs = {}) {
    this.seed = args.seed ?? 0;
  }

  /** Number of configurations in the grid of `space`. */
  static size(space: SearchSpace): number {
    return parameterNames(space).reduce((size, name) => size * gridValues(space[name], name).length, 1);
  }

  sample(args: SampleArgs): ParameterValues {
    const grid = this.grid(args);
    if (args.index >= grid.order.length) throw new RangeError(`grid sampler: index ${args.index} is beyond the budget ${grid.order.length}`);
    let position = grid.order[args.index];
    const params: ParameterValues = {};
    for (let axis = grid.names.length - 1; axis >= 0; axis--) {
      const values = grid.axes[axis];
      params[grid.names[axis]] = values[position % values.length];
      position = Math.floor(position / values.length);
    }
    return params;
  }

  private grid(args: SampleArgs): Grid {
    const key = `${args.arm}|${args.budget}|${canonicalJson(args.space)}`;
    let grid = this.grids.get(key);
    if (grid === undefined) {
      const names = parameterNames(args.space);
      const axes = names.map((name) => gridValues(args.space[name], name));
      const size = axes.reduce((product, values) => product * values.length, 1);
      const count = Math.min(args.budget, size);
      let order: number[];
      if (count === size) order = Array.from({ length: size }, (_, position) => position);
      else {
        const random = seededStream('grid', this.seed, args.arm);
        const swapped = new Map<number, number>();
        order = [];
        for (let i = 0; i < count; i++) {
          const j = i + Math.floor(random() * (size - i));
          const atJ = swapped.get(j) ?? j;
          swapped.set(j, swapped.get(i) ?? i);
          order.push(atJ);
        }
      }
      grid = { names, axes, size, order };
      this.grids.set(key, grid);
    }
    return grid;
  }
}
