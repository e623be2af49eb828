import type { Config } from './env.js';

/**
 * Credentials and TLS files (CONTRACT §6), as plain data from the config: free of any NATS import, so
 * that a service without NATS can build it. Empty or absent: not set.
 */
export interface NatsSecurity {
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly credsFile?: string;
  readonly nkeySeedFile?: string;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

/**
 * How to reach and authenticate to NATS; src/nats/connect-options.ts turns it into client options. The
 * consumers and the KV state store take the same settings.
 */
export interface NatsConnectSettings extends NatsSecurity {
  /** Comma-separated `nats://` or `tls://` URLs; credentials written in them are honoured. */
  readonly servers: string;
  /** The variable `servers` came from, for error messages (NATS_URL when absent). */
  readonly serversVariable?: string;
}

export function natsSecurity(config: Config): NatsSecurity {
  return {
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    token: config.NATS_TOKEN,
    credsFile: config.NATS_CREDS,
    nkeySeedFile: config.NATS_NKEY_SEED_FILE,
    tlsCa: config.NATS_TLS_CA,
    tlsCert: config.NATS_TLS_CERT,
    tlsKey: config.NATS_TLS_KEY,
  };
}

export function natsConnectSettings(
  config: Config,
  servers: string,
  serversVariable = 'NATS_URL',
): NatsConnectSettings {
  return { servers, serversVariable, ...natsSecurity(config) };
}
