export {
  DEFAULT_MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  nestsDeeperThan,
  parseJsonBody,
  readRawBody,
  readRequestBody,
} from './body';
export type { BodyRequest, BodyResult } from './body';
export { bodyRefusal } from './body-check';
export type { BodyRefusal } from './body-check';
export {
  CREDENTIAL_HEADERS,
  CREDENTIAL_QUERY_PARAMS,
  hasSecretFields,
  isCredentialParam,
  isSecretName,
  withoutCredentials,
} from './credentials';
export { DEFAULT_MAX_ENTRY_BYTES, buildEntry, headRefusal } from './entry';
export type { BuildArgs, ResponseHead, StoreVerdict } from './entry';
export {
  STORED_HEADERS,
  contentEncodingOf,
  contentTypeOf,
  forbidsStorage,
  isEventStream,
  storableHeaders,
} from './headers';
export { costOf, priceOf } from './prices';
export type { ModelPrice } from './prices';
export { DEFAULT_RECIPE_MAX_BYTES, RECIPE_HEADERS, buildRecipe, isSecretHeader } from './recipe';
export type { Recipe } from './recipe';
export { PROVIDERS, STORED_OBJECT, createRouteMemo, matchRoute, routeOf } from './route';
export type { Provider, RouteInfo, RouteMatch, RouteMemo, RouteRequest } from './route';
export { namesAccountObject, providerStateOf, storesAnswer } from './state';
export type { ProviderState } from './state';
export { canConvert, createSseParser, jsonToSse, parseSse, sseToJson, streamOutcome, usageOf } from './sse';
export type { SseEvent, SseParser, SseRoute, StreamOutcome, TokenUsage } from './sse';
