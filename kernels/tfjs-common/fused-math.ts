/**
 * The fused kernels' bodies over float32 storage, shared by the TF.js backends whose kernels run in
 * JS (cpu, and wasm through its heap). Arithmetic is in JS doubles; only storage is float32.
 * Same algorithms as js-f64: packed upper-triangular A⁻¹, Sherman–Morrison updates.
 */
type Arr = Float32Array;

export function fusedScoreUCB(
  ainv: Arr,
  theta: Arr,
  x: Arr,
  slot: Int32Array,
  out: Arr,
  alpha: number,
  d: number,
): void {
  const t = (d * (d + 1)) >> 1;
  for (let r = 0; r < slot.length; r++) {
    const s = slot[r]!;
    const to = s * d;
    const xo = r * d;
    let p = s * t;
    let mean = 0;
    let quad = 0;
    for (let i = 0; i < d; i++) {
      const xi = x[xo + i]!;
      mean += theta[to + i]! * xi;
      const diag = ainv[p++]! * xi;
      let off = 0;
      for (let j = i + 1; j < d; j++) off += ainv[p++]! * x[xo + j]!;
      quad += xi * (diag + 2 * off);
    }
    out[r] = mean + alpha * Math.sqrt(Math.max(quad, 0));
  }
}

export function fusedScoreGreedy(theta: Arr, x: Arr, slot: Int32Array, out: Arr, d: number): void {
  for (let r = 0; r < slot.length; r++) {
    const to = slot[r]! * d;
    const xo = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += theta[to + i]! * x[xo + i]!;
    out[r] = s;
  }
}

export function fusedUpdate(
  ainv: Arr,
  b: Arr,
  theta: Arr,
  x: Arr,
  reward: Arr,
  slot: Int32Array,
  d: number,
): void {
  const t = (d * (d + 1)) >> 1;
  const u = new Float64Array(d);
  for (let r = 0; r < slot.length; r++) {
    const s = slot[r]!;
    const ao = s * t;
    const vo = s * d;
    const xo = r * d;
    u.fill(0);
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = x[xo + i]!;
      u[i] = u[i]! + ainv[p++]! * xi;
      for (let j = i + 1; j < d; j++) {
        const a = ainv[p++]!;
        u[i] = u[i]! + a * x[xo + j]!;
        u[j] = u[j]! + a * xi;
      }
    }
    let xu = 0;
    let xt = 0;
    for (let i = 0; i < d; i++) {
      xu += x[xo + i]! * u[i]!;
      xt += x[xo + i]! * theta[vo + i]!;
    }
    const inv = 1 / (1 + xu);
    const rw = reward[r]!;
    const g = (rw - xt) * inv;
    p = ao;
    for (let i = 0; i < d; i++) {
      const ui = u[i]! * inv;
      for (let j = i; j < d; j++, p++) ainv[p] = ainv[p]! - ui * u[j]!;
      b[vo + i] = b[vo + i]! + rw * x[xo + i]!;
      theta[vo + i] = theta[vo + i]! + u[i]! * g;
    }
  }
}
