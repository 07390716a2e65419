export { cachedSummarizer } from './cached-summarizer';
export { contextCondenser, CONDENSED_HEADER, TOKENS_REMOVED_HEADER } from './condenser';
export { condense } from './condense';
export type { CondenseInput, CondenseResult } from './condense';
export { stableBlocks } from './blocks';
export type { Block } from './blocks';
export {
  SUMMARY_HEADER,
  attachedToPrevious,
  isInstruction,
  summaryMessage,
  transcript,
} from './conversation';
export { DEFAULT_SUMMARY_PROMPT, gatewaySummarizer } from './gateway-summarizer';
export type { GatewaySummarizerOptions } from './gateway-summarizer';
export { BUILTIN_CONTEXT_WINDOWS, DEFAULT_CONTEXT_WINDOW, createWindowTable } from './model-table';
export {
  ESTIMATE_TOKENS_PER_MESSAGE,
  OPENAI_REPLY_PRIMING_TOKENS,
  OPENAI_TOKENS_PER_MESSAGE,
  MAX_PIECE_CHARS,
  contentText,
  createTokenCounter,
  preloadEncodings,
} from './tokens';
export { DEFAULTS } from './defaults';
export type * from './types';
export { summaryEndpointKey } from './summary-endpoint-key';
export type { SummaryEndpointKeyOptions } from './summary-endpoint-key';
