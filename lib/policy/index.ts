export * from './types.js';
export * from './errors.js';
export * from './communities.js';
export * from './compile.js';
export * from './evaluate.js';
export * from './actions.js';
export * from './as-path.js';
export * from './limits.js';
