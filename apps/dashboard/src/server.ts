// Listens: the dashboard app on a host and port (127.0.0.1 unless told otherwise).

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { AppOptions, DashboardApp } from './app.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4173;

export interface ServerOptions extends AppOptions {
  /** 0 picks a free port. Default 4173. */
  readonly port?: number;
  /** Default 127.0.0.1 (this machine only). */
  readonly host?: string;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly app: DashboardApp;
  close(): Promise<void>;
}

export function startServer(options: ServerOptions): Promise<DashboardServer> {
  const app = createApp(options);
  const host = options.host ?? DEFAULT_HOST;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, (info: AddressInfo) => {
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}/`,
        port: info.port,
        host,
        app,
        close: () =>
          new Promise<void>((done) => {
            app.close();
            server.close(() => done());
            // Event streams stay open until their clients go: end them now.
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    server.once('error', (e) => {
      app.close();
      reject(e);
    });
  });
}
