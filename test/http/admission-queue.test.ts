import { describe, expect, it } from 'vitest';
import { OverloadedError } from '../../src/errors/app-errors.js';
import { ConcurrencyLimiter } from '../../src/http/concurrency-limiter.js';
import type { AdmissionMetrics, RefusalReason } from '../../src/observability/metrics.js';

/** A clock the test moves by hand. */
class ManualClock {
  t = 0;
  readonly now = () => this.t;
}

class Counts implements AdmissionMetrics {
  refused: RefusalReason[] = [];
  waited: number[] = [];
  admissionRefused(_pool: string, reason: RefusalReason): void {
    this.refused.push(reason);
  }
  admissionAdmitted(_pool: string, waitedS: number): void {
    this.waited.push(waitedS);
  }
  watchAdmission(): void {}
}

function limiter(
  clock: ManualClock,
  metrics: Counts,
  extra: Partial<ConstructorParameters<typeof ConcurrencyLimiter>[0]> = {},
) {
  return new ConcurrencyLimiter({
    pool: 'score',
    maxInflight: 1,
    maxQueue: 10,
    retryAfterS: 1,
    targetMs: 20,
    intervalMs: 100,
    maxWaitMs: 1000,
    clock: clock.now,
    metrics,
    ...extra,
  });
}

/** Queues a waiter and records the order in which waiters are granted. */
function enqueue(l: ConcurrencyLimiter, name: string, order: string[], releases: Map<string, () => void>) {
  return l.acquire().then(
    (release) => {
      order.push(name);
      releases.set(name, release);
    },
    (err: unknown) => {
      order.push(`${name}:refused`);
      expect(err).toBeInstanceOf(OverloadedError);
    },
  );
}

const flush = () => new Promise((r) => setImmediate(r));

describe('admission by queueing delay', () => {
  it('serves oldest first while the queue drains under the target (a burst)', async () => {
    const clock = new ManualClock();
    const metrics = new Counts();
    const l = limiter(clock, metrics);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const first = await l.acquire();
    const waits = ['a', 'b', 'c'].map((n) => enqueue(l, n, order, releases));
    for (const name of [null, 'a', 'b']) {
      clock.t += 5;
      (name ? releases.get(name)! : first)();
      await flush();
    }
    releases.get('c')!();
    await Promise.all(waits);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(l.underPressure).toBe(false);
    expect(metrics.refused).toEqual([]);
  });

  it('turns LIFO once the delay has stood above the target for an interval, FIFO again when it falls', async () => {
    const clock = new ManualClock();
    const metrics = new Counts();
    const l = limiter(clock, metrics);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const first = await l.acquire();
    const waits = ['w1', 'w2', 'w3', 'w4', 'w5'].map((n) => enqueue(l, n, order, releases));
    // t=50: w1 leaves after 50 ms (above the 20 ms target): the standing delay starts being timed.
    clock.t = 50;
    first();
    await flush();
    expect(l.underPressure).toBe(false);
    // t=200: w2 leaves 150 ms later, still above target: a standing queue, so pressure.
    clock.t = 200;
    releases.get('w1')!();
    await flush();
    expect(l.underPressure).toBe(true);
    // Under pressure the newest waiter is served first.
    clock.t = 210;
    releases.get('w2')!();
    await flush();
    expect(order).toEqual(['w1', 'w2', 'w5']);
    // A fresh arrival, served at once after a short wait, ends the pressure.
    const late = enqueue(l, 'w6', order, releases);
    clock.t = 215;
    releases.get('w5')!();
    await flush();
    expect(order.at(-1)).toBe('w6');
    expect(l.underPressure).toBe(false);
    clock.t = 216;
    releases.get('w6')!();
    await flush();
    releases.get('w3')!();
    await flush();
    releases.get('w4')!();
    await Promise.all([...waits, late]);
    expect(order).toEqual(['w1', 'w2', 'w5', 'w6', 'w3', 'w4']);
  });

  it('refuses a waiter that has waited maxWaitMs, and one that finds the queue full', async () => {
    const clock = new ManualClock();
    const metrics = new Counts();
    const l = limiter(clock, metrics, { maxQueue: 2, maxWaitMs: 100 });
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const first = await l.acquire();
    const waits = ['old', 'young'].map((n) => enqueue(l, n, order, releases));
    clock.t = 60;
    await expect(l.acquire()).rejects.toBeInstanceOf(OverloadedError);
    clock.t = 120;
    first();
    await Promise.all(waits.slice(0, 1));
    await flush();
    // `old` waited 120 ms > 100: refused; `young` (enqueued at the same instant) too.
    expect(order).toEqual(['old:refused', 'young:refused']);
    expect(metrics.refused).toEqual(['queue_full', 'queue_timeout', 'queue_timeout']);
    expect(l.queued).toBe(0);
    expect(l.inflight).toBe(0);
    // Admits again at once.
    const again = await l.acquire();
    again();
    expect(metrics.waited.at(-1)).toBe(0);
  });

  it('refuses waiters of a stalled pool on time, with no release to notice them', async () => {
    const metrics = new Counts();
    const l = new ConcurrencyLimiter({
      pool: 's',
      maxInflight: 1,
      maxQueue: 5,
      retryAfterS: 1,
      maxWaitMs: 30,
      metrics,
    });
    const held = await l.acquire();
    await expect(l.acquire()).rejects.toBeInstanceOf(OverloadedError);
    expect(metrics.refused).toEqual(['queue_timeout']);
    expect(l.inflight).toBe(1);
    held();
    expect(l.inflight).toBe(0);
  });

  it("keeps its count when a refused waiter's client closes afterwards", async () => {
    const clock = new ManualClock();
    const metrics = new Counts();
    const l = limiter(clock, metrics, { maxWaitMs: 100 });
    const first = await l.acquire();
    let cancel: (() => void) | undefined;
    const refused = l.acquire((c) => {
      cancel = c;
    });
    clock.t = 150;
    first();
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    // The 503 is sent and the connection closes: the hook calls cancel, which must change nothing.
    cancel!();
    expect(l.queued).toBe(0);
    expect(l.inflight).toBe(0);
    const again = await l.acquire();
    expect(l.inflight).toBe(1);
    again();
  });

  it('forgets a waiter whose client went away', async () => {
    const clock = new ManualClock();
    const metrics = new Counts();
    const l = limiter(clock, metrics);
    const first = await l.acquire();
    let cancel: (() => void) | undefined;
    void l.acquire((c) => {
      cancel = c;
    });
    expect(l.queued).toBe(1);
    cancel!();
    expect(l.queued).toBe(0);
    first();
    expect(l.inflight).toBe(0);
  });
});
