import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type ConnectionOptions, connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { onTestFinished } from 'vitest';

/** A plain NATS client for the test's side: publishing, and reading streams and consumers. */
export interface TestClient {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Publishes JSON to JetStream; retries while the server is away, until the stream has stored it. */
  publish(
    subject: string,
    value: unknown,
    opts?: { traceparent?: string; raw?: string; msgId?: string },
  ): Promise<number>;
}

/** `options`: credentials and TLS for a server that asks for them. */
export async function testClient(url: string, options: ConnectionOptions = {}): Promise<TestClient> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200, ...options });
  onTestFinished(() => nc.close());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  return {
    nc,
    js,
    jsm,
    async publish(subject, value, opts = {}) {
      const h = headers();
      if (opts.traceparent) h.set('traceparent', opts.traceparent);
      const body = opts.raw ?? JSON.stringify(value);
      for (let attempt = 0; ; attempt++) {
        try {
          const ack = await js.publish(subject, body, { headers: h, msgID: opts.msgId, timeout: 2000 });
          return ack.seq;
        } catch (err) {
          if (attempt > 200) throw err;
          await sleep(100);
        }
      }
    },
  };
}

/** Polls until `check` returns a truthy value (which it returns), or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await sleep(50);
  }
}

/** A consumer with nothing left to hand out and nothing awaiting an ack. */
export async function consumerSettled(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<boolean> {
  const info = await jsm.consumers.info(stream, durable);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}
