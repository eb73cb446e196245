/**
 * A small HTTP CONNECT proxy for tests, on 127.0.0.1: it tunnels to 127.0.0.1, localhost and names under `.test`
 * only (all to 127.0.0.1; such names resolve nowhere else), records each tunnel with the local port of its upstream socket (the remote port the
 * target server sees), and refuses anything else (plain HTTP requests, other hosts, more than `maxTunnels`).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Tunnel {
  host: string;
  port: number;
  /** Local port of the proxy's connection to the target. */
  localPort: number;
}

export interface ConnectProxy {
  url: string;
  tunnels: Tunnel[];
  close(): Promise<void>;
}

/**
 * A name only this proxy resolves (to 127.0.0.1; the emulator's certificate names it): a request to it that
 * arrives came through the proxy. Clients that never proxy loopback hosts (@actions/http-client) still proxy it.
 */
export const PROXY_ONLY_HOST = 'emulator.test';

const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', PROXY_ONLY_HOST]);

export async function startConnectProxy(options: { maxTunnels?: number } = {}): Promise<ConnectProxy> {
  const maxTunnels = options.maxTunnels ?? 200;
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('CONNECT only\n');
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    const host = target?.[1] ?? '';
    const port = Number(target?.[2] ?? 0);
    if (!(ALLOWED_HOSTS.has(host) || host.endsWith('.test')) || port <= 0 || tunnels.length >= maxTunnels) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    track(upstream);
    upstream.once('connect', () => {
      tunnels.push({ host, port, localPort: upstream.localPort ?? 0 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = (): void => {
      upstream.destroy();
      client.destroy();
    };
    upstream.once('error', () => (client.writable && tunnels.every((t) => t.localPort !== upstream.localPort) ? client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n') : end()));
    client.once('error', end);
    upstream.once('close', end);
    client.once('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
