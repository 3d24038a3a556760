/**
 * `layerwise native-install`: the command's options reach the installer, failures become exit 1
 * with the installer's message, --help states the cache folder and sizes, and the installer finds
 * the project from the working directory (a user's app, not layerwise's folder), refuses a project
 * without @tensorflow/tfjs, and verifies a real build where one exists.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { NativeInstallError, NativeInstallOptions, findProjectRoot, installNative, nativeCacheDirectory } from '../../lib/backend/native-install';
import { NATIVE_INSTALL_COMMAND, nativeInstallCommand } from '../../lib/backend/native-loader';
import { registerNativeInstallCommand } from '../../lib/cli/native-install';
import { CommandExit } from '../../lib/cli/exit-codes';
import { describeWhenAvailable } from '../support/requirements';

const REPOSITORY = path.resolve(__dirname, '..', '..');

function temporaryApp(manifest: Record<string, unknown> = { name: 'my-app', version: '1.0.0' }): string {
  const directory = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'layerwise-app-')));
  writeFileSync(path.join(directory, 'package.json'), JSON.stringify(manifest));
  return directory;
}

describe('layerwise native-install (command)', () => {
  async function parse(args: string[], install: (options: NativeInstallOptions) => Promise<never> | Promise<unknown>): Promise<{ received: NativeInstallOptions[]; lines: string[] }> {
    const received: NativeInstallOptions[] = [];
    const lines: string[] = [];
    const program = new Command().exitOverride();
    registerNativeInstallCommand(program, {
      install: (async (options: NativeInstallOptions) => {
        received.push(options);
        options.log?.('[native-install] 1/6 progress line');
        return install(options);
      }) as typeof installNative,
      write: (line) => lines.push(line),
    });
    await program.parseAsync(['native-install', ...args], { from: 'user' });
    return { received, lines };
  }

  it('passes every option to the installer and its progress lines to the output', async () => {
    const { received, lines } = await parse(['--tensorflow-version', '2.20.0', '--force', '--cache-dir', '/tmp/wheels'], async () => ({}));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ tensorflowVersion: '2.20.0', force: true, verifyOnly: false, cacheDirectory: '/tmp/wheels' });
    expect(lines).toEqual(['[native-install] 1/6 progress line']);
  });

  it('defaults: no version (the installer pins it), no force, no verify-only, the default cache', async () => {
    const { received } = await parse([], async () => ({}));
    expect(received[0]).toMatchObject({ tensorflowVersion: undefined, force: false, verifyOnly: false, cacheDirectory: undefined });
  });

  it("a failing step ends with exit 1 and the installer's message, and says the library still works", async () => {
    const attempt = parse(['--verify-only'], async () => {
      throw new NativeInstallError('cannot build the binding; missing: make (Debian: apt-get install make)');
    });
    await expect(attempt).rejects.toBeInstanceOf(CommandExit);
    await expect(attempt).rejects.toMatchObject({
      exitCode: 1,
      message: 'native-install failed: cannot build the binding; missing: make (Debian: apt-get install make)\n(layerwise still works without it, on the pure-JS cpu backend)',
    });
  });

  it('--help through the real program names the steps, the cache folder and the download size', () => {
    const help = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(REPOSITORY, 'lib', 'cli', 'main.ts'), 'native-install', '--help'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: '/xdg-cache', LAYERWISE_NATIVE_CACHE: '' },
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: layerwise native-install [options]');
    expect(help.stdout).toContain('/xdg-cache/layerwise/native');
    expect(help.stdout).toContain('about 274 MB');
    expect(help.stdout).toContain('--tensorflow-version <version>');
    expect(help.stdout).toContain('--verify-only');
  });
});

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

describe('the install command named in messages exists where it is printed', () => {
  it('in a user project: npx layerwise native-install (the package bin)', () => {
    const app = temporaryApp();
    try {
      expect(nativeInstallCommand(app)).toBe('npx layerwise native-install');
      expect(NATIVE_INSTALL_COMMAND).toBe('npx layerwise native-install');
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it("in layerwise's repository (no linked bin): the npm script, which package.json defines as a wrapper of the command", () => {
    expect(nativeInstallCommand(path.join(REPOSITORY, 'lib'))).toBe('npm run native:install');
    const manifest = require(path.join(REPOSITORY, 'package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(manifest.scripts['native:install']).toBe('ts-node --transpile-only lib/cli/main.ts native-install');
    expect(manifest.bin.layerwise).toBe('dist/cli/main.js');
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
