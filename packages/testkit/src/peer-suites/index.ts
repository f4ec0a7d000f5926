/**
 * The peers' test tables (../shared/peer-suites, read at test time, never copied) and the harness that runs our
 * code over every row. A subpath of its own (`@isar/testkit/peer-suites`): it imports vitest, which the rest of
 * the kit does not need.
 */
export type { Exception, PeerRow, RowOutcome } from './peer-rows.js';
export { attempt, describePeerTable } from './peer-rows.js';
export type { PeerTable } from './peer-table.js';
export { loadPeerTable, peerSuitesDir } from './peer-table.js';
