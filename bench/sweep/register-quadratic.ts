/** Registers `bench.quadratic` (the synthetic quadratic objective) without loading the training objectives, so bench workers start fast. */
import { registerObjective } from '../../lib/sweep/objective';
import { quadraticObjective } from '../../lib/sweep/objectives/quadratic';

registerObjective('bench.quadratic', quadraticObjective);
