/**
 * The requirement probes behind the provisioning script and `describeWhenAvailable`: a missing part
 * is reported with a reason and a command that fixes it, a real fresh process decides whether the
 * native backend loads, and CI=true is what turns a missing part into a failure.
 */
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { missingPartsFail, probeNativeBackend, requirement, skipMessage } from './requirements';

function withEnvironment<T>(changes: Record<string, string | undefined>, body: () => T): T {
  const saved = Object.fromEntries(Object.keys(changes).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(changes)) {
    // process.env stores strings: assigning undefined would set the text "undefined".
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('requirement', () => {
  afterEach(() => {
    // Forget the answers probed under a changed environment.
    requirement('chromium', true);
    requirement('postgresql', true);
  });

  it('a chromium override that does not exist is unavailable, says so, and names both fixes', () => {
    const found = withEnvironment({ LAYERWISE_CHROMIUM: '/nonexistent/chrome' }, () => requirement('chromium', true));
    expect(found).toMatchObject({ name: 'chromium', available: false, reason: 'LAYERWISE_CHROMIUM=/nonexistent/chrome does not exist' });
    expect(found.fix).toMatch(/^unset LAYERWISE_CHROMIUM, or point it at a Chromium binary \(or: (sudo )?apt-get install -y --no-install-recommends chromium\)$/);
    expect(skipMessage(found)).toBe(`HTML report tests (headless browser) need chromium: LAYERWISE_CHROMIUM=/nonexistent/chrome does not exist; fix: ${found.fix}`);
  });

  it('with nothing on PATH and no override, chromium and PostgreSQL are missing with the apt-get command as the fix', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'layerwise-empty-path-'));
    try {
      withEnvironment({ PATH: empty, LAYERWISE_CHROMIUM: undefined }, () => {
        const chromium = requirement('chromium', true);
        expect(chromium.available).toBe(false);
        expect(chromium.reason).toContain('no Chromium/Chrome binary on PATH (tried chromium, chromium-browser');
        expect(chromium.fix).toMatch(/^(sudo )?apt-get install -y --no-install-recommends chromium$/);
      });
      withEnvironment({ LAYERWISE_PG_BIN: empty }, () => {
        const postgres = requirement('postgresql', true);
        expect(postgres).toMatchObject({ available: false, reason: `LAYERWISE_PG_BIN=${empty} has no initdb` });
        expect(postgres.fix).toContain('apt-get install -y --no-install-recommends postgresql');
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a found part carries its location', () => {
    const chromium = requirement('chromium', true);
    if (chromium.available) expect(path.isAbsolute(chromium.location as string)).toBe(true);
    else expect(chromium.location).toBeUndefined();
  });
});

describe('probeNativeBackend', () => {
  it('in a folder where node cannot find @tensorflow/tfjs-node (a real fresh process), it does not load and says why', () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'layerwise-no-modules-'));
    try {
      const probe = probeNativeBackend(outside);
      expect(probe.loads).toBe(false);
      expect(probe.reason).toContain("Cannot find module '@tensorflow/tfjs-node'");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('missingPartsFail', () => {
  it('is true exactly under CI=true (or 1), as CI services set it', () => {
    expect(missingPartsFail({ CI: 'true' })).toBe(true);
    expect(missingPartsFail({ CI: '1' })).toBe(true);
    expect(missingPartsFail({ CI: 'false' })).toBe(false);
    expect(missingPartsFail({})).toBe(false);
  });
});
