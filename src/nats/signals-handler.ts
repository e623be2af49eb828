import type { Logger } from 'pino';
import { RevisionConflictError, type StateStore } from '../state/state-store.js';
import type { MessageHandler } from './message-handler.js';
import { parsePayload } from './payload.js';
import { SyncDocument, TaskSynced, TipFeedback } from './schemas.js';

const MAX_CAS_RETRIES = 16;

/** `signals.>`: task syncs are written to the user's sync document, tip feedback is logged, the rest acked. */
export function signalsHandler(deps: { store: StateStore; log: Logger }): MessageHandler {
  const { store, log } = deps;
  return async (subject, data) => {
    switch (subject) {
      case 'signals.task.synced':
        return writeSync(store, parsePayload(TaskSynced, data));
      case 'signals.tip.feedback': {
        const tip = parsePayload(TipFeedback, data);
        log.info(
          { subject, user: tip.user_id, tip_id: tip.tip_id, feedback: tip.feedback, ts: tip.ts },
          'tip feedback',
        );
        return 'logged';
      }
      default:
        log.info({ subject, bytes: data.length }, 'signal without a handler; acked');
        return 'ignored';
    }
  };
}

/**
 * Keeps the newest sync: an older (or equal) `ts` than the stored one changes nothing. Compare-and-set on
 * the store's revision, so that two deliveries racing (or two replicas) cannot put an older one back.
 */
async function writeSync(store: StateStore, s: TaskSynced): Promise<string> {
  const key = { user: s.user_id, doc: 'sync' } as const;
  const ts = Date.parse(s.ts);
  for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
    const current = await store.load(key);
    const stored = current === null ? null : SyncDocument.safeParse(current.value);
    if (stored?.success && Date.parse(stored.data.last_sync_ts) >= ts) return 'stale';
    const doc: SyncDocument = { last_sync_ts: s.ts, task_count: s.task_count };
    try {
      await store.save(key, doc, current?.revision ?? null);
      return 'synced';
    } catch (err) {
      if (!(err instanceof RevisionConflictError)) throw err;
    }
  }
  throw new Error(`sync document of ${s.user_id} kept changing under ${MAX_CAS_RETRIES} attempts`);
}
