/** What a state benchmark starts and writes: tracked, so that every way out (end, error, ^C) removes it. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class Scratch {
  private readonly temps: string[] = [];
  private readonly procs: ChildProcess[] = [];

  /** A fresh directory under the system temp dir, removed by cleanup(). */
  temp(prefix: string): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.temps.push(d);
    return d;
  }

  /** `child`, to be SIGKILLed by cleanup() if still running. */
  track<T extends ChildProcess>(child: T): T {
    this.procs.push(child);
    return child;
  }

  /** Runs the benchmark's `main`, cleaning up after it however it ends: done, failed, or ^C / SIGTERM. */
  run(main: () => Promise<void>): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.cleanup();
        process.exit(130);
      });
    }
    main()
      .catch((err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      })
      .finally(() => this.cleanup());
  }

  cleanup(): void {
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const d of this.temps) rmSync(d, { recursive: true, force: true });
  }
}

/** Polls `url` until it answers 2xx (60 s at most); fails early if `child` exits first. */
export async function waitForOk(url: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child && child.exitCode !== null)
      throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}
