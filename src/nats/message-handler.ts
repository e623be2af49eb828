/**
 * Applies one message's effect and resolves once it is persisted, with a word for the log line
 * (`applied`, `duplicate`, `stale`, …); throws when the message must be retried or dead-lettered.
 */
export type MessageHandler = (subject: string, data: Uint8Array) => Promise<string>;
