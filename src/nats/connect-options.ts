import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  credsAuthenticator,
  errors,
  type NodeConnectionOptions,
  nkeyAuthenticator,
} from '@nats-io/transport-node';
import type { NatsConnectSettings } from '../config/nats-connect-settings.js';

/** A setting that cannot be used (an unreadable file, say): the message names the variable. */
export class NatsSetupError extends Error {
  override readonly name = 'NatsSetupError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface NatsClientOptions {
  readonly options: NodeConnectionOptions;
  /** How the client authenticates, naming the variables, for error lines and /ready. */
  readonly auth: string;
  /** How TLS is set up, naming the variables ('' when TLS is not asked for). */
  readonly tls: string;
  /** The servers with any credentials removed: safe to log. */
  readonly servers: string[];
  /** Whether a client certificate is sent. */
  readonly clientCert: boolean;
}

interface ParsedServers {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  tls: boolean;
}

/**
 * Splits the URL list, lifting `user:password@` (or a lone `token@`) out of each URL: the client would
 * otherwise not send them. A `tls://` URL makes TLS required.
 */
export function parseServers(list: string): ParsedServers {
  const out: ParsedServers = { servers: [], tls: false };
  for (const raw of list.split(',').map((s) => s.trim())) {
    if (raw === '') continue;
    const scheme = /^([a-z]+):\/\//i.exec(raw)?.[1]?.toLowerCase();
    if (scheme === 'tls') out.tls = true;
    const at = raw.lastIndexOf('@');
    if (at < 0) {
      out.servers.push(raw);
      continue;
    }
    const prefix = scheme ? `${scheme}://` : '';
    const userinfo = raw.slice(prefix.length, at);
    out.servers.push(`${prefix}${raw.slice(at + 1)}`);
    if (out.user !== undefined || out.token !== undefined) continue;
    const colon = userinfo.indexOf(':');
    if (colon < 0) out.token = decodeURIComponent(userinfo);
    else {
      out.user = decodeURIComponent(userinfo.slice(0, colon));
      out.pass = decodeURIComponent(userinfo.slice(colon + 1));
    }
  }
  return out;
}

function readSetting(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new NatsSetupError(variable, `cannot read ${path}: ${(err as Error).message}`);
  }
}

/**
 * The client options for these settings: servers, one way to authenticate (the variables win over
 * credentials in the URL), and TLS from the CA / certificate / key files. Files are read here, so a
 * missing one is named at start.
 */
export function natsClientOptions(settings: NatsConnectSettings): NatsClientOptions {
  const s = {
    user: '',
    password: '',
    token: '',
    credsFile: '',
    nkeySeedFile: '',
    tlsCa: '',
    tlsCert: '',
    tlsKey: '',
    serversVariable: 'NATS_URL',
    ...settings,
  };
  const parsed = parseServers(s.servers);
  const options: NodeConnectionOptions = { servers: parsed.servers };
  let auth: string;
  if (s.credsFile !== '') {
    const creds = new TextEncoder().encode(readSetting('NATS_CREDS', s.credsFile));
    const authenticator: Authenticator = credsAuthenticator(creds);
    try {
      authenticator('');
    } catch (err) {
      throw new NatsSetupError(
        'NATS_CREDS',
        `${s.credsFile} is not a .creds file: ${(err as Error).message}`,
      );
    }
    options.authenticator = authenticator;
    auth = 'creds file (NATS_CREDS)';
  } else if (s.nkeySeedFile !== '') {
    const seed = readSetting('NATS_NKEY_SEED_FILE', s.nkeySeedFile).trim();
    const authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
    try {
      authenticator('probe');
    } catch (err) {
      throw new NatsSetupError(
        'NATS_NKEY_SEED_FILE',
        `${s.nkeySeedFile} holds no usable NKey seed: ${(err as Error).message}`,
      );
    }
    options.authenticator = authenticator;
    auth = 'NKey (NATS_NKEY_SEED_FILE)';
  } else if (s.token !== '') {
    options.token = s.token;
    auth = 'token (NATS_TOKEN)';
  } else if (s.user !== '') {
    options.user = s.user;
    options.pass = s.password;
    auth = `user "${s.user}" (NATS_USER/NATS_PASSWORD)`;
  } else if (parsed.user !== undefined) {
    options.user = parsed.user;
    options.pass = parsed.pass ?? '';
    auth = `user "${parsed.user}" (the user:password in ${s.serversVariable})`;
  } else if (parsed.token !== undefined) {
    options.token = parsed.token;
    auth = `token (the token in ${s.serversVariable})`;
  } else {
    auth =
      'no credentials (NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS and NATS_NKEY_SEED_FILE are unset)';
  }
  const tlsParts: string[] = [];
  if (s.tlsCa !== '' || s.tlsCert !== '' || parsed.tls) {
    options.tls = {};
    if (s.tlsCa !== '') {
      options.tls.ca = readSetting('NATS_TLS_CA', s.tlsCa);
      tlsParts.push('NATS_TLS_CA');
    }
    if (s.tlsCert !== '') {
      options.tls.cert = readSetting('NATS_TLS_CERT', s.tlsCert);
      options.tls.key = readSetting('NATS_TLS_KEY', s.tlsKey);
      tlsParts.push('NATS_TLS_CERT', 'NATS_TLS_KEY');
    }
  }
  const tls = options.tls
    ? `TLS (${tlsParts.length > 0 ? tlsParts.join(', ') : `tls:// in ${s.serversVariable}, system CAs`})`
    : '';
  return { options, auth, tls, servers: parsed.servers, clientCert: s.tlsCert !== '' };
}

/** What kind of failure a connect error is, for the error line and /ready's reason. */
export type ConnectFailureKind = 'authentication' | 'tls' | 'unreachable';

const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_|HOSTNAME_MISMATCH)/;

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
}

export function classifyConnectError(err: unknown): ConnectFailureKind {
  for (const e of chain(err)) {
    if (
      e instanceof errors.AuthorizationError ||
      e instanceof errors.UserAuthenticationExpiredError ||
      /authori[sz]ation violation|authentication/i.test(String((e as Error)?.message))
    )
      return 'authentication';
    const code = String((e as { code?: unknown })?.code ?? '');
    if (TLS_CODES.test(code) || /\btls\b|certificate|ssl/i.test(String((e as Error)?.message))) return 'tls';
  }
  return 'unreachable';
}

/**
 * One line that says what failed and which variables to look at: "authentication failed for user "app"
 * (NATS_USER/NATS_PASSWORD): Authorization Violation".
 */
export function describeConnectFailure(err: unknown, client: NatsClientOptions): string {
  const message = chain(err)
    .map((e) => (e instanceof Error ? e.message : String(e)))
    .filter((m) => m !== '')
    .join(': ');
  switch (classifyConnectError(err)) {
    case 'authentication':
      return `authentication failed with ${client.auth}: ${message}`;
    case 'tls':
      return `TLS failed with ${client.tls || 'no TLS settings (NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY unset)'}: ${message}`;
    default: {
      // A server that verifies client certificates drops a TLS 1.3 client without one after the
      // handshake: the client sees only a timeout, so say what it most likely means.
      const hint =
        client.tls && !client.clientCert && /timeout/i.test(message)
          ? ' (if the server verifies client certificates, set NATS_TLS_CERT and NATS_TLS_KEY)'
          : '';
      return `servers ${client.servers.join(',')} not reachable${client.tls ? ` over ${client.tls}` : ''}: ${message || 'no answer'}${hint}`;
    }
  }
}
