/** Adapter selection (WEBGPU_ADAPTER), in a process of its own where no adapter has been taken yet. */
import { describe, expect, it } from 'vitest';
import { adapterOptionsFromEnv } from '../../kernels/tfjs-webgpu/gpu-adapter.js';
import { load } from '../../kernels/tfjs-webgpu/mod.js';

describe('WebGPU adapter selection', () => {
  it('reads WEBGPU_ADAPTER and WEBGPU_DAWN_OPTIONS, and refuses an unknown adapter name', () => {
    expect(adapterOptionsFromEnv({})).toEqual({ adapter: 'auto', dawnOptions: [] });
    expect(
      adapterOptionsFromEnv({ WEBGPU_ADAPTER: ' Software ', WEBGPU_DAWN_OPTIONS: 'backend=vulkan, a=b' }),
    ).toEqual({ adapter: 'software', dawnOptions: ['backend=vulkan', 'a=b'] });
    expect(() => adapterOptionsFromEnv({ WEBGPU_ADAPTER: 'lavapipe' })).toThrow(/auto, hardware or software/);
  });

  it('adapter=hardware never falls back to the software adapter: a GPU, or a clear rejection', async () => {
    const outcome = await load({ adapter: 'hardware' }).then(
      (b) => ({ ok: true as const, adapter: (b as unknown as { adapter: string }).adapter }),
      (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) }),
    );
    if (outcome.ok) expect(outcome.adapter).toMatch(/^hardware: /);
    else
      expect(outcome.message).toMatch(
        /^tfjs-webgpu: no WebGPU adapter \(WEBGPU_ADAPTER=hardware\); tried hardware/,
      );
  });
});
