import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logCapture } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp-dir.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('log lines of a request', () => {
  it('carry the trace_id of its traceparent, also from modules deep in the call', async () => {
    const dir = tempDir();
    // A corrupt file makes the state module log at error level while it handles the request.
    writeFileSync(join(dir, 'u9.json'), 'not json');
    const log = logCapture();
    const { app } = await testApp(
      { STATE_BACKEND: 'file', STATE_DIR: dir, LOG_LEVEL: 'info', LOG_REQUESTS: '1' },
      { logDestination: log.stream },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
      payload: scoreBody('u9'),
    });
    expect(res.statusCode).toBe(200);
    const fromRequest = log.lines.filter((l) => l.trace_id === TRACE);
    expect(fromRequest.some((l) => l.level === 'error' && String(l.msg).includes('moved aside'))).toBe(true);
    expect(fromRequest.some((l) => String(l.msg).includes('request completed'))).toBe(true);
  });

  it('carry a request id when there is no traceparent', async () => {
    const log = logCapture();
    const { app } = await testApp({ LOG_LEVEL: 'info', LOG_REQUESTS: '1' }, { logDestination: log.stream });
    await app.inject({ method: 'GET', url: '/stats/u1' });
    const reqLines = log.lines.filter(
      (l) => String(l.msg).startsWith('request') || String(l.msg).includes('incoming'),
    );
    expect(reqLines.length).toBeGreaterThan(0);
    for (const l of reqLines) expect(typeof l.reqId).toBe('string');
    expect(log.lines.some((l) => 'trace_id' in l)).toBe(false);
  });

  it('are not written per request by default, and what is written still carries the trace_id', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'u9.json'), 'not json');
    const log = logCapture();
    const { app } = await testApp(
      { STATE_BACKEND: 'file', STATE_DIR: dir, LOG_LEVEL: 'info' },
      { logDestination: log.stream },
    );
    const headers = { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` };
    for (const user of ['u8', 'u9'])
      expect(
        (await app.inject({ method: 'POST', url: '/score', headers, payload: scoreBody(user) })).statusCode,
      ).toBe(200);
    const during = log.lines.filter((l) => l.msg !== 'scoring backend selected');
    // Only the corrupt file's error line: no "incoming request" / "request completed" pair per request.
    expect(during.map((l) => l.msg)).toEqual([expect.stringContaining('moved aside')]);
    expect(during[0]!.trace_id).toBe(TRACE);
  });
});
