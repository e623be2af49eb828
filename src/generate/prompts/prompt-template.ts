/** One message of an OpenAI-compatible chat completion request. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface PromptInput {
  /** The caller's context object, as sent (at most 16 KiB of JSON). */
  readonly context: Readonly<Record<string, unknown>>;
  /** How many tips the caller wants. */
  readonly n: number;
}

/**
 * A versioned prompt. A version is never edited once released: a changed wording is a new version, so
 * that tips (and the rewards they later earn) can be traced to the exact prompt that produced them.
 */
export interface PromptTemplate {
  readonly version: string;
  readonly temperature: number;
  readonly maxTokens: number;
  render(input: PromptInput): ChatMessage[];
}
