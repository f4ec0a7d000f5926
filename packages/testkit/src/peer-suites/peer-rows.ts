import { afterAll, describe, expect, it } from 'vitest';
import type { PeerTable } from './peer-table.js';

/** A row of a peer table: every table has an `id` and a `kind`; the rest depends on the kind. */
export interface PeerRow {
  readonly id: string;
  readonly kind: string;
}

/** What our code answers for a row: whether it agrees with the peer, and what it said (shown on failure). */
export interface RowOutcome {
  readonly agrees: boolean;
  readonly got: unknown;
  readonly expected: unknown;
}

/**
 * A row on which we do not follow the peer, with the reason a user would accept. `different`: we answer
 * otherwise on purpose (the test checks that we still do); `unsupported`: we do not offer what the row exercises.
 */
export interface Exception<R extends PeerRow> {
  readonly status: 'different' | 'unsupported';
  readonly reason: string;
  readonly applies: (row: R) => boolean;
}

/**
 * Registers one test per row of a peer table: agreeing rows must agree, deliberately different rows must still
 * differ, unsupported rows are skipped with their reason. Prints the tally (agree / deliberately different /
 * not supported / disagree) when the file is done.
 */
export function describePeerTable<T extends { cases: readonly R[] }, R extends PeerRow>(
  title: string,
  table: PeerTable<T>,
  check: (row: R) => RowOutcome | Promise<RowOutcome>,
  exceptions: readonly Exception<R>[],
): void {
  describe(title, () => {
    if (!table.found) {
      console.warn(`${title}: skipped: ${table.why}`);
      it.skip(`peer table not available: ${table.why}`, () => {});
      return;
    }
    const tally = { agree: 0, different: 0, unsupported: 0, disagree: 0 };
    afterAll(() => {
      console.info(
        `${title}: ${table.data.cases.length} rows: ${tally.agree} agree, ${tally.different} deliberately different, ` +
          `${tally.unsupported} not supported, ${tally.disagree} disagree`,
      );
    });
    for (const row of table.data.cases) {
      const exception = exceptions.find((e) => e.applies(row));
      if (exception?.status === 'unsupported') {
        tally.unsupported++;
        it.skip(`${row.id}: not supported: ${exception.reason}`, () => {});
        continue;
      }
      if (exception?.status === 'different') {
        it(`${row.id}: deliberately different: ${exception.reason}`, async () => {
          const outcome = await run(check, row);
          if (outcome.agrees || outcome.threw) tally.disagree++;
          else tally.different++;
          expect(outcome.threw, 'the check failed instead of answering').toBeUndefined();
          expect(outcome.agrees, 'the row now agrees with the peer: drop the exception').toBe(false);
        });
        continue;
      }
      it(`${row.id}`, async () => {
        const outcome = await run(check, row);
        if (outcome.agrees) tally.agree++;
        else tally.disagree++;
        if (!outcome.agrees) {
          expect.fail(
            `disagrees with the peer: got ${JSON.stringify(outcome.got)}, peer: ${JSON.stringify(outcome.expected)}`,
          );
        }
      });
    }
  });
}

/** Runs a row's check; a check that throws disagrees (and the test shows what was thrown). */
async function run<R>(
  check: (row: R) => RowOutcome | Promise<RowOutcome>,
  row: R,
): Promise<RowOutcome & { threw?: string }> {
  try {
    return await check(row);
  } catch (error) {
    const threw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { agrees: false, got: { threw }, expected: 'an answer', threw };
  }
}

/** Runs `fn`, turning a throw into `{ error: <code or message> }` so rows can compare answers and refusals alike. */
export function attempt<T>(fn: () => T): T | { error: string } {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { error: typeof code === 'string' ? code : String(error) };
  }
}
