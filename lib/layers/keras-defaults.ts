/**
 * Keras 3's constructor defaults where tfjs 4.22's differ, per layerwise layer factory.
 *
 * tfjs ported Keras 2.x defaults (and some of its own): `glorotNormal` kernels, `hardSigmoid`
 * recurrent gates, LSTM without the forget-gate bias of one, GRU without `reset_after`. Keras 3
 * (checked against 3.15: `keras.layers.X().get_config()`) uses `glorot_uniform`, `sigmoid`,
 * `unit_forget_bias=True` and `reset_after=True`. A layer built by layerwise with no argument
 * must behave as the same Keras layer built with no argument, so these fill in every argument the
 * caller left undefined; an explicit argument always wins. The table with each difference and its
 * parity fixture is docs/keras-defaults.md.
 *
 * Layers whose tfjs defaults already equal Keras 3's (checked): Embedding (uniform ±0.05),
 * SeparableConv2D (glorot_uniform depthwise and pointwise), BatchNormalization (momentum 0.99,
 * epsilon 1e-3, gamma ones, beta zeros), LayerNormalization (epsilon 1e-3), PReLU (alpha zeros),
 * every bias (zeros) and every recurrent kernel (orthogonal, gain 1).
 */

/** Factory label (the key in `layers`) -> the arguments whose tfjs default differs, with Keras 3's value. */
export const KERAS_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  dense: { kernelInitializer: 'glorotUniform' },
  conv1d: { kernelInitializer: 'glorotUniform' },
  conv2d: { kernelInitializer: 'glorotUniform' },
  conv3d: { kernelInitializer: 'glorotUniform' },
  conv2dTranspose: { kernelInitializer: 'glorotUniform' },
  depthwiseConv2d: { depthwiseInitializer: 'glorotUniform' },
  simpleRNN: { kernelInitializer: 'glorotUniform' },
  lstm: { kernelInitializer: 'glorotUniform', recurrentActivation: 'sigmoid', unitForgetBias: true },
  gru: { kernelInitializer: 'glorotUniform', recurrentActivation: 'sigmoid', resetAfter: true },
  convLstm2d: { kernelInitializer: 'glorotUniform', recurrentActivation: 'sigmoid', unitForgetBias: true },
};

/** `args` with Keras 3's default filled in for every differing argument that is undefined. */
export function withKerasDefaults(label: string, args: Record<string, unknown>): Record<string, unknown> {
  const defaults = KERAS_DEFAULTS[label];
  if (defaults == null) return args;
  const filled = { ...args };
  for (const [key, value] of Object.entries(defaults)) if (filled[key] === undefined) filled[key] = value;
  return filled;
}
