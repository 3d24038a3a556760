/**
 * The lean path for functional models (`tf.model`) built from Dense and Add layers, Dense layers
 * possibly shared (called on several tensors): a hand-written forward in graph order and backward
 * in reverse, no autodiff tape, computing exactly the general path's objective
 * `mean(loss(y, model.apply(x, {training: true}))) + penalties`.
 *
 *  - one input, one output; every other tensor is a Dense(ReLU or linear) output or the sum of an
 *    Add layer's inputs;
 *  - the output is a Dense layer (called once) with a head of lib/train/lean-dense-stack.ts
 *    (softmax + categorical cross-entropy on one-hot labels, sigmoid + binary cross-entropy, linear +
 *    mean squared error): that last layer and the loss run through the Dense stack's hand-written
 *    pass (`valueGradientsAndInputGradient`), which also adds that layer's penalties;
 *  - backward: a tensor used by several layers (fan-out) gets the sum of their gradients; a shared
 *    Dense layer's weight gradient is the sum over its calls (the chain rule for a weight used
 *    twice), and its kernel and bias penalties count once (as `trainingPenalty` counts each weight);
 *  - kernel and bias penalties L1, L2, L1L2: value `l1·Σ|w| + l2·Σw²`, gradient
 *    `l1·step(w, −1) + 2·l2·w` (tfjs's abs gradient, as autodiff of the general path gives).
 *
 * Anything else (activity regularizers, other layers, several inputs or outputs, frozen weights)
 * takes the general path with the reason. Gradients are tested against autodiff in
 * test/train/lean-dense-graph.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { denseStackHeadOf, denseStackObjective, penaltyCoefficientsOf, planDenseLayers, type DenseStackObjective, type PenaltyCoefficients } from './lean-dense-stack';
import { biasGradient, denseForward, l2PenaltyValue, matMul2d, reluGrad } from './native-kernels';
import { ScalarCache } from './scalar-cache';

/** One hidden Dense layer of the graph (possibly called several times). */
interface GraphDense {
  layer: tf.layers.Layer;
  kernel: LayerVariable;
  bias: LayerVariable | null;
  relu: boolean;
  kernelPenalty: PenaltyCoefficients | null;
  biasPenalty: PenaltyCoefficients | null;
}

/** One call in the graph, in forward order: a hidden Dense call or an Add, by tensor ids. */
type GraphNode = { kind: 'dense'; dense: GraphDense; input: number; output: number } | { kind: 'add'; inputs: number[]; output: number };

/** A functional Dense/Add graph the hand-written pass covers. */
export interface DenseGraphPlan {
  /** Id of the model's input tensor. */
  input: number;
  /** Hidden calls in forward (topological) order. */
  nodes: GraphNode[];
  /** Id of the tensor the output layer is called on. */
  head: number;
  /** The output layer, as a one-layer Dense stack (its head and penalties). */
  output: ReturnType<typeof planDenseLayers> & { plan: NonNullable<ReturnType<typeof planDenseLayers>['plan']> };
  /** Distinct hidden Dense layers (each weight once). */
  dense: GraphDense[];
}

interface LayerInternals {
  activation?: { getClassName(): string };
  activityRegularizer?: unknown;
  kernel?: LayerVariable;
  bias?: LayerVariable;
  useBias?: boolean;
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  inboundNodes?: unknown[];
}

/** What the graph pass covers, for `generalPathReason` messages. */
export const DENSE_GRAPH_COVERAGE =
  'functional models of Dense(ReLU or linear) and Add layers (Dense layers may be shared) with L1/L2/L1L2 kernel and bias penalties, one input, ending in a Dense output layer with a hand-written head';

/** The plan of a functional `model`, or the reason it is not a graph the hand-written pass covers. */
export function planDenseGraph(model: tf.LayersModel, lossName: string | undefined, oneHotLabels: boolean): { plan: DenseGraphPlan; reason?: undefined } | { plan: null; reason: string } {
  const no = (reason: string) => ({ plan: null, reason }) as const;
  if (model.getClassName() === 'Sequential') return no('a Sequential model');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return no('the model has several inputs or outputs');
  const head = denseStackHeadOf(lossName, oneHotLabels);
  if (head.head == null) return no(head.reason);
  if (model.nonTrainableWeights.length > 0) return no('the model has frozen weights');
  const input = model.inputs[0];
  if (input.shape.length !== 2) return no('the input is not rank 2');
  const outputTensor = model.outputs[0];
  const outputLayer = outputTensor.sourceLayer;
  const name = (layer: tf.layers.Layer) => `layer #${model.layers.indexOf(layer)} (${layer.getClassName()})`;
  if (outputLayer.getClassName() !== 'Dense') return no(`the output ${name(outputLayer)} is not Dense`);
  if (((outputLayer as unknown as LayerInternals).inboundNodes?.length ?? 0) !== 1) return no(`the output ${name(outputLayer)} is called more than once`);
  const output = planDenseLayers([outputLayer], (layer) => model.layers.indexOf(layer), head.head);
  if (output.plan == null) return no(output.reason);

  const denseOf = new Map<tf.layers.Layer, GraphDense>();
  const nodes: GraphNode[] = [];
  const visited = new Set<number>();
  let failure: string | null = null;
  // Depth-first from the output: every tensor's producers are listed before it (topological order).
  const visit = (tensor: tf.SymbolicTensor): void => {
    if (failure != null || visited.has(tensor.id)) return;
    visited.add(tensor.id);
    if (tensor.id === input.id) return;
    const layer = tensor.sourceLayer as tf.layers.Layer & LayerInternals;
    const className = layer.getClassName();
    if (layer.activityRegularizer != null) {
      failure = `${name(layer)} has an activity regularizer`;
      return;
    }
    if (className === 'Add') {
      tensor.inputs.forEach(visit);
      nodes.push({ kind: 'add', inputs: tensor.inputs.map((item) => item.id), output: tensor.id });
      return;
    }
    if (className !== 'Dense') {
      failure = `${name(layer)} is a ${className}`;
      return;
    }
    if (tensor.inputs.length !== 1 || tensor.inputs[0].shape.length !== 2) {
      failure = `${name(layer)} has inputs of rank other than 2`;
      return;
    }
    let dense = denseOf.get(layer);
    if (dense == null) {
      const activation = layer.activation?.getClassName() ?? 'linear';
      if (activation !== 'relu' && activation !== 'linear') {
        failure = `${name(layer)} has activation ${activation}`;
        return;
      }
      const kernelPenalty = layer.kernelRegularizer == null ? null : penaltyCoefficientsOf(layer.kernelRegularizer);
      const biasPenalty = layer.biasRegularizer == null || !layer.useBias ? null : penaltyCoefficientsOf(layer.biasRegularizer);
      if ((layer.kernelRegularizer != null && kernelPenalty == null) || (layer.useBias && layer.biasRegularizer != null && biasPenalty == null)) {
        failure = `${name(layer)} has a weight penalty other than L1, L2 or L1L2`;
        return;
      }
      dense = { layer, kernel: layer.kernel as LayerVariable, bias: layer.useBias ? (layer.bias as LayerVariable) : null, relu: activation === 'relu', kernelPenalty, biasPenalty };
      denseOf.set(layer, dense);
    }
    visit(tensor.inputs[0]);
    nodes.push({ kind: 'dense', dense, input: tensor.inputs[0].id, output: tensor.id });
  };
  const outputInputs = outputTensor.inputs;
  if (outputInputs.length !== 1) return no(`the output ${name(outputLayer)} has several inputs`);
  visit(outputInputs[0]);
  if (failure != null) return no(failure);
  // Every weight of the model must be one the pass differentiates (no layer outside the traced graph).
  const covered = new Set<unknown>([...output.plan.items.flatMap((item) => (item.kind === 'dense' ? [item.kernel, item.bias] : [])), ...[...denseOf.values()].flatMap((dense) => [dense.kernel, dense.bias])]);
  if (model.trainableWeights.some((weight) => !covered.has(weight))) return no('the model has weights outside the Dense/Add graph');
  return { plan: { input: input.id, nodes, head: outputInputs[0].id, output: output as DenseGraphPlan['output'], dense: [...denseOf.values()] } };
}

/** The objective of a planned graph (same contract as the Dense stack's `valueAndGradients`). */
export interface DenseGraphObjective {
  /** The objective and its gradient per variable name, by the hand-written pass. */
  valueAndGradients(x: tf.Tensor, y: tf.Tensor): { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  /** Whether the labels fit the hand-written head (the output's shape, float32); else use autodiff of the general path. */
  handlesLabels(x: tf.Tensor, y: tf.Tensor): boolean;
  dispose(): void;
}

/** The objective of a planned graph; `lossFunction` and `softmaxCrossEntropy` as for the Dense stack. */
export function denseGraphObjective(
  plan: DenseGraphPlan,
  lossFunction: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  softmaxCrossEntropy: (logits: tf.Tensor2D, labels: tf.Tensor2D) => { loss: tf.Tensor1D; backprop: tf.Tensor2D },
): DenseGraphObjective {
  const head: DenseStackObjective = denseStackObjective(plan.output.plan, lossFunction, softmaxCrossEntropy);
  const scalars = new ScalarCache();

  const penaltyValue = (w: tf.Tensor, { l1, l2 }: PenaltyCoefficients): tf.Scalar | null => {
    let value: tf.Scalar | null = null;
    if (l1 !== 0) value = tf.mul(tf.sum(tf.abs(w)), scalars.of(l1)) as tf.Scalar;
    if (l2 !== 0) {
      const squares = l2PenaltyValue(w, scalars.of(l2), scalars.of(2 * l2));
      value = value == null ? squares : (tf.add(value, squares) as tf.Scalar);
    }
    return value;
  };
  const withPenalty = (gradient: tf.Tensor, w: tf.Tensor, coefficients: PenaltyCoefficients | null): tf.Tensor => {
    if (coefficients == null) return gradient;
    let total = gradient;
    if (coefficients.l1 !== 0) total = tf.add(total, tf.mul(tf.step(w, -1), scalars.of(coefficients.l1)));
    if (coefficients.l2 !== 0) total = tf.add(total, tf.mul(w, scalars.of(2 * coefficients.l2)));
    return total;
  };

  return {
    handlesLabels: (x, y) => head.handlesLabels(x, y),
    valueAndGradients: (x, y) => {
      // Forward in graph order; every tensor by its symbolic id.
      const values = new Map<number, tf.Tensor2D>([[plan.input, x as tf.Tensor2D]]);
      for (const node of plan.nodes) {
        if (node.kind === 'add') {
          const inputs = node.inputs.map((id) => values.get(id) as tf.Tensor2D);
          values.set(node.output, (inputs.length === 2 ? tf.add(inputs[0], inputs[1]) : tf.addN(inputs)) as tf.Tensor2D);
        } else {
          const { dense } = node;
          values.set(node.output, denseForward(values.get(node.input) as tf.Tensor2D, dense.kernel.read() as tf.Tensor2D, dense.bias?.read(), dense.relu));
        }
      }
      const { value: headValue, grads, inputGradient } = head.valueGradientsAndInputGradient(values.get(plan.head) as tf.Tensor2D, y);
      let value = headValue;
      for (const dense of plan.dense) {
        for (const [weight, coefficients] of [
          [dense.kernel, dense.kernelPenalty],
          [dense.bias, dense.biasPenalty],
        ] as const) {
          if (weight == null || coefficients == null) continue;
          const penalty = penaltyValue(weight.read(), coefficients);
          if (penalty != null) value = tf.add(value, penalty) as tf.Scalar;
        }
      }
      // Backward in reverse order: `upstream` sums the gradients reaching each tensor (fan-out).
      const upstream = new Map<number, tf.Tensor2D>([[plan.head, inputGradient]]);
      const accumulate = (id: number, gradient: tf.Tensor2D) => {
        if (id === plan.input) return;
        const current = upstream.get(id);
        upstream.set(id, current == null ? gradient : (tf.add(current, gradient) as tf.Tensor2D));
      };
      const weightGrads = new Map<GraphDense, { kernel: tf.Tensor; bias: tf.Tensor | null }>();
      for (let index = plan.nodes.length - 1; index >= 0; index--) {
        const node = plan.nodes[index];
        const dOutput = upstream.get(node.output);
        // A tensor nothing downstream used (cannot happen in a traced graph) has no gradient.
        if (dOutput == null) continue;
        if (node.kind === 'add') {
          for (const id of node.inputs) accumulate(id, dOutput);
          continue;
        }
        const { dense } = node;
        const dz = dense.relu ? (reluGrad(dOutput, values.get(node.output) as tf.Tensor2D) as tf.Tensor2D) : dOutput;
        const kernel = matMul2d(values.get(node.input) as tf.Tensor2D, dz, true, false);
        const bias = dense.bias != null ? biasGradient(dz) : null;
        const previous = weightGrads.get(dense);
        weightGrads.set(dense, previous == null ? { kernel, bias } : { kernel: tf.add(previous.kernel, kernel), bias: bias == null || previous.bias == null ? null : tf.add(previous.bias, bias) });
        if (node.input !== plan.input) accumulate(node.input, matMul2d(dz, dense.kernel.read() as tf.Tensor2D, false, true));
      }
      for (const [dense, gradient] of weightGrads) {
        const kernel = dense.kernel.read() as tf.Variable;
        grads[kernel.name] = withPenalty(gradient.kernel, kernel, dense.kernelPenalty);
        if (dense.bias != null && gradient.bias != null) {
          const bias = dense.bias.read() as tf.Variable;
          grads[bias.name] = withPenalty(gradient.bias, bias, dense.biasPenalty);
        }
      }
      return { value, grads };
    },
    dispose: () => {
      head.dispose();
      scalars.dispose();
    },
  };
}
