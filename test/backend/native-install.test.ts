/**
 * The native backend installer (lib/backend/native-install.ts) without network or rebuilds: the
 * wheel cache is the user's (XDG), the project is found from the working directory (a user's app,
 * not layerwise's folder), a project without @tensorflow/tfjs is refused before any download, and
 * where a build exists --verify-only checks it in a fresh process.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NativeInstallError, findProjectRoot, installNative, nativeCacheDirectory } from '../../lib/backend/native-install';
import { describeWhenAvailable } from '../support/requirements';

const REPOSITORY = path.resolve(__dirname, '..', '..');

function temporaryApp(manifest: Record<string, unknown> = { name: 'my-app', version: '1.0.0' }): string {
  const directory = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'layerwise-app-')));
  writeFileSync(path.join(directory, 'package.json'), JSON.stringify(manifest));
  return directory;
}

describe('nativeCacheDirectory', () => {
  it('is LAYERWISE_NATIVE_CACHE, else $XDG_CACHE_HOME/layerwise/native, else ~/.cache/layerwise/native: never inside a project', () => {
    expect(nativeCacheDirectory({ LAYERWISE_NATIVE_CACHE: '/wheels', XDG_CACHE_HOME: '/xdg' })).toBe('/wheels');
    expect(nativeCacheDirectory({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/layerwise/native');
    // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
    expect(nativeCacheDirectory({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'layerwise', 'native'));
    expect(nativeCacheDirectory({})).toBe(path.join(os.homedir(), '.cache', 'layerwise', 'native'));
  });
});

describe('the project the installer works on', () => {
  it("is the nearest folder with a package.json above the working directory (the user's app)", () => {
    const app = temporaryApp();
    try {
      mkdirSync(path.join(app, 'src', 'deep'), { recursive: true });
      expect(findProjectRoot(path.join(app, 'src', 'deep'))).toBe(app);
      expect(findProjectRoot(REPOSITORY)).toBe(REPOSITORY);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('a project without @tensorflow/tfjs is refused before anything is downloaded, naming the fix', async () => {
    const app = temporaryApp();
    const lines: string[] = [];
    try {
      const attempt = installNative({ directory: app, cacheDirectory: path.join(app, 'cache'), log: (line) => lines.push(line) });
      await expect(attempt).rejects.toBeInstanceOf(NativeInstallError);
      await expect(attempt).rejects.toThrow(`@tensorflow/tfjs is not installed in ${app}; install it first (npm install @tensorflow/tfjs@4.22.0), then rerun`);
      expect(lines).toEqual([]);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('a malformed --tensorflow-version is refused naming the option and an example', async () => {
    await expect(installNative({ tensorflowVersion: '2.21', directory: REPOSITORY, log: () => undefined })).rejects.toThrow(
      '--tensorflow-version = "2.21": expected a version such as 2.21.0',
    );
  });
});

describeWhenAvailable(['native-backend'], 'installNative on a machine with the native backend built', () => {
  it('--verify-only finds the installed tfjs-node without npm and checks exact results in a fresh process', async () => {
    const lines: string[] = [];
    const stamp = await installNative({ directory: REPOSITORY, verifyOnly: true, log: (line) => lines.push(line) });
    expect(stamp.tfjsNodeVersion).toBe(require('@tensorflow/tfjs-node/package.json').version);
    expect(lines.some((line) => /@tensorflow\/tfjs-node@\d+\.\d+\.\d+ found at /.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('npm install'))).toBe(false);
    expect(lines).toContainEqual(expect.stringMatching(/^\[native-install\] 6\/6 verify$/));
    expect(lines).toContainEqual(expect.stringContaining('backend tensorflow loads in a fresh process; matMul and its gradient are exact'));
  });
});
