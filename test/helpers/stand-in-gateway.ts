import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface GatewayCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** Settles when the connection closed before the stand-in finished its reply (the caller cancelled). */
  readonly cancelled: Promise<void>;
  readonly wasCancelled: () => boolean;
}

export type GatewayBehaviour = (call: GatewayCall, res: ServerResponse) => void | Promise<void>;

export interface StandInGateway {
  readonly url: string;
  readonly calls: GatewayCall[];
  /** Resolves with the k-th call (from 0) once the stand-in has received it. */
  call(k: number): Promise<GatewayCall>;
  close(): Promise<void>;
}

/**
 * A LiteLLM stand-in: a real HTTP server on loopback answering `POST /v1/chat/completions` as the
 * behaviour says. Each call is recorded, with whether the caller cancelled it mid-flight.
 */
export async function startStandInGateway(behaviour: GatewayBehaviour): Promise<StandInGateway> {
  const calls: GatewayCall[] = [];
  const waiters = new Map<number, (c: GatewayCall) => void>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let cancelledFlag = false;
      const cancelled = new Promise<void>((resolve) => {
        res.once('close', () => {
          if (!res.writableFinished) {
            cancelledFlag = true;
            resolve();
          }
        });
      });
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const call: GatewayCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        cancelled,
        wasCancelled: () => cancelledFlag,
      };
      calls.push(call);
      waiters.get(calls.length - 1)?.(call);
      Promise.resolve(behaviour(call, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  onTestFinished(close);
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    call: (k) =>
      new Promise<GatewayCall>((resolve) => {
        const received = calls[k];
        if (received) resolve(received);
        else waiters.set(k, resolve);
      }),
    close,
  };
}

export interface CompletionOptions {
  readonly model?: string;
  readonly usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  readonly status?: number;
}

/** An OpenAI-style chat completion whose first choice's message is `content`. */
export function completionBody(content: string, opts: CompletionOptions = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-standin',
    object: 'chat.completion',
    created: 1_764_000_000,
    model: opts.model ?? 'stand-in-model',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: opts.usage ?? { prompt_tokens: 120, completion_tokens: 45, total_tokens: 165 },
  });
}

/** A behaviour that answers every call with a completion holding `content`. */
export function replyWith(content: string, opts: CompletionOptions = {}): GatewayBehaviour {
  return (_call, res) => {
    res.writeHead(opts.status ?? 200, { 'content-type': 'application/json' });
    res.end(completionBody(content, opts));
  };
}
