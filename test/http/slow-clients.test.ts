import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SlowScorer } from '../helpers/slow-scorer.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

async function listen(env: Record<string, string>) {
  const { app } = await testApp({ METRICS_PROCESS: '0', ...env });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, port: Number(new URL(url).port) };
}

/** A raw socket, and everything the server sent on it until it closed. */
function rawSocket(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  onTestFinished(() => {
    socket.destroy();
  });
  return { socket, closed };
}

const scoreHead = (contentLength: number) =>
  `POST /score/egreedy HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${contentLength}\r\n\r\n`;

function parseResponse(raw: string): { status: number; headers: string; body: unknown } {
  const [head, body] = raw.split('\r\n\r\n', 2) as [string, string];
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

function expectTimeout(raw: string): void {
  const res = parseResponse(raw);
  expect(res.status, raw).toBe(408);
  expect(res.headers).toContain('connection: close');
  expect(res.body).toEqual({ error: 'request_timeout', message: expect.any(String) });
}

describe('slow clients', () => {
  it('128 sockets sending their bodies a byte at a time do not starve fast /score', async () => {
    // Few slots, and time limits long enough that the slow sockets stay for the whole test.
    const { url, port } = await listen({
      MAX_INFLIGHT: '4',
      MAX_QUEUE: '8',
      REQUEST_TIMEOUT_MS: '120000',
      HEADERS_TIMEOUT_MS: '60000',
    });
    const slow = Array.from({ length: 128 }, () => rawSocket(port));
    await Promise.all(
      slow.map(({ socket }) => new Promise<void>((r) => socket.write(`${scoreHead(490)}{`, () => r()))),
    );
    const trickle = setInterval(() => {
      for (const { socket } of slow) socket.write(' ');
    }, 200);
    onTestFinished(() => clearInterval(trickle));
    // Give the server time to read every slow socket's headers before the fast requests.
    await sleep(300);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/score/egreedy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scoreBody(`fast${i}`)),
      });
      expect(res.status, await res.text()).toBe(200);
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^bandit_admission_inflight\{pool="score"\} 0$/m);
    expect(metrics).not.toMatch(/^bandit_admission_refused_total\{pool="score"/m);
  });

  it('closes a socket that sent its headers and then nothing, with 408 request_timeout', async () => {
    const { port } = await listen({ HEADERS_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '400' });
    const { socket, closed } = rawSocket(port);
    socket.write(scoreHead(490));
    expectTimeout(await closed);
  });

  it('closes a socket whose Content-Length is larger than the body it sent, with 408', async () => {
    const { port } = await listen({ HEADERS_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '400' });
    const body = JSON.stringify(scoreBody('short'));
    const { socket, closed } = rawSocket(port);
    socket.write(scoreHead(body.length + 100) + body);
    expectTimeout(await closed);
  });

  it('closes a socket that stops in the middle of its headers, with 408', async () => {
    const { port } = await listen({ HEADERS_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '400' });
    const { socket, closed } = rawSocket(port);
    socket.write('POST /score/egreedy HTTP/1.1\r\nhost: x\r\ncontent-');
    expectTimeout(await closed);
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const { port } = await listen({ KEEP_ALIVE_TIMEOUT_MS: '200' });
    const { socket, closed } = rawSocket(port);
    socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    const raw = await closed;
    expect(raw.startsWith('HTTP/1.1 200'), raw).toBe(true);
    // Only the one answer: an idle connection is closed, not answered.
    expect(raw.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('keeps a request that takes longer than the limits to answer (they bound reading, not working)', async () => {
    const { app } = await testApp(
      { METRICS_PROCESS: '0', HEADERS_TIMEOUT_MS: '100', REQUEST_TIMEOUT_MS: '100' },
      { scorer: new SlowScorer(600) },
    );
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/score/egreedy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(scoreBody('patient')),
    });
    expect(res.status).toBe(200);
  });

  it('rejects HEADERS_TIMEOUT_MS above REQUEST_TIMEOUT_MS at start, naming it', async () => {
    await expect(testApp({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).rejects.toThrow(
      /HEADERS_TIMEOUT_MS/,
    );
  });
});
