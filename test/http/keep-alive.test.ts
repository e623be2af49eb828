import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/test-app.js';

describe('keep-alive', () => {
  it('outlives common client pools by default (125 s > Go 90 s, nginx 75 s, ALB 60 s)', async () => {
    const { app } = await testApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    expect(app.server.keepAliveTimeout).toBe(125_000);
  });

  it('closes a socket left idle for KEEP_ALIVE_TIMEOUT_MS after its answer', async () => {
    const { app } = await testApp({ KEEP_ALIVE_TIMEOUT_MS: '1000' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/keep-alive: timeout=1/i);
  });
});
