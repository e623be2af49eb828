import type { EvaluationResult, EvaluationWindow } from './evaluator.js';
import { OffPolicyEvaluator } from './evaluator.js';
import { type ReadStats, readDecisionLog } from './log-reader.js';

export interface LogEvaluation extends EvaluationResult {
  readonly from: string;
  readonly to: string;
  readonly files: number;
  readonly lines: number;
  /** Torn or unreadable lines that were skipped. */
  readonly skipped_lines: number;
}

/**
 * Evaluates the decisions of [fromMs, toMs] in the log directory, streaming: rewards are read up to one
 * reward window past `toMs`, since a decision near the end of the window is rewarded after it.
 */
export async function evaluateLog(
  dir: string,
  win: EvaluationWindow,
  onProgress?: (readBytes: number, totalBytes: number) => void,
): Promise<LogEvaluation> {
  const evaluator = new OffPolicyEvaluator(win);
  const stats: ReadStats = { files: 0, lines: 0, skipped: 0 };
  const toMs = win.toMs + win.windowMs;
  for await (const record of readDecisionLog(dir, { fromMs: win.fromMs, toMs, onProgress }, stats)) {
    evaluator.add(record);
  }
  return {
    from: new Date(win.fromMs).toISOString(),
    to: new Date(win.toMs).toISOString(),
    ...evaluator.finish(),
    files: stats.files,
    lines: stats.lines,
    skipped_lines: stats.skipped,
  };
}
