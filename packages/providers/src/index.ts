export { PROVIDERS, createRouteMemo, matchRoute, routeOf } from './route';
export type { Provider, RouteInfo, RouteMatch, RouteMemo, RouteRequest } from './route';
export { canConvert, createSseParser, jsonToSse, parseSse, sseToJson, streamOutcome, usageOf } from './sse';
export type { SseEvent, SseParser, SseRoute, StreamOutcome, TokenUsage } from './sse';
