/**
 * The HTTP endpoint a process's Prometheus metrics are scraped from: `GET /metrics` renders them at scrape time,
 * anything else is a 404. Shared by the TaskManager's and the JobManager's exporters.
 */
import { createServer, type Server } from 'node:http';

export interface MetricsHttpServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (chosen by the OS) */
  port?: number;
  /** The exposition text and its content type, rendered for each scrape. */
  render(): Promise<{ contentType: string; text: string }>;
}

export class MetricsHttpServer {
  private stopped = false;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static start(options: MetricsHttpServerOptions): Promise<MetricsHttpServer> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      options.render().then(
        ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') {
          server.close();
          reject(new Error('metrics server has no TCP address'));
          return;
        }
        resolve(new MetricsHttpServer(server, address.address, address.port));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** An exporter served by a {@link MetricsHttpServer}: where it listens, and how it stops. */
export abstract class ServedExporter {
  protected server!: MetricsHttpServer;

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
