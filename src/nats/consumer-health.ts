/**
 * What /health shows for one consumer (CONTRACT §4), plus dead-letter counts, whether it runs, and why
 * it does not (for /ready).
 */
export interface ConsumerCounters {
  last_msg_ts: string | null;
  processed: number;
  errors: number;
  dead_lettered: number;
  /** Dead letters that could not be stored (the max-deliveries backstop then retries them). */
  dead_letter_failures: number;
  running: boolean;
  /** Why the last attempt to start it failed (a refused stream, say); null once running. */
  problem: string | null;
}

export function newCounters(): ConsumerCounters {
  return {
    last_msg_ts: null,
    processed: 0,
    errors: 0,
    dead_lettered: 0,
    dead_letter_failures: 0,
    running: false,
    problem: null,
  };
}
