/**
 * Preloaded (`node -r`) when test/docs/code-blocks.test.ts runs a documentation example: makes
 * `import ... from 'layerwise'` and its subpath exports resolve to this repository's sources
 * (package.json "exports", with ./dist/x.js read as lib/x.ts), as they resolve to dist/ in an
 * installed package. Only the specifier is rewritten; nothing else is patched.
 */
const Module = require('module');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = require(path.join(ROOT, 'package.json'));

/** The source file a package export points at, or undefined when the subpath is not exported. */
function sourceOf(subpath) {
  const target = manifest.exports[subpath];
  const file = typeof target === 'string' ? target : target && (target.require || target.default);
  if (typeof file !== 'string') return undefined;
  return path.join(ROOT, file.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts'));
}

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveLayerwise(request, ...rest) {
  if (request === 'layerwise' || request.startsWith('layerwise/')) {
    const source = sourceOf(request === 'layerwise' ? '.' : `./${request.slice('layerwise/'.length)}`);
    if (source !== undefined) return resolveFilename.call(this, source, ...rest);
  }
  return resolveFilename.call(this, request, ...rest);
};
