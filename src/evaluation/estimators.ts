/**
 * Off-policy estimators over joined decisions (CONTRACT §4, /evaluation), as streaming accumulators:
 * a handful of sums per policy, so memory does not grow with the log.
 *
 * Per rewarded decision with logged propensity p, the evaluated policy's probability π of the logged
 * candidate, reward r, the logging policy's estimates q over the candidates and the evaluated policy's
 * distribution π(·):
 *   w = π/p,  IPS = mean(w·r),  SNIPS = Σ w·r / Σ w,
 *   DR = mean(Σ_a π(a)·q(a) + w·(r − q(logged))),  ESS = (Σw)² / Σw².
 * Intervals are normal 95% intervals: mean ± z·s/√n for IPS and DR (s with n−1), and the delta method
 * for SNIPS's ratio, Var ≈ Σ w²(r − SNIPS)² / (Σw)².
 */

export const Z95 = 1.959963984540054;

/** One decision as one policy sees it. */
export interface PolicyTerm {
  /** π/p: the importance weight of the logged candidate. */
  readonly w: number;
  readonly r: number;
  /** The doubly robust term Σ π(a)q(a) + w·(r − q(logged)); for the logging policy itself, r. */
  readonly dr: number;
}

export interface Estimate {
  readonly n: number;
  readonly ips: number | null;
  readonly snips: number | null;
  readonly dr: number | null;
  /** Of DR (the contract's interval). */
  readonly ci95: [number, number] | null;
  readonly ips_ci95: [number, number] | null;
  readonly snips_ci95: [number, number] | null;
  readonly ess: number;
}

/** Welford's running mean and sum of squared deviations: stable where Σx² − n·mean² is not. */
class RunningMoments {
  n = 0;
  mean = 0;
  m2 = 0;

  push(x: number): void {
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }

  interval(): [number, number] | null {
    if (this.n < 2) return null;
    const half = Z95 * Math.sqrt(this.m2 / (this.n - 1) / this.n);
    return [this.mean - half, this.mean + half];
  }
}

export class EstimatorAccumulator {
  private readonly ipsM = new RunningMoments();
  private readonly drM = new RunningMoments();
  private sumW = 0;
  private sumW2 = 0;
  private sumWR = 0;
  private sumW2R = 0;
  private sumW2R2 = 0;

  push(t: PolicyTerm): void {
    const wr = t.w * t.r;
    this.ipsM.push(wr);
    this.drM.push(t.dr);
    this.sumW += t.w;
    this.sumW2 += t.w * t.w;
    this.sumWR += wr;
    this.sumW2R += t.w * wr;
    this.sumW2R2 += wr * wr;
  }

  get n(): number {
    return this.ipsM.n;
  }

  result(): Estimate {
    const n = this.ipsM.n;
    if (n === 0) {
      return { n, ips: null, snips: null, dr: null, ci95: null, ips_ci95: null, snips_ci95: null, ess: 0 };
    }
    let snips: number | null = null;
    let snipsCi: [number, number] | null = null;
    if (this.sumW > 0) {
      const s = this.sumWR / this.sumW;
      snips = s;
      if (n >= 2) {
        // Σ w²(r − s)², expanded so that it streams; clamped at 0 against rounding.
        const num = Math.max(this.sumW2R2 - 2 * s * this.sumW2R + s * s * this.sumW2, 0);
        const half = (Z95 * Math.sqrt(num)) / this.sumW;
        snipsCi = [s - half, s + half];
      }
    }
    return {
      n,
      ips: this.ipsM.mean,
      snips,
      dr: this.drM.mean,
      ci95: this.drM.interval(),
      ips_ci95: this.ipsM.interval(),
      snips_ci95: snipsCi,
      ess: this.sumW2 > 0 ? (this.sumW * this.sumW) / this.sumW2 : 0,
    };
  }
}
