/**
 * Internal TLS, Flink's way (`security.ssl.internal.*`): every data and control connection is TLS with mutual
 * authentication. Each process presents the keystore's certificate and accepts a peer only if the peer's
 * certificate chains to the truststore (and, when `security.ssl.internal.cert.fingerprint` is set, is one of
 * those). Built once from the resolved config; a file or password that does not work fails with an
 * {@link InvalidConfigError} naming the key, before anything listens or dials.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { checkServerIdentity, connect as connectTls, createSecureContext, createServer as createTlsServer, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { FlowlabError, InvalidConfigError, type ResolvedConfig } from '../../core/index.js';

/** Netty's SSL handshake timeout, which Flink keeps when `security.ssl.internal.handshake-timeout` is -1. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A peer failed the TLS handshake or the fingerprint check. Code `ERR_TLS_PEER`. */
export class TlsPeerError extends FlowlabError {
  constructor(
    message: string,
    readonly peer: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_TLS_PEER', `${message} (peer ${peer})`, options);
  }
}

/** The TLS settings of one process; `undefined` from {@link internalTlsFromConfig} means plaintext. */
export class InternalTls {
  private constructor(
    /** What the context was built from (a TLS server builds its own context from options). */
    private readonly contextOptions: SecureContextOptions,
    readonly context: SecureContext,
    private readonly fingerprints: ReadonlySet<string> | undefined,
    readonly handshakeTimeoutMs: number,
    private readonly verifyHostname: boolean,
    private readonly protocol: 'TLSv1.2' | 'TLSv1.3',
  ) {}

  /** Reads the keystore and truststore the config names; throws naming the key that is missing or wrong. */
  static fromConfig(config: ResolvedConfig): InternalTls {
    const keystorePath = config['security.ssl.internal.keystore'];
    const truststorePath = config['security.ssl.internal.truststore'];
    if (keystorePath === null) {
      throw new InvalidConfigError('security.ssl.internal.keystore', null, 'the path of a keystore when security.ssl.internal.enabled is true', {
        detail: 'flowlab run and flowlab cluster start generate a run-scoped self-signed pair; processes started one by one need a shared keystore and truststore.',
      });
    }
    if (truststorePath === null) {
      throw new InvalidConfigError('security.ssl.internal.truststore', null, 'the path of a PEM truststore when security.ssl.internal.keystore is set');
    }
    const keystore = readStore('security.ssl.internal.keystore', keystorePath);
    const truststore = readStore('security.ssl.internal.truststore', truststorePath);
    const protocol = config['security.ssl.protocol'] === 'tlsv1.3' ? 'TLSv1.3' : 'TLSv1.2';
    try {
      createSecureContext({ ca: truststore });
    } catch (error) {
      throw storeError('security.ssl.internal.truststore', truststorePath, 'a PEM file of CA certificates', error);
    }
    const contextOptions: SecureContextOptions =
      config['security.ssl.internal.keystore-type'] === 'pem'
        ? { key: keystore, cert: keystore, passphrase: config['security.ssl.internal.key-password'] ?? undefined, ca: truststore, minVersion: protocol, maxVersion: protocol }
        : { pfx: keystore, passphrase: config['security.ssl.internal.keystore-password'] ?? undefined, ca: truststore, minVersion: protocol, maxVersion: protocol };
    let context: SecureContext;
    try {
      context = createSecureContext(contextOptions);
    } catch (error) {
      const passwordKey = config['security.ssl.internal.keystore-type'] === 'pem' ? 'security.ssl.internal.key-password' : 'security.ssl.internal.keystore-password';
      throw storeError('security.ssl.internal.keystore', keystorePath, `a ${config['security.ssl.internal.keystore-type'] === 'pem' ? 'PEM file with a private key and its certificate' : 'PKCS12 file'} readable with '${passwordKey}'`, error);
    }
    const pinned = config['security.ssl.internal.cert.fingerprint'];
    const fingerprints = pinned === null ? undefined : new Set(pinned.split(',').map(normalizeFingerprint).filter((f) => f !== ''));
    const timeout = config['security.ssl.internal.handshake-timeout'];
    return new InternalTls(contextOptions, context, fingerprints, timeout < 0 ? DEFAULT_HANDSHAKE_TIMEOUT_MS : timeout, config['security.ssl.verify-hostname'], protocol);
  }

  /**
   * A server for internal connections: `onSocket` sees only peers that completed the handshake with a trusted
   * certificate; `onRefused` hears about the others.
   */
  createServer(onSocket: (socket: TLSSocket) => void, onRefused: (error: TlsPeerError) => void): Server {
    const server = createTlsServer({
      ...this.contextOptions,
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: this.handshakeTimeoutMs,
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const refusal = this.checkFingerprint(socket);
      if (refusal) {
        socket.destroy();
        onRefused(refusal);
        return;
      }
      onSocket(socket);
    });
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      onRefused(new TlsPeerError(`TLS handshake refused: ${error.message}`, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, { cause: error }));
      socket.destroy();
    });
    return server;
  }

  /** Dials a peer and resolves once the handshake succeeded and the peer's certificate is trusted. */
  connect(options: { host: string; port: number; noDelay?: boolean }): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const peer = `${options.host}:${options.port}`;
      const socket = connectTls({
        host: options.host,
        port: options.port,
        secureContext: this.context,
        rejectUnauthorized: true,
        minVersion: this.protocol,
        maxVersion: this.protocol,
        checkServerIdentity: this.verifyHostname ? checkServerIdentity : () => undefined,
      });
      if (options.noDelay) socket.setNoDelay(true);
      const timer = setTimeout(() => fail(new TlsPeerError(`TLS handshake did not complete within ${this.handshakeTimeoutMs} ms`, peer)), this.handshakeTimeoutMs);
      timer.unref();
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error instanceof TlsPeerError ? error : new TlsPeerError(`TLS connection failed: ${error.message}`, peer, { cause: error }));
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        const refusal = this.checkFingerprint(socket);
        if (refusal) {
          socket.destroy();
          reject(refusal);
          return;
        }
        resolve(socket);
      });
    });
  }

  private checkFingerprint(socket: TLSSocket): TlsPeerError | undefined {
    if (!this.fingerprints) return undefined;
    const fingerprint = normalizeFingerprint(socket.getPeerCertificate().fingerprint ?? '');
    if (this.fingerprints.has(fingerprint)) return undefined;
    return new TlsPeerError(`certificate fingerprint ${fingerprint} is not in security.ssl.internal.cert.fingerprint`, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
  }
}

/** The process's internal TLS, or undefined when `security.ssl.internal.enabled` is false. */
export function internalTlsFromConfig(config: ResolvedConfig): InternalTls | undefined {
  return config['security.ssl.internal.enabled'] ? InternalTls.fromConfig(config) : undefined;
}

/** A listening-ready server for internal connections: TLS when `tls` is given, else plain TCP. */
export function createInternalServer(tls: InternalTls | undefined, onSocket: (socket: Socket) => void, onRefused: (error: TlsPeerError) => void): Server {
  return tls ? tls.createServer(onSocket, onRefused) : createTcpServer({ noDelay: true }, onSocket);
}

/** Dials an internal peer over TLS when `tls` is given, else plain TCP; resolves when ready to write. */
export function connectInternal(tls: InternalTls | undefined, options: { host: string; port: number; noDelay?: boolean }): Promise<Socket> {
  if (tls) return tls.connect(options);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: options.host, port: options.port, noDelay: options.noDelay ?? false });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function normalizeFingerprint(text: string): string {
  return text.replace(/[:\s]/g, '').toLowerCase();
}

function readStore(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidConfigError(key, path, 'a readable file', { cause: error, detail: error instanceof Error ? error.message : String(error) });
  }
}

function storeError(key: string, path: string, allowed: string, error: unknown): InvalidConfigError {
  return new InvalidConfigError(key, path, allowed, { cause: error, detail: `Node's TLS could not use it: ${error instanceof Error ? error.message : String(error)}.` });
}
