#!/usr/bin/env bash
# Verifies layerwise as a user gets it: `npm pack`, a new app in a temporary folder with its own
# @tensorflow/tfjs, then checks that
#   - the tarball ships what README and --help point to (docs/*.md, the sweep definition schema) and
#     the sweep definition validator `npm run build` generates;
#   - npm installs ONE copy of tfjs (tfjs is a peer dependency; `npm ls @tensorflow/tfjs-core`);
#   - `npx layerwise schema`, the `layerwise/sweep-definition.schema.json` export and --help work;
#   - `npx layerwise native-install` builds the native backend in the app (wheel from the user cache);
#   - the app trains a small regularized model on the native `tensorflow` backend, with no
#     "already registered" warnings (the symptom of a second tfjs copy);
#   - the app loads `.keras` archives written by real Keras 3.15 (test/fixtures/keras-models) with
#     loadKerasModel and predicts what Keras predicted (1e-5).
# Usage: scripts/verify-packed-app.sh [tfjs-version]   (default 4.21.0; 4.22.0 also tested)
# Needs the npm registry (and PyPI, unless the wheel is already in ~/.cache/layerwise/native).
# Leaves the app in /tmp/layerwise-packed-app-*/app for inspection; prints its path at the end.
set -euo pipefail

tfjs_version="${1:-4.21.0}"
repository="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/layerwise-packed-app-XXXXXX)"
started=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "build and pack layerwise"
cd "$repository"
npm run build --silent
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
ls -l "$tarball"
contents="$(tar tzf "$tarball")"
for expected in package/dist/cli/main.js package/dist/sweep/sweep-definition.schema.json \
                package/dist/sweep/sweep-definition-validator.generated.js package/docs/sweeps.md \
                package/docs/distributed.md package/docs/benchmarks.md package/README.md; do
  grep -qx "$expected" <<<"$contents" || fail "$expected is not in the tarball"
done
# Every docs/ link in README.md must resolve inside the tarball.
for link in $(grep -o '](docs/[^)#]*' README.md | sed 's/^](//' | sort -u); do
  grep -qx "package/$link" <<<"$contents" || fail "README links $link, which the tarball does not have"
done
echo "tarball ships dist/ (with the validator npm run build generates), docs/ (every README docs link) and the schema"

step "new app: npm init -y; npm install <tarball> @tensorflow/tfjs@$tfjs_version"
mkdir "$work/app" && cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund "$tarball" "@tensorflow/tfjs@$tfjs_version"

count_cores() { npm ls @tensorflow/tfjs-core --all --parseable 2>/dev/null | sort -u | grep -c 'tfjs-core$' || true; }
step "one copy of tfjs"
npm ls @tensorflow/tfjs-core --all || true
cores="$(count_cores)"
[ "$cores" = 1 ] || fail "expected one @tensorflow/tfjs-core, found $cores"
echo "one @tensorflow/tfjs-core ($(node -p "require('@tensorflow/tfjs-core/package.json').version"))"

step "what the README and --help point to"
# Output is captured before grep reads it: `cmd | grep -q` closes the pipe early (EPIPE under pipefail).
help="$(npx layerwise --help)"
grep -q 'native-install' <<<"$help" || fail "layerwise --help does not list native-install"
help="$(npx layerwise sweep --help)"
grep -q 'layerwise schema' <<<"$help" || fail "sweep --help does not name the schema command"
npx layerwise schema | node -e "const s = JSON.parse(require('fs').readFileSync(0, 'utf8')); if (!s.properties || !s.properties.arms) process.exit(1)" \
  || fail "layerwise schema does not print the sweep definition schema"
node -e "const s = require('layerwise/sweep-definition.schema.json'); if (!s.properties.arms) process.exit(1)" \
  || fail "require('layerwise/sweep-definition.schema.json') does not resolve"
echo "layerwise --help, sweep --help, layerwise schema and the schema export work"

step "npx layerwise native-install"
help="$(npx layerwise native-install --help)"
grep -q 'layerwise/native' <<<"$help" || fail "native-install --help does not name the cache folder"
npx layerwise native-install
cores="$(count_cores)"
[ "$cores" = 1 ] || fail "after native-install: expected one @tensorflow/tfjs-core, found $cores"
node -p "'app dependencies: ' + JSON.stringify(require('./package.json').dependencies) + ' optional: ' + JSON.stringify(require('./package.json').optionalDependencies)"
du -sh node_modules/@tensorflow/tfjs-node/deps 2>/dev/null || true

step "train on the native backend from the app"
cat > train.js <<'JS'
const tf = require('@tensorflow/tfjs');
const { initBackend, layers, regularizers, lossBreakdown } = require('layerwise');

async function main() {
  const info = await initBackend({ backend: 'tensorflow' });
  // y = 1 when x0 + x1 > 0, on 64 seeded points.
  const x = tf.randomUniform([64, 2], -1, 1, 'float32', 7);
  const y = tf.tidy(() => x.sum(1, true).greater(0).cast('float32'));
  const model = tf.sequential({ layers: [
    layers.dense({ units: 8, inputShape: [2], activation: 'relu', name: 'hidden', kernelRegularizer: regularizers.l2({ l2: 1e-3 }) }),
    layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
  const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
  const breakdown = await lossBreakdown(model, x, y);
  const losses = history.history.loss;
  console.log(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version.tfjs, tfjsNode: info.nativePackageVersion, libtensorflow: info.nativeLibraryVersion,
    firstLoss: losses[0], lastLoss: losses[losses.length - 1], dataLoss: breakdown.dataLoss, penalty: breakdown.penalty }));
  if (tf.getBackend() !== 'tensorflow') throw new Error('not on the native backend');
  if (!(losses[losses.length - 1] < losses[0])) throw new Error('loss did not decrease');
  if (!(breakdown.penalty > 0)) throw new Error('the L2 penalty is missing from lossBreakdown');
}
main().catch((error) => { console.error(error); process.exit(1); });
JS
node train.js > train.out 2> train.err || { cat train.err; fail "training failed"; }
cat train.out
if grep -q 'already registered' train.err; then fail "kernel 'already registered' warnings: a second tfjs copy is loaded"; fi
echo "stderr lines: $(wc -l < train.err) (no 'already registered')"

step "load .keras files written by real Keras 3 and compare with Keras's predictions"
cp "$repository"/test/fixtures/keras-models/*.keras "$repository"/test/fixtures/keras-models/*.expected.json .
cat > keras.js <<'JS'
const tf = require('@tensorflow/tfjs');
const { initBackend, loadKerasModel } = require('layerwise');

async function main() {
  await initBackend({ backend: 'tensorflow' });
  for (const name of ['mlp', 'cnn', 'rnn', 'functional', 'gap2d']) {
    const expected = require(`./${name}.expected.json`);
    const model = await loadKerasModel(`${name}.keras`);
    const x = tf.tensor(expected.x, undefined, expected.xDtype === 'int32' ? 'int32' : 'float32');
    const predictions = model.predict(x);
    const difference = tf.max(tf.abs(tf.sub(predictions, tf.tensor(expected.predictions)))).dataSync()[0];
    console.log(`${name}: max |layerwise - Keras| = ${difference.toExponential(2)}`);
    if (!(difference <= 1e-5)) throw new Error(`${name}: predictions differ from Keras's by ${difference}`);
  }
}
main().catch((error) => { console.error(error); process.exit(1); });
JS
node keras.js 2> keras.err || { cat keras.err; fail "loading Keras files failed"; }

step "done: app in $work/app"
