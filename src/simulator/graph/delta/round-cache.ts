/**
 * What a delta round keeps between its pages, so that no page redoes the work of the round (issue 9): the member
 * list of a group split across pages (built once, then sliced page by page) and, for later rounds, the folded
 * list of changed objects. The round is named by an id sealed in its skiptoken.
 *
 * It is a cache, not the round's truth: an evicted or unknown round is rebuilt on its next page. A later round's
 * list is the same when rebuilt (it is folded from the append-only change log up to the round's fixed upTo); a
 * split group's list is then read again from the live directory, which is only different if the group changed
 * while its round was paging, as before this cache existed. Bounded by a count of rounds and of the entries they
 * hold (least recently used out: many tenants paging at once each keep theirs), and a split group's list is
 * dropped once its last slice is served.
 */
import type { DeltaItem, MemberDelta } from './changes';

export interface RoundState {
  /** Group id -> its member list, fixed for the round while the group is split across pages. */
  lists: Map<string, MemberDelta[]>;
  /** A later round's objects, in round order (changes.ts: incrementalItems). */
  items?: DeltaItem[];
}

export class RoundCache {
  private readonly rounds = new Map<string, RoundState>();

  constructor(
    private readonly maxRounds = 512,
    /** Member entries and changed objects held over all rounds. */
    private readonly maxEntries = 2_000_000,
  ) {}

  /** The round's state, created empty when unknown; marks it most recently used. */
  get(key: string): RoundState {
    let state = this.rounds.get(key);
    if (state) this.rounds.delete(key);
    else state = { lists: new Map() };
    // Evict before adding, from the least recently used; the state handed out is never the one evicted.
    let held = 0;
    for (const round of this.rounds.values()) held += weight(round);
    for (const [oldest, round] of this.rounds) {
      if (this.rounds.size < this.maxRounds && held <= this.maxEntries) break;
      this.rounds.delete(oldest);
      held -= weight(round);
    }
    this.rounds.set(key, state);
    return state;
  }

  /** The round ended (its deltaLink was issued): nothing of it is needed again unless its last page is re-read. */
  end(key: string): void {
    this.rounds.delete(key);
  }

  get size(): number {
    return this.rounds.size;
  }
}

function weight(round: RoundState): number {
  let entries = round.items?.length ?? 0;
  for (const list of round.lists.values()) entries += list.length;
  return entries;
}
