/** Registers `bench.quadratic` (the synthetic quadratic objective) without loading the training objectives, so bench workers start fast. */
import { registerObjective } from '../objective';
import { quadraticObjective } from '../objectives/quadratic';

registerObjective('bench.quadratic', quadraticObjective);
