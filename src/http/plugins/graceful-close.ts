import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Lets `close()` finish in-flight requests without waiting on keep-alive sockets. Fastify closes the
 * sockets that are idle when close starts; a socket whose request is still running becomes idle later
 * and would hold the process open until the client's keep-alive ran out. While closing, every
 * response says `Connection: close`, and any socket that has gone idle since is closed.
 */
const gracefulClosePlugin: FastifyPluginAsync = async (app) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async () => {
    if (closing) app.server.closeIdleConnections();
  });
};

export const gracefulClose = fp(gracefulClosePlugin, { name: 'graceful-close' });
