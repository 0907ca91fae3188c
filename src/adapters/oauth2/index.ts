// OAuth2 sign-in against a provider (openid-client 6). The app loads this on demand, so commands
// that never touch an OAuth2 account never load openid-client.
export { type ClientSpec, type DeviceStart, newPkce, type OAuthClient, openClient, type PkceState, type PresetMetadata, type TokenGrant } from './client.js';
export { classifyOAuthError, OAuthFailure, type OAuthFailureKind } from './errors.js';
export { type LoopbackCallback, type LoopbackListener, startLoopbackListener } from './loopback-listener.js';
export { chooseFlow, parseRedirectAnswer, type RedirectAnswer, redirectWithPort, type SignInFlow } from './redirect.js';
