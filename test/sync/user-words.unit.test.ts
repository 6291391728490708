/** When a round keeps the search words in its transaction (user-words.ts keepsUserWords). */
import { keepsUserWords } from '../../src/sync/user-words';

describe('a round keeps the words only when it is a delta round and they are current', () => {
  it.each([
    ['a delta round, words current', { full: false, direct: false }, { words_generation: '7', snapshot_generation: '7' }, true],
    ['a delta round, words current (generation as a number)', { full: false, direct: false }, { words_generation: '7', snapshot_generation: 7 as unknown as string }, true],
    ['a delta round, words never built', { full: false, direct: false }, { words_generation: null, snapshot_generation: '7' }, false],
    ['a delta round, words of an older generation (a full round since)', { full: false, direct: false }, { words_generation: '6', snapshot_generation: '7' }, false],
    ['a full round, words current', { full: true, direct: false }, { words_generation: '7', snapshot_generation: '7' }, false],
    ['a first load', { full: true, direct: true }, { words_generation: null, snapshot_generation: '0' }, false],
  ])('%s -> %s', (_name, round, state, keeps) => {
    expect(keepsUserWords(round, state)).toBe(keeps);
  });
});
