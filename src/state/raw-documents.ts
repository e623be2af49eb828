import type { DocKey } from './state-store.js';

/** A store's documents as stored bytes, for copying between backends without reformatting them. */
export interface RawDocuments {
  keys(): AsyncIterable<DocKey>;
  readRaw(key: DocKey): Promise<Uint8Array | null>;
  /** Replaces the document unconditionally (the migration owns the target while it runs). */
  writeRaw(key: DocKey, bytes: Uint8Array): Promise<void>;
}
