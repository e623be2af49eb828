import { describe, expect, it } from 'vitest';
import { type ConfigError, configWith } from '../../src/config/env.js';
import { natsConnectSettings } from '../../src/config/nats-connect-settings.js';
import { NatsSetupError, natsClientOptions, parseServers } from '../../src/nats/connect-options.js';
import { subjectCovers } from '../../src/nats/topology-drift.js';

describe('NATS connection settings', () => {
  it('lifts credentials out of the URLs, keeps the servers, and notes tls://', () => {
    expect(parseServers('nats://svc:p%40ss@a:4222, tls://b:4223,c:4224')).toEqual({
      servers: ['nats://a:4222', 'tls://b:4223', 'c:4224'],
      user: 'svc',
      pass: 'p@ss',
      tls: true,
    });
    expect(parseServers('nats://t0k@a:4222')).toMatchObject({ servers: ['nats://a:4222'], token: 't0k' });
  });

  it('the variables win over credentials in the URL; the description names them, never the secret', () => {
    const config = configWith({ NATS_URL: 'nats://u:url-secret@a:1', NATS_TOKEN: 'var-secret' });
    const client = natsClientOptions(natsConnectSettings(config, config.NATS_URL));
    expect(client.options).toMatchObject({ servers: ['nats://a:1'], token: 'var-secret' });
    expect(client.options.user).toBeUndefined();
    expect(client.auth).toBe('token (NATS_TOKEN)');
    const fromUrl = natsClientOptions({ servers: 'nats://u:url-secret@a:1', serversVariable: 'NATS_KV_URL' });
    expect(fromUrl.auth).toBe('user "u" (the user:password in NATS_KV_URL)');
    expect(JSON.stringify([client.auth, client.servers, fromUrl.auth, fromUrl.servers])).not.toMatch(
      /secret/,
    );
  });

  it('a file that cannot be read stops the start, naming its variable', () => {
    expect(() => natsClientOptions({ servers: 'a', nkeySeedFile: '/nonexistent/seed' })).toThrow(
      NatsSetupError,
    );
    expect(() => natsClientOptions({ servers: 'a', tlsCa: '/nonexistent/ca.pem' })).toThrow(/^NATS_TLS_CA: /);
  });

  it('two ways to authenticate, a password without a user, or a certificate without its key are config errors', () => {
    const problem = (env: Record<string, string>) => {
      try {
        configWith(env);
        return null;
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problem({ NATS_TOKEN: 't', NATS_CREDS: '/c' })?.[0]?.message).toMatch(/NATS_TOKEN and NATS_CREDS/);
    expect(problem({ NATS_PASSWORD: 'p' })?.[0]?.variable).toBe('NATS_USER');
    expect(problem({ NATS_TLS_CERT: '/c.pem' })?.[0]?.variable).toBe('NATS_TLS_KEY');
    expect(problem({ NATS_STREAM_REPLICAS: '0' })?.[0]?.variable).toBe('NATS_STREAM_REPLICAS');
    expect(problem({ NATS_ACCEPT_EXISTING: 'maybe' })?.[0]?.variable).toBe('NATS_ACCEPT_EXISTING');
  });

  it('subject coverage: wildcards cover what they match and nothing more', () => {
    expect(subjectCovers('feedback.>', 'feedback.>')).toBe(true);
    expect(subjectCovers('>', 'feedback.>')).toBe(true);
    expect(subjectCovers('feedback.reward.>', 'feedback.>')).toBe(false);
    expect(subjectCovers('feedback.*', 'feedback.>')).toBe(false);
    expect(subjectCovers('feedback.*.x', 'feedback.a.x')).toBe(true);
    expect(subjectCovers('feedback', 'feedback.>')).toBe(false);
  });
});
