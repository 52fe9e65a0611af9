#!/usr/bin/env node
/** btrd — the bug-tolerant BGP speaker. Until the speaker lands (issue 3) this prints its help and exits 0. */
const HELP = `btrd — a bug-tolerant BGP speaker

Usage: btrd [--config FILE]

The wire codec (btrd/wire) and MRT reader/writer (btrd/mrt) are available; the speaker itself
(sessions, decision process, replicas) is being built. See README.md.
`;
process.stdout.write(HELP);
