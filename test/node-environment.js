/**
 * Jest's node environment with the host realm's typed-array constructors. The native backend
 * (tfjs-node) creates typed arrays in Node's own realm; jest runs each test file in a separate vm
 * context whose `Float32Array` is a different constructor, so tfjs's `instanceof Float32Array`
 * checks (e.g. when saving a model) fail with "Unsupported TypedArray subtype". Sharing the host's
 * constructors makes both realms agree.
 */
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const TYPED_ARRAYS = [
  'ArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView',
];

class HostTypedArraysEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
