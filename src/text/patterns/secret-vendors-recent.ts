/**
 * Vendor token families added after a reviewer's doc-shaped fakes of these vendors came back clean (issue 19
 * item 5). Same rules as secret-vendors.ts: one entry per token type, written from the vendor's own page on
 * the credential (the `source`), a prefix the scanner finds in one pass, a body alphabet and length.
 *
 * Short prefixes on a hex body (`sk-` + 32 hex, `sk_` + 48 hex) are matched bare: a word boundary on both
 * sides and the exact hex length leave no ordinary text (a hash needs a glued prefix such as `disk-` to
 * match, and `\b` rules that out). `pa-` is matched bare only with a body no hand-written word has: 40+
 * characters mixing both cases and digits.
 */
import type { Family } from './secret-vendors.js';

const HEX = '[a-f0-9]';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const mixedWithDigit = (b: string) => /[a-z]/.test(b) && /[A-Z]/.test(b) && /[0-9]/.test(b);

export const RECENT_FAMILIES: readonly Family[] = [
  // --- AI providers ------------------------------------------------------------------------
  {
    id: 'tavily_api_key',
    vendor: 'Tavily',
    what: 'API key',
    prefixes: ['tvly-'],
    body: '(?:dev-|prod-)?[A-Za-z0-9]{32}',
    source: 'https://docs.tavily.com/api-reference/introduction',
    floor: 3.5,
  },
  {
    id: 'nvidia_api_key',
    vendor: 'NVIDIA',
    what: 'NGC / API catalog key',
    prefixes: ['nvapi-'],
    body: '[A-Za-z0-9_-]{64}',
    after: '[A-Za-z0-9_-]',
    source: 'https://docs.api.nvidia.com/nim/docs/api-quickstart',
    floor: 3.5,
  },
  {
    id: 'cerebras_api_key',
    vendor: 'Cerebras',
    what: 'API key',
    prefixes: ['csk-'],
    body: '[A-Za-z0-9]{40,64}',
    source: 'https://inference-docs.cerebras.ai/quickstart',
    floor: 3.5,
  },
  {
    id: 'jina_api_key',
    vendor: 'Jina AI',
    what: 'API key',
    prefixes: ['jina_'],
    body: '[A-Za-z0-9_-]{40,80}',
    after: '[A-Za-z0-9_-]',
    source: 'https://jina.ai/embeddings/#apiform',
    floor: 3.5,
  },
  {
    id: 'voyage_api_key',
    vendor: 'Voyage AI',
    what: 'API key',
    prefixes: ['pa-'],
    body: '[A-Za-z0-9_-]{40,50}',
    after: '[A-Za-z0-9_-]',
    source: 'https://docs.voyageai.com/docs/api-key-and-installation',
    strict: true,
    floor: 4.0,
    require: mixedWithDigit,
  },
  {
    id: 'elevenlabs_api_key',
    vendor: 'ElevenLabs',
    what: 'API key (xi-api-key)',
    prefixes: ['sk_'],
    body: `${HEX}{48}`,
    source: 'https://elevenlabs.io/docs/api-reference/authentication',
    strict: true,
  },
  {
    id: 'deepseek_api_key',
    vendor: 'DeepSeek',
    what: 'API key',
    prefixes: ['sk-'],
    body: `${HEX}{32}`,
    source: 'https://api-docs.deepseek.com/',
    strict: true,
  },
  // --- payments ----------------------------------------------------------------------------
  {
    id: 'paystack_secret_key',
    vendor: 'Paystack',
    what: 'secret key',
    prefixes: ['sk_live_', 'sk_test_'],
    body: `${HEX}{40}`,
    source: 'https://paystack.com/docs/api/authentication/',
    strict: true,
  },
  // --- developer tools, platforms ---------------------------------------------------------
  {
    id: 'posthog_personal_api_key',
    vendor: 'PostHog',
    what: 'personal API key',
    prefixes: ['phx_'],
    body: '[A-Za-z0-9]{40,50}',
    source: 'https://posthog.com/docs/api/personal-api-keys',
    floor: 3.5,
  },
  {
    id: 'sonarqube_token',
    vendor: 'SonarSource',
    what: 'SonarQube user, project analysis or global analysis token',
    prefixes: ['squ_', 'sqp_', 'sqa_'],
    body: `${HEX}{40}`,
    source: 'https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/',
    strict: true,
  },
  {
    id: 'axiom_token',
    vendor: 'Axiom',
    what: 'API token or personal access token',
    prefixes: ['xaat-', 'xapt-'],
    body: UUID,
    after: '[A-Za-z0-9-]',
    source: 'https://axiom.co/docs/reference/tokens',
  },
  {
    id: 'harness_api_token',
    vendor: 'Harness',
    what: 'personal access or service account token',
    prefixes: ['pat.', 'sat.'],
    body: '[A-Za-z0-9_-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}',
    source: 'https://developer.harness.io/docs/platform/User-Management/add-and-manage-api-keys',
    floor: 3.5,
  },
  {
    id: 'openshift_token',
    vendor: 'Red Hat',
    what: 'OpenShift OAuth access token',
    prefixes: ['sha256~'],
    body: '[A-Za-z0-9_-]{43}',
    after: '[A-Za-z0-9_-]',
    source: 'https://docs.okd.io/latest/rest_api/oauth_apis/oauth-apis-index.html',
    floor: 3.5,
  },
  {
    id: 'dropbox_short_lived_token',
    vendor: 'Dropbox',
    what: 'short-lived access token',
    prefixes: ['sl.'],
    body: '[A-Za-z0-9_=.-]{120,1500}',
    after: '[A-Za-z0-9_=.-]',
    source: 'https://developers.dropbox.com/oauth-guide',
    floor: 4.0,
    cleanLeft: true,
  },
  {
    id: '1password_secret_key',
    vendor: '1Password',
    what: 'account Secret Key (34 letters and digits, version A3)',
    prefixes: ['A3-'],
    body: '[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}',
    after: '[A-Za-z0-9-]',
    source: 'https://support.1password.com/secret-key-security/',
    floor: 3.5,
  },
  {
    id: 'x_app_bearer_token',
    vendor: 'X (Twitter)',
    what: 'app-only bearer token (a run of A, then percent-encoded base64)',
    prefixes: ['AAAAAAAAAAAAAAAAAAAA'],
    // The view decodes %2B, %2F and %3D, so both the raw and the decoded form use this alphabet.
    body: '[A-Za-z0-9%+/=]{60,160}',
    after: '[A-Za-z0-9%+/=]',
    source: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/application-only',
    floor: 3.5,
    cleanLeft: true,
    require: (b) => /(?:=|%3D)[A-Za-z0-9]{10}/.test(b) && /[a-z]/.test(b) && /[0-9]/.test(b),
  },
];
