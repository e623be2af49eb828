/** What /health shows for one consumer (CONTRACT §4), plus the dead-letter count and whether it runs. */
export interface ConsumerCounters {
  last_msg_ts: string | null;
  processed: number;
  errors: number;
  dead_lettered: number;
  running: boolean;
}

export function newCounters(): ConsumerCounters {
  return { last_msg_ts: null, processed: 0, errors: 0, dead_lettered: 0, running: false };
}
