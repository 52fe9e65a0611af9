/** The BGP session layer: RFC 4271 §8 FSM, timers, TCP connections, OPEN negotiation, collisions. */
export * from './types.js';
export * from './errors.js';
export * from './fsm.js';
export * from './timers.js';
export * from './collision.js';
export * from './negotiation.js';
export * from './connection.js';
export * from './session.js';
export * from './manager.js';
