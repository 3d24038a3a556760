/** The real `layerwise` entry (lib/cli/main.ts `main`), run as a child process by the CLI failure tests. */
import { main } from '../../lib/cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`UNHANDLED ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 99;
  },
);
