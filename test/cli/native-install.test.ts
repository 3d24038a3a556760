/**
 * `layerwise native-install`: the command's options reach the installer, failures become exit 1
 * with the installer's message, --help states the cache folder and sizes, and messages name the
 * install command that exists where they are printed. The installer itself: test/backend/native-install.test.ts.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { NativeInstallError, NativeInstallOptions, installNative } from '../../lib/backend/native-install';
import { NATIVE_INSTALL_COMMAND, nativeInstallCommand } from '../../lib/backend/native-loader';
import { registerNativeInstallCommand } from '../../lib/cli/native-install';
import { CommandExit } from '../../lib/cli/exit-codes';

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

