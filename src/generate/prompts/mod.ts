import type { PromptTemplate } from './prompt-template.js';
import { promptV1 } from './v1.js';

export type { ChatMessage, PromptInput, PromptTemplate } from './prompt-template.js';

/** Every released prompt, by version. Adding one is adding a file and a line here. */
export const PROMPTS: Readonly<Record<string, PromptTemplate>> = {
  [promptV1.version]: promptV1,
};

export const PROMPT_VERSIONS = Object.keys(PROMPTS) as [string, ...string[]];

export function isKnownPromptVersion(version: string): boolean {
  return Object.hasOwn(PROMPTS, version);
}
