/** The gateway room's public surface: everything other rooms use from it, and nothing else. */
export { auditRouteGroup } from './admin/audit-routes.js';
export { sessionsRouteGroup } from './admin/sessions-routes.js';
export { tokenRouteGroup } from './admin/token-routes.js';
export { usageRouteGroup } from './admin/usage-routes.js';
export { createGateway, gatewayLayers, type TlsSummary } from './app.js';
export { approvalsRouteGroup } from './approvals-routes.js';
export { clientCertAuth } from './auth/client-cert.js';
export { SCOPE_HELP } from './auth/scopes.js';
export { TokenStore } from './auth/token-store.js';
export { checkBindHost } from './bind-policy.js';
export { channelWebhookRouteGroup } from './channel-routes.js';
export { hooksRouteGroup } from './hooks-routes.js';
export { memoryRouteGroup } from './memory-routes.js';
export { listen } from './server.js';
export { statusRouteGroup } from './status-routes.js';
export { createWebUi, loadUiAssets } from './ui/index.js';
export { workspaceRouteGroup } from './workspace-routes.js';
