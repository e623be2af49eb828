import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, loadBackend } from '../../kernels/registry.js';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { logCapture } from '../helpers/log-capture.js';
import { testApp } from '../helpers/test-app.js';

describe('backend registry', () => {
  it('auto takes the first float64 backend that loads', async () => {
    const { backend, failed } = await loadBackend('auto');
    expect(backend.name).toBe(AUTO_ORDER[0]);
    expect(backend.precision).toBe('float64');
    expect(failed).toEqual([]);
  });

  it('falls back to the auto chain when the named backend cannot load, saying why', async () => {
    // No CUDA libtensorflow on a CI machine: tfjs-node-gpu cannot load here.
    const { backend, failed } = await loadBackend('tfjs-node-gpu');
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
    expect(health.scorer).toEqual({ backend: 'wasm-simd', precision: 'float64' });
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
    expect(health.scorer).toEqual({ backend: 'tfjs-cpu', precision: 'float32' });
  });
});
