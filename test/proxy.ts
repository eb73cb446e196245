/**
 * An HTTP proxy that only tunnels (CONNECT), like the proxies in front of self-hosted runners, and records each
 * tunnel. `resolve` maps a requested host to the address to connect to (default: the host itself), so a test can
 * use a name that resolves nowhere: a request that reaches its server went through the proxy.
 */
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY. */
  url: string;
  /** Every CONNECT, in order. */
  tunnels: Array<{ host: string; port: number }>;
  close(): Promise<void>;
}

export async function startConnectProxy(options: { resolve?: (host: string) => string } = {}): Promise<ConnectProxy> {
  const tunnels: ConnectProxy['tunnels'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(405, { 'content-type': 'text/plain' }).end('CONNECT only\n'));
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    if (m === null) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const host = m[1] ?? '';
    const port = Number(m[2]);
    tunnels.push({ host, port });
    const upstream = connect(port, options.resolve?.(host) ?? host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}
