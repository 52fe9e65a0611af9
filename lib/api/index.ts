export { startApiServer, ApiListenError, type ApiServer, type ApiServerOptions } from './server.js';
export type { ApiProvider, NeighborStatus, PeerState, RibSummary } from './types.js';
