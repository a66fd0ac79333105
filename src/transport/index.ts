/** The transport room's public surface: everything other rooms use from it, and nothing else. */
export {
  createCaFiles,
  createServerPair,
  issueClientFiles,
  listClientFiles,
  revokeAndWriteCrl,
  TLS_FILES,
} from './cert-files.js';
export { ClientCertAuthority, type ClientCertVerdict } from './client-cert.js';
export { CrlWatcher } from './crl.js';
export { loadTlsMaterial, tlsServerOptions, type TlsMaterial } from './tls-material.js';
export { HookReceiver } from './webhooks/receiver.js';
export { SqliteReplayCache } from './webhooks/replay-cache.js';
export { verifyWebhook } from './webhooks/verify.js';
