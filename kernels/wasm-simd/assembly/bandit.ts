// AssemblyScript source of the wasm-simd backend (built by `npm run build:wasm`, shipped as
// ../bandit.wasm). Memory is laid out by the JS side; these functions only take pointers.
// Slab layout per slot: packed upper-triangular A⁻¹ (t = d(d+1)/2 f64), θ (d f64), b (d f64).

import {
  greedyRun12,
  greedyRun5,
  greedyRun7,
  ucbBlock32_12,
  ucbBlock32_5,
  ucbBlock32_7,
  ucbBlock5,
  ucbBlock7,
} from './unrolled.generated';

/** First byte the JS side may use. */
export function heapBase(): usize {
  return __heap_base;
}

// Candidate rows of one user are scored four (or two) at a time, one per f64x2 lane: each A⁻¹ entry
// is loaded and splatted once for four rows. `xs` is scratch for the lane-interleaved rows. d = 5, 7
// use unrolled blocks; other widths (12 too, see gen-unrolled.mjs) the loop below.
export function scoreUCB(
  ainv: usize,
  theta: usize,
  x: usize,
  slot: usize,
  out: usize,
  n: i32,
  d: i32,
  alpha: f64,
  xs: usize,
  cap: i32,
): i32 {
  const t = (d * (d + 1)) >> 1;
  const va = f64x2.splat(alpha);
  const zero = f64x2.splat(0);
  const two = f64x2.splat(2);
  let r = 0;
  while (r < n) {
    const s = load<i32>(slot + (<usize>r << 2));
    if (<u32>s >= <u32>cap) return r;
    const ao = ainv + (<usize>(s * t) << 3);
    const to = theta + (<usize>(s * d) << 3);
    if (
      r + 3 < n &&
      load<i32>(slot + (<usize>(r + 1) << 2)) == s &&
      load<i32>(slot + (<usize>(r + 2) << 2)) == s &&
      load<i32>(slot + (<usize>(r + 3) << 2)) == s
    ) {
      const x0 = x + (<usize>(r * d) << 3);
      const o4 = out + (<usize>r << 3);
      if (d == 7) {
        ucbBlock7(ao, to, x0, o4, alpha);
        r += 4;
        continue;
      }
      if (d == 5) {
        ucbBlock5(ao, to, x0, o4, alpha);
        r += 4;
        continue;
      }
      const x1 = x0 + (<usize>d << 3);
      const x2 = x1 + (<usize>d << 3);
      const x3 = x2 + (<usize>d << 3);
      for (let i = 0; i < d; i++) {
        const o = <usize>i << 3;
        v128.store(xs + (<usize>i << 5), f64x2.replace_lane(f64x2.splat(load<f64>(x0 + o)), 1, load<f64>(x1 + o)));
        v128.store(xs + (<usize>i << 5) + 16, f64x2.replace_lane(f64x2.splat(load<f64>(x2 + o)), 1, load<f64>(x3 + o)));
      }
      let mean0 = zero;
      let mean1 = zero;
      let quad0 = zero;
      let quad1 = zero;
      let p = ao;
      for (let i = 0; i < d; i++) {
        const xi0 = v128.load(xs + (<usize>i << 5));
        const xi1 = v128.load(xs + (<usize>i << 5) + 16);
        const th = f64x2.splat(load<f64>(to + (<usize>i << 3)));
        mean0 = f64x2.add(mean0, f64x2.mul(th, xi0));
        mean1 = f64x2.add(mean1, f64x2.mul(th, xi1));
        const aii = f64x2.splat(load<f64>(p));
        p += 8;
        let off0 = zero;
        let off1 = zero;
        for (let j = i + 1; j < d; j++) {
          const a = f64x2.splat(load<f64>(p));
          p += 8;
          off0 = f64x2.add(off0, f64x2.mul(a, v128.load(xs + (<usize>j << 5))));
          off1 = f64x2.add(off1, f64x2.mul(a, v128.load(xs + (<usize>j << 5) + 16)));
        }
        quad0 = f64x2.add(quad0, f64x2.mul(xi0, f64x2.add(f64x2.mul(aii, xi0), f64x2.mul(two, off0))));
        quad1 = f64x2.add(quad1, f64x2.mul(xi1, f64x2.add(f64x2.mul(aii, xi1), f64x2.mul(two, off1))));
      }
      const o = out + (<usize>r << 3);
      v128.store(o, f64x2.add(mean0, f64x2.mul(va, f64x2.sqrt(f64x2.max(quad0, zero)))));
      v128.store(o + 16, f64x2.add(mean1, f64x2.mul(va, f64x2.sqrt(f64x2.max(quad1, zero)))));
      r += 4;
      continue;
    }
    // A lone row (or a tail): scalar.
    const xo = x + (<usize>(r * d) << 3);
    let mean = 0.0;
    let quad = 0.0;
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = load<f64>(xo + (<usize>i << 3));
      mean += load<f64>(to + (<usize>i << 3)) * xi;
      const diag = load<f64>(p) * xi;
      p += 8;
      let off = 0.0;
      for (let j = i + 1; j < d; j++) {
        off += load<f64>(p) * load<f64>(xo + (<usize>j << 3));
        p += 8;
      }
      quad += xi * (diag + 2 * off);
    }
    store<f64>(out + (<usize>r << 3), mean + alpha * Math.sqrt(max(quad, 0.0)));
    r++;
  }
  return n;
}

/**
 * θ[slot]ᵀx. Rows come in runs of one user (K candidates each): a run goes through the unrolled
 * pair kernel (θ loaded once, two rows per f64x2 fold); a lone row is scalar. Returns n, or the index
 * of the first row whose slot is outside [0, cap): nothing past it is read, the caller throws.
 */
export function scoreGreedy(theta: usize, x: usize, slot: usize, out: usize, n: i32, d: i32, cap: i32): i32 {
  let r = 0;
  while (r < n) {
    const s = load<i32>(slot + (<usize>r << 2));
    if (<u32>s >= <u32>cap) return r;
    let e = r + 1;
    while (e < n && load<i32>(slot + (<usize>e << 2)) == s) e++;
    const to = theta + (<usize>(s * d) << 3);
    const pairs = (e - r) >> 1;
    const xo = x + (<usize>(r * d) << 3);
    const oo = out + (<usize>r << 3);
    if (d == 12) greedyRun12(to, xo, oo, pairs);
    else if (d == 7) greedyRun7(to, xo, oo, pairs);
    else if (d == 5) greedyRun5(to, xo, oo, pairs);
    else greedyPairs(to, xo, oo, pairs, d);
    for (let q = r + (pairs << 1); q < e; q++) store<f64>(out + (<usize>q << 3), dotRow(to, x + (<usize>(q * d) << 3), d));
    r = e;
  }
  return n;
}

/** Pairs of rows for a width without an unrolled kernel: one row at a time. */
function greedyPairs(to: usize, x: usize, out: usize, pairs: i32, d: i32): void {
  for (let k = 0; k < pairs << 1; k++) store<f64>(out + (<usize>k << 3), dotRow(to, x + (<usize>(k * d) << 3), d));
}

// @ts-ignore: decorator
@inline
function dotRow(to: usize, xo: usize, d: i32): f64 {
  const pairs = d & ~1;
  let acc = f64x2.splat(0);
  for (let i = 0; i < pairs; i += 2) {
    acc = f64x2.add(acc, f64x2.mul(v128.load(to + (<usize>i << 3)), v128.load(xo + (<usize>i << 3))));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (pairs < d) sum += load<f64>(to + (<usize>pairs << 3)) * load<f64>(xo + (<usize>pairs << 3));
  return sum;
}

/**
 * Rewards in order (Sherman–Morrison): u = A⁻¹x, s = 1 + xᵀu; A⁻¹ −= uuᵀ/s; b += r·x;
 * θ += u·(r − xᵀθ)/s. `u` is d f64 of scratch.
 */
export function update(
  ainv: usize,
  b: usize,
  theta: usize,
  x: usize,
  reward: usize,
  slot: usize,
  m: i32,
  d: i32,
  u: usize,
): void {
  shermanMorrison<f64>(ainv, b, theta, x, reward, slot, m, d, u);
}

/**
 * The update for storage of type T (f64, or f32 for the wasm-simd-f32 backend). The arithmetic is f64
 * either way, and so is the scratch `u`; only loads and stores of the slab take T's width.
 */
// @ts-ignore: decorator
@inline
function shermanMorrison<T>(
  ainv: usize,
  b: usize,
  theta: usize,
  x: usize,
  reward: usize,
  slot: usize,
  m: i32,
  d: i32,
  u: usize,
): void {
  const w = alignof<T>(); // log2 of T's size in bytes
  const t = (d * (d + 1)) >> 1;
  for (let r = 0; r < m; r++) {
    const s = load<i32>(slot + (<usize>r << 2));
    const ao = ainv + (<usize>(s * t) << w);
    const vo = <usize>(s * d) << w;
    const xo = x + (<usize>(r * d) << w);
    memory.fill(u, 0, <usize>d << 3);
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = <f64>load<T>(xo + (<usize>i << w));
      let ui = load<f64>(u + (<usize>i << 3)) + <f64>load<T>(p) * xi;
      p += sizeof<T>();
      for (let j = i + 1; j < d; j++) {
        const a = <f64>load<T>(p);
        p += sizeof<T>();
        ui += a * <f64>load<T>(xo + (<usize>j << w));
        const uj = u + (<usize>j << 3);
        store<f64>(uj, load<f64>(uj) + a * xi);
      }
      store<f64>(u + (<usize>i << 3), ui);
    }
    let xu = 0.0;
    let xt = 0.0;
    for (let i = 0; i < d; i++) {
      const xi = <f64>load<T>(xo + (<usize>i << w));
      xu += xi * load<f64>(u + (<usize>i << 3));
      xt += xi * <f64>load<T>(theta + vo + (<usize>i << w));
    }
    const inv = 1.0 / (1.0 + xu);
    const rw = <f64>load<T>(reward + (<usize>r << w));
    const g = (rw - xt) * inv;
    p = ao;
    for (let i = 0; i < d; i++) {
      const uiRaw = load<f64>(u + (<usize>i << 3));
      const ui = uiRaw * inv;
      for (let j = i; j < d; j++) {
        store<T>(p, <T>(<f64>load<T>(p) - ui * load<f64>(u + (<usize>j << 3))));
        p += sizeof<T>();
      }
      const bi = b + vo + (<usize>i << w);
      store<T>(bi, <T>(<f64>load<T>(bi) + rw * <f64>load<T>(xo + (<usize>i << w))));
      const ti = theta + vo + (<usize>i << w);
      store<T>(ti, <T>(<f64>load<T>(ti) + uiRaw * g));
    }
  }
}

// ---- float32 storage (the wasm-simd-f32 backend): four rows of one user per f32x4 ----
// Each float32 kernel takes its float64 twin's arguments, so that the host calls either alike.

/** `_xs` is unused: four f32 rows fill one f32x4 without interleaving them first. */
export function scoreUCB32(
  ainv: usize,
  theta: usize,
  x: usize,
  slot: usize,
  out: usize,
  n: i32,
  d: i32,
  alpha: f32,
  _xs: usize,
  cap: i32,
): i32 {
  const t = (d * (d + 1)) >> 1;
  let r = 0;
  while (r < n) {
    const s = load<i32>(slot + (<usize>r << 2));
    if (<u32>s >= <u32>cap) return r;
    const ao = ainv + (<usize>(s * t) << 2);
    const to = theta + (<usize>(s * d) << 2);
    const x0 = x + (<usize>(r * d) << 2);
    const o4 = out + (<usize>r << 2);
    if (
      r + 3 < n &&
      (d == 12 || d == 7 || d == 5) &&
      load<i32>(slot + (<usize>(r + 1) << 2)) == s &&
      load<i32>(slot + (<usize>(r + 2) << 2)) == s &&
      load<i32>(slot + (<usize>(r + 3) << 2)) == s
    ) {
      if (d == 12) ucbBlock32_12(ao, to, x0, o4, alpha);
      else if (d == 7) ucbBlock32_7(ao, to, x0, o4, alpha);
      else ucbBlock32_5(ao, to, x0, o4, alpha);
      r += 4;
      continue;
    }
    let mean: f32 = 0;
    let quad: f32 = 0;
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = load<f32>(x0 + (<usize>i << 2));
      mean += load<f32>(to + (<usize>i << 2)) * xi;
      const diag = load<f32>(p) * xi;
      p += 4;
      let off: f32 = 0;
      for (let j = i + 1; j < d; j++) {
        off += load<f32>(p) * load<f32>(x0 + (<usize>j << 2));
        p += 4;
      }
      quad += xi * (diag + 2 * off);
    }
    store<f32>(o4, mean + alpha * Mathf.sqrt(max(quad, <f32>0)));
    r++;
  }
  return n;
}

export function scoreGreedy32(theta: usize, x: usize, slot: usize, out: usize, n: i32, d: i32, cap: i32): i32 {
  const quads = d & ~3;
  for (let r = 0; r < n; r++) {
    const s = load<i32>(slot + (<usize>r << 2));
    if (<u32>s >= <u32>cap) return r;
    const to = theta + (<usize>(s * d) << 2);
    const xo = x + (<usize>(r * d) << 2);
    let acc = f32x4.splat(0);
    for (let i = 0; i < quads; i += 4) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(to + (<usize>i << 2)), v128.load(xo + (<usize>i << 2))));
    }
    let sum =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (let i = quads; i < d; i++) sum += load<f32>(to + (<usize>i << 2)) * load<f32>(xo + (<usize>i << 2));
    store<f32>(out + (<usize>r << 2), sum);
  }
  return n;
}

/** Sherman–Morrison over float32 storage, arithmetic in f64; `u` is d f64 of scratch. */
export function update32(
  ainv: usize,
  b: usize,
  theta: usize,
  x: usize,
  reward: usize,
  slot: usize,
  m: i32,
  d: i32,
  u: usize,
): void {
  shermanMorrison<f32>(ainv, b, theta, x, reward, slot, m, d, u);
}

// ---- roofline probes for bench/kernels.ts: what this engine can do on this machine ----

/** Sums `bytes` (a multiple of 64) from p as f64x2: the read bandwidth a streaming kernel can reach. */
export function streamRead(p: usize, bytes: usize): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let c = f64x2.splat(0);
  let e = f64x2.splat(0);
  const end = p + bytes;
  for (let q = p; q < end; q += 64) {
    a = f64x2.add(a, v128.load(q));
    b = f64x2.add(b, v128.load(q, 16));
    c = f64x2.add(c, v128.load(q, 32));
    e = f64x2.add(e, v128.load(q, 48));
  }
  const s = f64x2.add(f64x2.add(a, b), f64x2.add(c, e));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** `iters` × 12 independent f64x2 multiply-then-add steps (48 flops each round): the f64 peak without FMA. */
export function peakMulAdd(iters: i32, m: f64, k: f64): f64 {
  const vm = f64x2.splat(m);
  const vk = f64x2.splat(k);
  let a0 = f64x2.splat(1);
  let a1 = f64x2.splat(2);
  let a2 = f64x2.splat(3);
  let a3 = f64x2.splat(4);
  let a4 = f64x2.splat(5);
  let a5 = f64x2.splat(6);
  let a6 = f64x2.splat(7);
  let a7 = f64x2.splat(8);
  let a8 = f64x2.splat(9);
  let a9 = f64x2.splat(10);
  let a10 = f64x2.splat(11);
  let a11 = f64x2.splat(12);
  for (let i = 0; i < iters; i++) {
    a0 = f64x2.add(f64x2.mul(a0, vm), vk);
    a1 = f64x2.add(f64x2.mul(a1, vm), vk);
    a2 = f64x2.add(f64x2.mul(a2, vm), vk);
    a3 = f64x2.add(f64x2.mul(a3, vm), vk);
    a4 = f64x2.add(f64x2.mul(a4, vm), vk);
    a5 = f64x2.add(f64x2.mul(a5, vm), vk);
    a6 = f64x2.add(f64x2.mul(a6, vm), vk);
    a7 = f64x2.add(f64x2.mul(a7, vm), vk);
    a8 = f64x2.add(f64x2.mul(a8, vm), vk);
    a9 = f64x2.add(f64x2.mul(a9, vm), vk);
    a10 = f64x2.add(f64x2.mul(a10, vm), vk);
    a11 = f64x2.add(f64x2.mul(a11, vm), vk);
  }
  const s = f64x2.add(
    f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7))),
    f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11)),
  );
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}
