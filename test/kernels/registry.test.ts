import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, type BackendLoaders, LOADERS, loadBackend } from '../../kernels/registry.js';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { logCapture } from '../helpers/log-capture.js';
import { testApp } from '../helpers/test-app.js';

/** The real loaders, except that the native TF.js packages fail to load, as where their libraries are missing. */
const WITHOUT_TFJS_NODE: BackendLoaders = {
  ...LOADERS,
  'tfjs-node': () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file')),
  'tfjs-node-gpu': () => Promise.reject(new Error('libcudart.so.11.0: cannot open shared object file')),
};

describe('backend registry', () => {
  it('auto takes the first float64 backend that loads', async () => {
    const { backend, failed } = await loadBackend('auto');
    expect(backend.name).toBe(AUTO_ORDER[0]);
    expect(backend.precision).toBe('float64');
    expect(failed).toEqual([]);
  });

  it('falls back to the auto chain when the named backend cannot load, saying why', async () => {
    // As on a machine without CUDA's libtensorflow, whatever this machine has.
    const { backend, failed } = await loadBackend('tfjs-node-gpu', WITHOUT_TFJS_NODE);
    expect(backend.name).toBe('wasm-simd');
    expect(failed[0]?.name).toBe('tfjs-node-gpu');
    expect(failed[0]?.error.length).toBeGreaterThan(0);
  });

  it('rejects an unknown SCORER_BACKEND at start, naming the variable', () => {
    expect(() => loadConfig({ SCORER_BACKEND: 'cuda-magic' })).toThrow(ConfigError);
    try {
      loadConfig({ SCORER_BACKEND: 'cuda-magic' });
    } catch (err) {
      expect((err as ConfigError).problems[0]?.variable).toBe('SCORER_BACKEND');
    }
  });

  it('logs the choice and the fallback, and shows the backend in /health', async () => {
    const logs = logCapture();
    const { app } = await testApp(
      { SCORER_BACKEND: 'tfjs-node-gpu', LOG_LEVEL: 'info' },
      { logDestination: logs.stream },
    );
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.scorer).toMatchObject({ backend: 'wasm-simd', precision: 'float64' });
    expect(logs.lines.find((l) => l.msg === 'scoring backend could not load, trying the next')).toMatchObject(
      {
        backend: 'tfjs-node-gpu',
      },
    );
    expect(logs.lines.find((l) => l.msg === 'scoring backend selected')).toMatchObject({
      backend: 'wasm-simd',
    });
  });

  it('runs a named float32 backend when asked', async () => {
    const { app } = await testApp({ SCORER_BACKEND: 'tfjs-cpu' });
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.scorer).toMatchObject({ backend: 'tfjs-cpu', precision: 'float32' });
  });

  it('takes a preference list, in order, then the float64 chain', async () => {
    const { backend, failed } = await loadBackend(
      ['tfjs-node-gpu', 'tfjs-node', 'js-f64'],
      WITHOUT_TFJS_NODE,
    );
    expect(backend.name).toBe('js-f64');
    expect(failed.map((f) => f.name)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(loadConfig({ SCORER_BACKEND: 'tfjs-node-gpu, tfjs-webgpu' }).SCORER_BACKEND).toEqual([
      'tfjs-node-gpu',
      'tfjs-webgpu',
    ]);
    expect(() => loadConfig({ SCORER_BACKEND: 'tfjs-webgpu,nope' })).toThrow(ConfigError);
  });

  it('BATCH_SCORER_BACKEND runs /score/batch on its own backend; the online path stays float64', async () => {
    const { app } = await testApp({ BATCH_SCORER_BACKEND: 'tfjs-cpu' });
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.scorer).toEqual({
      backend: 'wasm-simd',
      precision: 'float64',
      batch: { backend: 'tfjs-cpu', precision: 'float32' },
    });
    const body = {
      user_id: 'u1',
      now: '2026-11-24T09:30:00Z',
      candidates: [
        { id: 'a', priority: 3, created_at: '2026-11-20T08:00:00Z' },
        { id: 'b', priority: 1, created_at: '2026-11-01T08:00:00Z' },
      ],
    };
    const online = (await app.inject({ method: 'POST', url: '/score', payload: body })).json();
    const batch = (
      await app.inject({
        method: 'POST',
        url: '/score/batch',
        payload: { policy: 'linucb_v1', requests: [body] },
      })
    ).json().results[0];
    // The float32 kernel: the same ranking, scores equal to about 1e-6, not to the last bit.
    expect(batch.ranked.map((r: { id: string }) => r.id)).toEqual(
      online.ranked.map((r: { id: string }) => r.id),
    );
    for (const [i, r] of online.ranked.entries()) {
      expect(batch.ranked[i].score).toBeCloseTo(r.score, 5);
    }
    expect(batch.ranked[0].score).not.toBe(online.ranked[0].score);
  });
});
