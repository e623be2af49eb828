import { describe, expect, it } from 'vitest';
import { loadedModules } from '../helpers/loaded-modules.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { testApp } from '../helpers/test-app.js';
import type { HealthBody } from './nats-app.js';

describe('NATS disabled', () => {
  it('loads no NATS module without NATS_URL, and /health says enabled: false', async () => {
    const { health, modules } = await loadedModules<HealthBody>({ NATS_URL: '' });
    expect(modules.some((u) => u.includes('/dist/src/app.js'))).toBe(true);
    expect(modules.filter((u) => u.includes('@nats-io') || u.includes('/src/nats/'))).toEqual([]);
    expect(health.nats).toEqual({
      enabled: false,
      consumers: {
        signals: { last_msg_ts: null, processed: 0, errors: 0 },
        feedback: { last_msg_ts: null, processed: 0, errors: 0 },
      },
    });
  });

  it('GET /ready answers 200 ready: true without NATS (the state store is reachable)', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ready: true });
  });

  it('loads them with NATS_URL (the recorder sees what the first test says is absent)', async () => {
    const server = await startNatsServer();
    const { health, modules } = await loadedModules<HealthBody>({ NATS_URL: server.url });
    expect(modules.some((u) => u.includes('/node_modules/@nats-io/transport-node/'))).toBe(true);
    expect(modules.some((u) => u.includes('/dist/src/nats/mod.js'))).toBe(true);
    expect(health.nats.enabled).toBe(true);
  });
});
