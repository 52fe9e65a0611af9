/**
 * btrd/wire — a standalone BGP-4 wire codec (RFC 4271 and extensions). Imports nothing from the rest
 * of btrd. See README.md "The wire codec".
 */
export * from './iana.js';
export * from './errors.js';
export * from './bytes.js';
export * from './address.js';
export * from './prefix.js';
export * from './framing.js';
export * from './types.js';
export * from './attributes.js';
export * from './intern.js';
export * from './update.js';
export * from './capabilities.js';
export * from './open.js';
export * from './notification.js';
export * from './keepalive.js';
export * from './route-refresh.js';
export * from './message.js';
