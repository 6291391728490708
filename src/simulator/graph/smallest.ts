/**
 * The k smallest items of a collection, in order, in O(n log k): a page of a 100,000-object directory is
 * answered without sorting the whole directory for every page.
 */
export interface Smallest<T> {
  items: T[];
  /** More than k items were offered. */
  more: boolean;
}

export function smallest<T>(items: Iterable<T>, k: number, compare: (a: T, b: T) => number): Smallest<T> {
  if (!Number.isFinite(k)) return { items: [...items].sort(compare), more: false };
  // Max-heap of the best k seen so far: its root is the largest kept, the first to drop.
  const heap: T[] = [];
  let offered = 0;
  for (const item of items) {
    offered++;
    if (heap.length < k) {
      heap.push(item);
      siftUp(heap, heap.length - 1, compare);
    } else if (k > 0 && compare(item, heap[0]) < 0) {
      heap[0] = item;
      siftDown(heap, 0, compare);
    }
  }
  return { items: heap.sort(compare), more: offered > k };
}

function siftUp<T>(heap: T[], index: number, compare: (a: T, b: T) => number): void {
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (compare(heap[index], heap[parent]) <= 0) return;
    [heap[index], heap[parent]] = [heap[parent], heap[index]];
    index = parent;
  }
}

function siftDown<T>(heap: T[], index: number, compare: (a: T, b: T) => number): void {
  for (;;) {
    const left = 2 * index + 1;
    const right = left + 1;
    let largest = index;
    if (left < heap.length && compare(heap[left], heap[largest]) > 0) largest = left;
    if (right < heap.length && compare(heap[right], heap[largest]) > 0) largest = right;
    if (largest === index) return;
    [heap[index], heap[largest]] = [heap[largest], heap[index]];
    index = largest;
  }
}
