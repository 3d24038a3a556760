/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory, `pg_ctl start`
 * on 127.0.0.1 with a random free port and the unix socket inside that directory, and removal of
 * everything on `destroy()`. Uses Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin, or
 * initdb on PATH; `LAYERWISE_PG_BIN` overrides), found by test/support/requirements.ts, which also
 * skips (or under CI=true fails) the tests with the install command when it is missing.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI) every server command runs as
 * the `postgres` system user through `runuser`, and the temporary directory is handed to that user.
 *
 * Host connections use scram-sha-256 with a generated password (so tests exercise real credentials
 * and their redaction); the unix socket trusts the local user.
 */
import { execFile, execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { promises as fs, existsSync, mkdtempSync, rmSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { requirement } from '../support/requirements';

const execFileAsync = promisify(execFile);

/** Options for `startPostgresServer`. */
export interface PostgresServerArgs {
  /** Superuser name. Default: 'layerwise'. */
  user?: string;
  /** Superuser password for TCP connections. Default: 24 random hex characters. */
  password?: string;
  /** Database created for the tests. Default: 'layerwise'. */
  database?: string;
  /**
   * Turn off fsync and full-page writes: much faster on shared CI disks, and still crash-safe for an
   * immediate (crash) stop of the server, because the operating system keeps the written pages.
   * Synchronous commit stays ON: without it an acknowledged COMMIT can vanish in a server crash,
   * which is exactly what the multi-worker test must not see. Default: true.
   */
  fast?: boolean;
}

/** Finds the newest installed PostgreSQL binary folder (test/support/requirements.ts), or throws saying how to install one. */
export function findPostgresBin(): string {
  const found = requirement('postgresql');
  if (!found.available || found.location === undefined) throw new Error(`${found.reason}; install them with \`${found.fix}\``);
  return found.location;
}

/** A free TCP port on 127.0.0.1 (free when asked; the server start retries if someone takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Every live server, so a crashed test run still stops them on exit. */
const liveServers = new Set<PostgresServer>();
process.once('exit', () => {
  for (const server of liveServers) server.destroySync();
});

export class PostgresServer {
  private running = false;

  constructor(
    /** Temporary directory holding data/, the socket and the log. */
    readonly directory: string,
    readonly bin: string,
    readonly port: number,
    readonly user: string,
    readonly password: string,
    readonly database: string,
    private readonly fast: boolean,
  ) {}

  get dataDirectory(): string {
    return path.join(this.directory, 'data');
  }

  get socketDirectory(): string {
    return path.join(this.directory, 'socket');
  }

  get logFile(): string {
    return path.join(this.directory, 'postgres.log');
  }

  /** postgres://user:password@127.0.0.1:port/database */
  get url(): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${this.database}`;
  }

  /** The same URL without credentials (for tests of PG* environment variables). */
  get urlWithoutCredentials(): string {
    return `postgres://127.0.0.1:${this.port}/${this.database}`;
  }

  /** Runs a server binary, as the postgres user when we are root. */
  private async command(name: string, args: string[]): Promise<string> {
    const binary = path.join(this.bin, name);
    const [file, fileArgs] = runningAsRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    try {
      const { stdout } = await execFileAsync(file, fileArgs, { cwd: this.directory, timeout: 60000 });
      return stdout;
    } catch (error) {
      const log = existsSync(this.logFile) ? await fs.readFile(this.logFile, 'utf8') : '';
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${name} failed: ${message}\n--- server log ---\n${log.slice(-4000)}`);
    }
  }

  async start(): Promise<void> {
    const settings = [
      `-p ${this.port}`,
      `-k ${this.socketDirectory}`,
      "-c listen_addresses=127.0.0.1",
      '-c max_connections=200',
      ...(this.fast ? ['-c fsync=off', '-c full_page_writes=off'] : []),
    ].join(' ');
    await this.command('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDirectory, '-l', this.logFile, '-o', settings]);
    this.running = true;
    liveServers.add(this);
  }

  /**
   * Stops the server. 'immediate' is a crash stop (no checkpoint, recovery at the next start);
   * 'fast' disconnects clients and shuts down cleanly. Default: 'fast'.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.command('pg_ctl', ['stop', '-w', '-t', '60', '-m', mode, '-D', this.dataDirectory]);
    this.running = false;
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops the server (immediately) and deletes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      liveServers.delete(this);
      await fs.rm(this.directory, { recursive: true, force: true });
    }
  }

  /** Synchronous variant for process-exit handlers. */
  destroySync(): void {
    try {
      if (this.running) {
        const binary = path.join(this.bin, 'pg_ctl');
        const args = ['stop', '-w', '-m', 'immediate', '-D', this.dataDirectory];
        if (runningAsRoot) execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'ignore' });
        else execFileSync(binary, args, { stdio: 'ignore' });
        this.running = false;
      }
    } catch {
      // Best effort during exit: the directory removal below still runs.
    }
    rmSync(this.directory, { recursive: true, force: true });
    liveServers.delete(this);
  }
}

/** Creates, initializes and starts a server; the caller must `destroy()` it. */
export async function startPostgresServer(args: PostgresServerArgs = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const user = args.user ?? 'layerwise';
  const password = args.password ?? randomBytes(12).toString('hex');
  const database = args.database ?? 'layerwise';
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'layerwise-pg-'));
  await fs.mkdir(path.join(directory, 'socket'));
  const passwordFile = path.join(directory, 'password');
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runningAsRoot) execFileSync('chown', ['-R', 'postgres:postgres', directory]);

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = new PostgresServer(directory, bin, await freePort(), user, password, database, args.fast ?? true);
    try {
      if (!existsSync(server.dataDirectory)) {
        await server['command']('initdb', [
          '-D', server.dataDirectory,
          '-U', user,
          `--pwfile=${passwordFile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E', 'UTF8',
          '--no-instructions',
        ]);
      }
      await server.start();
      await server['command']('createdb', ['-h', server.socketDirectory, '-p', String(server.port), '-U', user, database]);
      return server;
    } catch (error) {
      lastError = error;
      // Most likely the port was taken between freePort() and start(): try another one.
      if (!String(error).includes('could not bind') && !String(error).includes('Address already in use') && !String(error).includes('could not start server')) break;
    }
  }
  await fs.rm(directory, { recursive: true, force: true });
  throw lastError;
}

/** What {@link useServerStoresAndFolder} provides to a describe block's tests (set in beforeAll). */
export interface ServerStoresAndFolder<Store extends { close(): Promise<void> }> {
  /** The block's own PostgreSQL server. */
  server: PostgresServer;
  /** Stores the tests open: every one is closed after the block. */
  stores: Store[];
  /** A scratch folder, removed after the block. */
  directory: string;
}

/**
 * Registers beforeAll/afterAll hooks for a describe block that needs its own server, a list of
 * stores to close and a scratch folder named `<prefix>XXXXXX` under the system temp folder.
 */
export function useServerStoresAndFolder<Store extends { close(): Promise<void> }>(prefix: string): ServerStoresAndFolder<Store> {
  const fixture = { stores: [] } as unknown as ServerStoresAndFolder<Store>;
  beforeAll(async () => {
    fixture.server = await startPostgresServer();
    fixture.directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  }, 60000);
  afterAll(async () => {
    for (const store of fixture.stores) await store.close();
    await fixture.server?.destroy();
    if (fixture.directory) rmSync(fixture.directory, { recursive: true, force: true });
  });
  return fixture;
}
