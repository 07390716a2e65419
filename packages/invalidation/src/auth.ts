// The check lives in @gatecache/core so the metrics and warming routers run the very same one.
export { PRINCIPAL, createAuth, tokenId } from '@gatecache/core';
export type { AuthOptions, AuthScope as Scope, Principal, RouteAuth } from '@gatecache/core';
