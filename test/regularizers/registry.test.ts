/**
 * One regularizer kind, one file: every kind is a definition in lib/regularizers/kinds/, listed
 * once in registry.ts, and everything else (spec union, validation, penalty, Keras configs, tfjs
 * objects, factories, text form) derives from that list. No code outside kinds/ switches on a kind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  computePenalty,
  createRegularizer,
  formatRegularizer,
  fromConfig,
  knownIdentifiers,
  regularizers,
  registerRegularizer,
  REGULARIZER_KINDS,
  specOf,
  toConfig,
  validateSpec,
  type RegularizerSpec,
} from '../../lib/regularizers';
import { REGULARIZER_DEFINITIONS } from '../../lib/regularizers/registry';

const LIB = path.resolve(__dirname, '..', '..', 'lib');

registerRegularizer('registry_test_sum', (config) => (x) => tf.mul(config.scale as number, tf.sum(x)) as tf.Scalar);

/** One spec per kind, each with non-default arguments. */
const SAMPLES: Record<string, RegularizerSpec> = {
  l1: regularizers.l1({ l1: 0.3 }),
  l2: regularizers.l2({ l2: 0.02 }),
  l1l2: regularizers.l1l2({ l1: 0.1, l2: 0.2 }),
  orthogonal: regularizers.orthogonal({ factor: 0.5, mode: 'columns' }),
  custom: regularizers.custom({ name: 'registry_test_sum', config: { scale: 3 } }),
};

function filesUnder(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the kind registry', () => {
  it('lists each kind once, one file per kind, in the documented order', () => {
    expect(REGULARIZER_KINDS).toEqual(['l1', 'l2', 'l1l2', 'orthogonal', 'custom']);
    expect(new Set(REGULARIZER_KINDS).size).toBe(REGULARIZER_KINDS.length);
    const kindFiles = fs.readdirSync(path.join(LIB, 'regularizers', 'kinds')).map((name) => name.replace(/\.ts$/, '')).sort();
    expect(kindFiles).toEqual([...REGULARIZER_KINDS].sort());
  });

  it('regularizers has exactly one factory per kind, the kind file\'s own', () => {
    for (const definition of REGULARIZER_DEFINITIONS) {
      expect((regularizers as Record<string, unknown>)[definition.kind]).toBe(definition.factory);
    }
    expect(Object.keys(SAMPLES).sort()).toEqual([...REGULARIZER_KINDS].sort());
  });

  it.each(REGULARIZER_KINDS.map((kind) => [kind]))('%s: validation, Keras config, tfjs object and text form all come from its definition', (kind) => {
    const spec = SAMPLES[kind];
    const definition = REGULARIZER_DEFINITIONS.find((each) => each.kind === kind)!;
    expect(validateSpec(spec)).toBe(spec);
    expect(fromConfig(toConfig(spec))).toEqual(spec);
    expect(toConfig(spec)).toEqual((definition.toKerasConfig as (s: RegularizerSpec) => unknown)(spec));
    expect(specOf(createRegularizer(spec))).toEqual(spec);
    expect(formatRegularizer(spec)).toBe((definition.describe as (s: RegularizerSpec) => string)(spec));
  });

  it('computePenalty and the tfjs object agree for every kind (same formula, float32, 1e-6 relative)', () => {
    const x = tf.tensor2d([[1, -2, 0.5], [0.25, 3, -1]]);
    for (const spec of Object.values(SAMPLES)) {
      const direct = computePenalty(spec, x);
      const viaTfjs = createRegularizer(spec).apply(x);
      const [a, b] = [direct.dataSync()[0], viaTfjs.dataSync()[0]];
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a)));
      tf.dispose([direct, viaTfjs]);
    }
    x.dispose();
  });

  it('lists identifiers kind by kind, custom names last', () => {
    expect(knownIdentifiers().slice(0, 8)).toEqual(['L1', 'l1', 'L2', 'l2', 'L1L2', 'l1l2', 'OrthogonalRegularizer', 'orthogonal_regularizer']);
    expect(knownIdentifiers()).toContain('registry_test_sum');
  });

  it('refuses to register any spelling of a built-in identifier or kind name', () => {
    for (const name of ['l2', 'L1L2', 'orthogonal', 'Orthogonal_Regularizer', 'orthogonalregularizer', 'Regularizer']) {
      expect(() => registerRegularizer(name, () => () => tf.scalar(0))).toThrow(`registerRegularizer.name = "${name}": this name is a built-in regularizer; choose another`);
    }
  });
});

describe('no kind switch outside the kind files', () => {
  it('no file of lib/ outside lib/regularizers/kinds/ branches on a regularizer kind literal', () => {
    const kindsDirectory = path.join(LIB, 'regularizers', 'kinds');
    const literal = REGULARIZER_KINDS.map((kind) => kind).join('|');
    const branch = new RegExp(`case '(${literal})'|kind === '(${literal})'|kind !== '(${literal})'`);
    const offenders = filesUnder(LIB)
      .filter((file) => !file.startsWith(kindsDirectory))
      .filter((file) => branch.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(LIB, file));
    expect(offenders).toEqual([]);
  });
});
