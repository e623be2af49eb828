import type { Logger } from 'pino';
import { UpstreamError, UpstreamTimeoutError } from '../errors/app-errors.js';
import type { ChatMessage } from './prompts/mod.js';

/** A model name as gateways spell them (`openai/gpt-4o-mini`, `tip-generator`), at most 128 characters. */
const MODEL_NAME = /^[\x21-\x7e]{1,128}$/;

export interface GatewayClientOptions {
  /** LITELLM_URL; the client posts to `{baseUrl}/v1/chat/completions`. */
  readonly baseUrl: string;
  /** LITELLM_MASTER_KEY: sent as a bearer token, and scrubbed from anything the gateway echoes back. */
  readonly apiKey: string;
  /** LITELLM_MODEL, the gateway's alias (`tip-generator`). */
  readonly model: string;
  /** GENERATE_TIMEOUT_MS: from sending the request to the end of the reply's body. */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** A reply body larger than this is not a chat completion; reading stops there. */
  readonly maxReplyBytes?: number;
}

export interface CompletionRequest {
  readonly messages: readonly ChatMessage[];
  /** The caller's W3C trace context, passed on so the gateway's spans join the same trace. */
  readonly traceparent?: string | undefined;
  readonly temperature?: number;
  readonly maxTokens?: number;
}

export interface TokenUsage {
  readonly prompt_tokens: number | null;
  readonly completion_tokens: number | null;
  readonly total_tokens: number | null;
}

export interface Completion {
  readonly content: string;
  /** The model the gateway says answered (often the provider's name behind the alias). */
  readonly model: string;
  readonly usage: TokenUsage | null;
  readonly latencyMs: number;
}

/** The caller went away before the gateway answered; the gateway call was cancelled. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection; the gateway call was cancelled');
  }
}

const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;
const SNIPPET_CHARS = 300;

/**
 * The LiteLLM gateway's OpenAI-compatible chat completions, over Node's fetch (undici). One signal
 * aborts the request on the deadline, another when our own client disconnects: either way the socket
 * to the gateway is closed, so the provider stops generating too.
 */
export class GatewayClient {
  readonly #url: string;
  readonly #maxReplyBytes: number;

  constructor(private readonly opts: GatewayClientOptions) {
    this.#url = `${opts.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`;
    this.#maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  }

  get model(): string {
    return this.opts.model;
  }

  async complete(req: CompletionRequest, clientSignal?: AbortSignal): Promise<Completion> {
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = clientSignal ? AbortSignal.any([deadline, clientSignal]) : deadline;
    const started = performance.now();
    let raw: string;
    let status: number;
    try {
      const res = await fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${this.opts.apiKey}`,
          ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        },
        body: JSON.stringify({
          model: this.opts.model,
          messages: req.messages,
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
        }),
        signal,
      });
      status = res.status;
      raw = await readCapped(res, this.#maxReplyBytes);
    } catch (err) {
      if (clientSignal?.aborted) throw new ClientGoneError();
      if (deadline.aborted) throw new UpstreamTimeoutError(this.opts.timeoutMs);
      if (err instanceof UpstreamError) throw err;
      this.opts.log.warn({ url: this.#url, reason: this.#scrub(describe(err)) }, 'gateway unreachable');
      throw new UpstreamError('the gateway could not be reached');
    }
    const latencyMs = Math.round(performance.now() - started);

    if (status < 200 || status >= 300) {
      this.opts.log.warn(
        { status, latency_ms: latencyMs, body: this.#scrub(raw.slice(0, SNIPPET_CHARS)) },
        'gateway answered an error',
      );
      throw new UpstreamError(`the gateway answered HTTP ${status}`);
    }
    const completion = this.#parse(raw, latencyMs);
    return completion;
  }

  #parse(raw: string, latencyMs: number): Completion {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      this.opts.log.warn(
        { latency_ms: latencyMs, body: this.#scrub(raw.slice(0, SNIPPET_CHARS)) },
        'gateway reply is not JSON',
      );
      throw new UpstreamError('the gateway reply is not JSON');
    }
    const b = (body ?? {}) as {
      model?: unknown;
      choices?: { message?: { content?: unknown } }[];
      usage?: Record<string, unknown>;
    };
    const content = Array.isArray(b.choices) ? b.choices[0]?.message?.content : undefined;
    const usage = b.usage && typeof b.usage === 'object' ? tokenUsage(b.usage) : null;
    if (typeof content !== 'string' || content.trim() === '') {
      this.opts.log.warn({ latency_ms: latencyMs, usage }, 'gateway reply has no message content');
      throw new UpstreamError('the gateway reply has no message content');
    }
    // The gateway's word goes into our responses and logs: a printable name of bounded length, or ours.
    const model = typeof b.model === 'string' && MODEL_NAME.test(b.model) ? b.model : this.opts.model;
    return { content, model, usage, latencyMs };
  }

  /** The key must never reach a log line, also when a misbehaving gateway echoes our headers. */
  #scrub(text: string): string {
    const key = this.opts.apiKey;
    return key.length > 0 ? text.split(key).join('[redacted]') : text;
  }
}

function tokenUsage(u: Record<string, unknown>): TokenUsage {
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    prompt_tokens: count(u['prompt_tokens']),
    completion_tokens: count(u['completion_tokens']),
    total_tokens: count(u['total_tokens']),
  };
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new UpstreamError(`the gateway reply is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
