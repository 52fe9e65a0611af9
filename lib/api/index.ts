export { startApiServer, tokenMatches, ApiListenError, type ApiServer, type ApiServerOptions } from './server.js';
export { queryRoutes, engineRouteSource, formatAsPath, parseAddressOrPrefix, RouteQueryError, type RouteQuery, type RouteQueryResult, type RouteEntryJson, type RouteJson, type RouteSource } from './routes.js';
export * from './types.js';
