/** The counter lives with the benches (which run it too); tests import it from here. */
export * from '../../../bench/support/sql-count';
