import { describe, expect, it } from 'vitest';
import { loadedModules } from '../helpers/loaded-modules.js';

describe('Sentry', () => {
  it('is not even imported without SENTRY_DSN', async () => {
    const { modules } = await loadedModules({ SENTRY_DSN: '' });
    expect(modules.some((u) => u.includes('/dist/src/app.js'))).toBe(true);
    expect(modules.filter((u) => u.includes('@sentry'))).toEqual([]);
  });

  it('starts when SENTRY_DSN is set', async () => {
    // A DSN pointing at a closed local port: the SDK starts, sends nothing anywhere reachable.
    const { modules } = await loadedModules({ SENTRY_DSN: 'http://public@127.0.0.1:9/1' });
    expect(modules.some((u) => u.includes('/node_modules/@sentry/node/'))).toBe(true);
  });
});
