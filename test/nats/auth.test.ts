import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/env.js';
import { logCapture } from '../helpers/log-capture.js';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { operatorSetup } from '../helpers/nats-jwt.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { makePki } from '../helpers/pki.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';
import { natsApp } from './nats-app.js';

type Env = Partial<Record<keyof Config, string>>;

interface Case {
  /** The server's configuration file. */
  server: string;
  /** How the test's own publisher connects. */
  client: ConnectionOptions;
  /** The service's variables, given the server's port. */
  env: (port: number) => Env;
}

/** A reward over JetStream reaches the app's state: the proof that the consumers run on this server. */
async function rewardOverJetStream(c: Case): Promise<void> {
  const server = await startNatsServer([], c.server);
  const { app } = await natsApp(c.env(server.port).NATS_URL!, c.env(server.port));
  const client = await testClient(`nats://127.0.0.1:${server.port}`, c.client);
  const scored = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('auth-u') });
  const reward = {
    user_id: 'auth-u',
    reward: 1,
    event_id: scored.json().event_id,
    candidate_id: CANDIDATES[0]!.id,
  };
  await client.publish('feedback.reward.linucb_v1', reward);
  await waitFor('the reward applied', async () => {
    const stats = await app.inject({ method: 'GET', url: '/stats/auth-u' });
    return stats.json().n_updates === 1;
  });
  expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ ready: true });
}

const url = (port: number, scheme = 'nats') => `${scheme}://127.0.0.1:${port}`;

describe('NATS authentication and TLS', () => {
  it('user and password (NATS_USER, NATS_PASSWORD)', async () => {
    await rewardOverJetStream({
      server: 'authorization { user: "svc", password: "s3cret pass" }',
      client: { user: 'svc', pass: 's3cret pass' },
      env: (port) => ({ NATS_URL: url(port), NATS_USER: 'svc', NATS_PASSWORD: 's3cret pass' }),
    });
  });

  it('user and password written in NATS_URL', async () => {
    await rewardOverJetStream({
      server: 'authorization { user: "svc", password: "p@ss:word" }',
      client: { user: 'svc', pass: 'p@ss:word' },
      env: (port) => ({ NATS_URL: `nats://svc:${encodeURIComponent('p@ss:word')}@127.0.0.1:${port}` }),
    });
  });

  it('token (NATS_TOKEN)', async () => {
    await rewardOverJetStream({
      server: 'authorization { token: "t0ken-xyz" }',
      client: { token: 't0ken-xyz' },
      env: (port) => ({ NATS_URL: url(port), NATS_TOKEN: 't0ken-xyz' }),
    });
  });

  it('NKey (NATS_NKEY_SEED_FILE)', async () => {
    const user = createUser();
    const seedFile = join(tempDir(), 'user.nk');
    writeFileSync(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    await rewardOverJetStream({
      server: `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`,
      client: { authenticator: nkeyAuthenticator(user.getSeed()) },
      env: (port) => ({ NATS_URL: url(port), NATS_NKEY_SEED_FILE: seedFile }),
    });
  });

  it('a .creds file (NATS_CREDS) against a server in operator mode', async () => {
    const { serverConfig, creds } = operatorSetup();
    const credsFile = join(tempDir(), 'svc.creds');
    writeFileSync(credsFile, creds);
    await rewardOverJetStream({
      server: serverConfig,
      client: { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) },
      env: (port) => ({ NATS_URL: url(port), NATS_CREDS: credsFile }),
    });
  });

  it('TLS with a private CA (NATS_TLS_CA), on a tls:// URL', async () => {
    const pki = makePki();
    await rewardOverJetStream({
      server: `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" }`,
      client: { tls: { caFile: pki.ca } },
      env: (port) => ({ NATS_URL: url(port, 'tls'), NATS_TLS_CA: pki.ca }),
    });
  });

  it('mutual TLS (NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY) with a password on top', async () => {
    const pki = makePki();
    await rewardOverJetStream({
      server: `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true }
authorization { user: "svc", password: "pw" }`,
      client: {
        tls: { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey },
        user: 'svc',
        pass: 'pw',
      },
      env: (port) => ({
        NATS_URL: url(port),
        NATS_TLS_CA: pki.ca,
        NATS_TLS_CERT: pki.clientCert,
        NATS_TLS_KEY: pki.clientKey,
        NATS_USER: 'svc',
        NATS_PASSWORD: 'pw',
      }),
    });
  });

  it('a wrong password: /ready 503 naming authentication and the variables, and an error line saying so', async () => {
    const server = await startNatsServer([], 'authorization { user: "svc", password: "right" }');
    const logs = logCapture();
    const { app } = await testApp(
      { NATS_URL: server.url, NATS_USER: 'svc', NATS_PASSWORD: 'wrong', LOG_LEVEL: 'info' },
      { logDestination: logs.stream },
    );
    const ready = await waitFor('a reason', async () => {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      const body = res.json() as { ready: boolean; reasons?: string[] };
      return res.statusCode === 503 && body.reasons?.some((r) => /authentication/.test(r)) ? body : null;
    });
    expect(ready.ready).toBe(false);
    expect(ready.reasons!.join('\n')).toMatch(
      /nats not connected: authentication failed with user "svc" \(NATS_USER\/NATS_PASSWORD\)/,
    );
    const line = logs.lines.find((l) => l.level === 'error' && /^nats connection failed/.test(String(l.msg)));
    expect(line?.msg).toMatch(/authentication failed with user "svc" \(NATS_USER\/NATS_PASSWORD\)/);
    expect(JSON.stringify(logs.lines)).not.toContain('wrong');
    // Liveness stays separate: the process is alive and says so.
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('a server certificate not signed by NATS_TLS_CA is named as a TLS failure', async () => {
    const pki = makePki();
    const server = await startNatsServer(
      [],
      `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true }`,
    );
    const { app } = await testApp({ NATS_URL: server.url, NATS_TLS_CA: pki.otherCa });
    const ready = await waitFor('a reason', async () => {
      const body = (await app.inject({ method: 'GET', url: '/ready' })).json() as { reasons?: string[] };
      return body.reasons?.find((r) => r.startsWith('nats not connected: TLS failed'));
    });
    expect(ready).toContain('NATS_TLS_CA');
  });

  it('no client certificate for a server that requires one: the reason says to set one', async () => {
    const pki = makePki();
    const server = await startNatsServer(
      [],
      `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true }`,
    );
    const { app } = await testApp({ NATS_URL: server.url, NATS_TLS_CA: pki.ca });
    const ready = await waitFor('a reason', async () => {
      const body = (await app.inject({ method: 'GET', url: '/ready' })).json() as { reasons?: string[] };
      return body.reasons?.find((r) => r.startsWith('nats not connected: servers'));
    });
    expect(ready).toMatch(/over TLS \(NATS_TLS_CA\).*set NATS_TLS_CERT and NATS_TLS_KEY/);
  });

  it('the KV state store takes the same settings; a wrong password stops the start, named', async () => {
    const server = await startNatsServer([], 'authorization { user: "svc", password: "right" }');
    const kv = { STATE_BACKEND: 'nats-kv', NATS_KV_URL: server.url, NATS_USER: 'svc' } as const;
    const { app } = await testApp({ ...kv, NATS_PASSWORD: 'right' });
    const scored = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('kv-u') });
    const reward = { user_id: 'kv-u', reward: 1, event_id: scored.json().event_id, candidate_id: 't1' };
    expect((await app.inject({ method: 'POST', url: '/reward', payload: reward })).json()).toMatchObject({
      applied: true,
    });
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ ready: true });
    await expect(testApp({ ...kv, NATS_PASSWORD: 'wrong' })).rejects.toThrow(
      /^nats-kv state store: authentication failed with user "svc" \(NATS_USER\/NATS_PASSWORD\)/,
    );
  });
});
