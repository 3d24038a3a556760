/**
 * Built-in objectives, registered when this module loads. Workers load it only when a sweep's
 * objective is not registered by a user module (see resolveObjective).
 * `train` is the real one: build the model spec, apply the arm's policy, train with the seed.
 */
import { registerObjective } from '../objective';
import { quadraticObjective } from './quadratic';
import { trainModelObjective } from './train-model';

registerObjective('synthetic.quadratic', quadraticObjective);
registerObjective('train', trainModelObjective);

export { quadraticObjective, trainModelObjective };
