import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('wasm-simd module', () => {
  it('is what its AssemblyScript source builds to (run npm run build:wasm after editing it)', () => {
    const out = execFileSync(process.execPath, ['kernels/wasm-simd/build-wasm.mjs', '--check'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/up to date/);
  });
});
