export * from './types.js';
export * from './tie-breaks.js';
export * from './best-path.js';
