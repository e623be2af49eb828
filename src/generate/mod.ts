export {
  ClientGoneError,
  type Completion,
  GatewayClient,
  type GatewayClientOptions,
  type TokenUsage,
} from './gateway-client.js';
export {
  type ChatMessage,
  isKnownPromptVersion,
  PROMPT_VERSIONS,
  PROMPTS,
  type PromptTemplate,
} from './prompts/mod.js';
export { extractTips, normalizeTip, type TipCandidate, tipId, toCandidates } from './reply-parser.js';
export { type GenerateCall, type GenerateInput, type GenerateResult, TipGenerator } from './tip-generator.js';
