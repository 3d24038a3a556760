import { BACKEND_NAMES, parseBackendName } from '../../lib/backend';

describe('parseBackendName', () => {
  it('accepts every backend name, case- and space-insensitively', () => {
    expect(parseBackendName('tensorflow', 'x')).toBe('tensorflow');
    expect(parseBackendName(' WASM ', 'x')).toBe('wasm');
    expect(parseBackendName('Cpu', 'x')).toBe('cpu');
    expect(BACKEND_NAMES).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('treats unset, empty and "auto" as automatic selection', () => {
    expect(parseBackendName(undefined, 'x')).toBeUndefined();
    expect(parseBackendName('', 'x')).toBeUndefined();
    expect(parseBackendName('auto', 'x')).toBeUndefined();
  });

  it('rejects anything else, naming the field, the value and the allowed values', () => {
    expect(() => parseBackendName('webgl', 'LAYERWISE_BACKEND')).toThrow(
      'LAYERWISE_BACKEND = "webgl": expected one of tensorflow, wasm, cpu',
    );
    expect(() => parseBackendName(3, 'initBackend.backend')).toThrow('initBackend.backend = 3: expected one of tensorflow, wasm, cpu');
  });
});
