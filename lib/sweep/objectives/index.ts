/**
 * Built-in objectives, registered when this module loads. Workers load it only when a sweep's
 * objective is not registered by a user module (see resolveObjective).
 * The training objective (`train`: build the model spec, apply the arm's policy, train with the
 * seed) is registered here too once lib/train exists.
 */
import { registerObjective } from '../objective';
import { quadraticObjective } from './quadratic';

registerObjective('synthetic.quadratic', quadraticObjective);

export { quadraticObjective };
