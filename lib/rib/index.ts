export * from './types.js';
export * from './errors.js';
export * from './engine.js';
export { RibRoute, addressKey, attrRank } from './route.js';
export { ImportPipeline, type ImportVerdict } from './import.js';
