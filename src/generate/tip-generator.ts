import type { Logger } from 'pino';
import { UpstreamError, ValidationError } from '../errors/app-errors.js';
import type { GatewayClient } from './gateway-client.js';
import { PROMPTS } from './prompts/mod.js';
import { extractTips, type TipCandidate, toCandidates } from './reply-parser.js';

export interface GenerateInput {
  readonly user_id: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly n: number;
  readonly prompt_version?: string | undefined;
}

export interface GenerateCall {
  /** Aborted when our client goes away: the gateway call is cancelled. */
  readonly signal?: AbortSignal;
  /** A valid W3C `traceparent` of the incoming request, forwarded to the gateway. */
  readonly traceparent?: string | undefined;
}

export interface GenerateResult {
  readonly user_id: string;
  readonly prompt_version: string;
  readonly model: string;
  readonly candidates: TipCandidate[];
}

export interface TipGeneratorOptions {
  readonly gateway: GatewayClient;
  /** DEFAULT_PROMPT_VERSION, checked against PROMPTS when the config is loaded. */
  readonly defaultPromptVersion: string;
  readonly log: Logger;
}

/** Renders the versioned prompt, asks the gateway, and turns its reply into at most n distinct tips. */
export class TipGenerator {
  constructor(private readonly opts: TipGeneratorOptions) {}

  async generate(input: GenerateInput, call: GenerateCall = {}): Promise<GenerateResult> {
    const version = input.prompt_version ?? this.opts.defaultPromptVersion;
    const prompt = PROMPTS[version];
    if (!prompt) throw ValidationError.at(['body', 'prompt_version'], `unknown prompt version "${version}"`);

    const completion = await this.opts.gateway.complete(
      {
        messages: prompt.render({ context: input.context, n: input.n }),
        temperature: prompt.temperature,
        maxTokens: prompt.maxTokens,
        traceparent: call.traceparent,
      },
      call.signal,
    );
    const candidates = toCandidates(extractTips(completion.content), input.n);
    // Token usage is what the gateway bills; it is logged for every answered call, usable or not.
    const fields = {
      user_id: input.user_id,
      prompt_version: version,
      model: completion.model,
      usage: completion.usage,
      latency_ms: completion.latencyMs,
      requested: input.n,
      returned: candidates.length,
    };
    if (candidates.length === 0) {
      this.opts.log.warn(
        { ...fields, reply_chars: completion.content.length },
        'gateway reply holds no usable tip',
      );
      throw new UpstreamError('the gateway reply holds no usable tip');
    }
    this.opts.log.info(fields, 'tips generated');
    return { user_id: input.user_id, prompt_version: version, model: completion.model, candidates };
  }
}
