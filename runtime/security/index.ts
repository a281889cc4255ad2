/** runtime/security/: internal TLS (`security.ssl.internal.*`) for data and control connections. */
export { InternalTls, TlsPeerError, connectInternal, createInternalServer, internalTlsFromConfig } from './internal-tls.js';
export { generateRunScopedPair, type RunScopedPair } from './run-scoped-pair.js';
