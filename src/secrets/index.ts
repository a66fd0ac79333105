/** Public surface of the secrets room (L06, L07, leak index) for the daemon and the CLI. */
export {
  openSecretStore,
  rotateMasterKey,
  pendingKeyPath,
  type SecretStore,
  type MasterKeySource,
  type OpenSecretStoreOptions,
} from './store.js';
export { Vault, VAULT_FILE, vaultPath, checkSecretName } from './vault.js';
export { createScopedSecrets } from './scoped.js';
export { LeakIndex } from './leak-index.js';
export { foldedSymbols, type FragmentScan } from './value-fragments.js';
export { redactLeakHits } from '../text/index.js';
export { encodedForms, MIN_FORM_LENGTH } from './encodings.js';
export { captureEnvSecrets, looksLikeSecretEnvName, type EnvSecrets } from './env-secrets.js';
export {
  loadMasterKey,
  defaultKeyFilePath,
  MASTER_KEY_ENV,
  CREDENTIAL_NAME,
  type MasterKeyOptions,
} from './master-key.js';
export {
  SecretsConfigSchema,
  AgentSecretsSchema,
  secretScopesFromConfig,
  secretRefNames,
  createSecretResolver,
  resolveSecretRef,
  masterKeyOptionsFromConfig,
  type SecretResolver,
  type ResolveContext,
} from './config.js';
export { globMatches } from './glob.js';
export type { AccessContext, SecretReader, SecretMeta } from './types.js';
export { secretLayers } from './layer-report.js';
export type { ScopeConfigView, SecretsConfig } from './config.js';
export { MAX_DOTENV_BYTES, parseDotenv } from './dotenv.js';
export { anyGlobMatches, isReservedSecretName } from './glob.js';
export { auditPlaintext } from './plaintext-audit.js';
export { checkDaemonFiles, daemonFileProblems, keyLocationOf } from './trusted-files.js';
export { vaultNames } from './vault-names.js';
export {
  DAY_MS,
  EC_ALG,
  importSigningKey,
  newKeyPair,
  newSerial,
  pemBlock,
  pemDer,
  privateKeyPem,
  x509,
  type CryptoKey,
  type CryptoKeyPair,
} from './ec-certificates.js';
