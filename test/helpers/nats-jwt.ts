import { createHash } from 'node:crypto';
import { createAccount, createOperator, createUser, type KeyPair } from '@nats-io/nkeys';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

/** A NATS JWT (ed25519-nkey), signed by `issuer`, as nats-server's operator mode reads it. */
function sign(issuer: KeyPair, sub: string, name: string, nats: Record<string, unknown>): string {
  const claims: Record<string, unknown> = {
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub,
    nats: { ...nats, version: 2 },
  };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url').toUpperCase();
  const head = `${b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64(JSON.stringify(claims))}`;
  return `${head}.${b64(issuer.sign(new TextEncoder().encode(head)))}`;
}

/**
 * An operator, an account with JetStream and a user of it (`nsc` is not here): the server configuration
 * that trusts them, and the user's `.creds` file text.
 */
export function operatorSetup(): { serverConfig: string; creds: string } {
  const operator = createOperator();
  const account = createAccount();
  // JetStream in operator mode needs a system account.
  const system = createAccount();
  const user: KeyPair = createUser();
  const operatorJwt = sign(operator, operator.getPublicKey(), 'op', {
    type: 'operator',
    system_account: system.getPublicKey(),
  });
  const unlimited = -1;
  const accountJwt = sign(operator, account.getPublicKey(), 'acc', {
    type: 'account',
    limits: {
      subs: unlimited,
      data: unlimited,
      payload: unlimited,
      imports: unlimited,
      exports: unlimited,
      wildcards: true,
      conn: unlimited,
      leaf: unlimited,
      mem_storage: unlimited,
      disk_storage: unlimited,
      streams: unlimited,
      consumer: unlimited,
    },
  });
  const systemJwt = sign(operator, system.getPublicKey(), 'SYS', { type: 'account' });
  const userJwt = sign(account, user.getPublicKey(), 'svc', {
    type: 'user',
    pub: {},
    sub: {},
    subs: unlimited,
    data: unlimited,
    payload: unlimited,
  });
  const seed = new TextDecoder().decode(user.getSeed());
  const creds = `-----BEGIN NATS USER JWT-----
${userJwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------
`;
  const serverConfig = `operator: "${operatorJwt}"
resolver: MEMORY
system_account: ${system.getPublicKey()}
resolver_preload: {
  ${account.getPublicKey()}: "${accountJwt}"
  ${system.getPublicKey()}: "${systemJwt}"
}
`;
  return { serverConfig, creds };
}
