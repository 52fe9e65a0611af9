/** btrd/mrt — MRT (RFC 6396) reader, TABLE_DUMP_V2 and BGP4MP writer, and RIB → UPDATE stream conversion. */
export * from './types.js';
export * from './reader.js';
export * from './writer.js';
export * from './to-updates.js';
