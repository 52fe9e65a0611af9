export * from './types.js';
export * from './rules.js';
export * from './packer.js';
