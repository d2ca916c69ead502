/**
 * Reading ahead within the V8 heap. `npm run indexer` bounds the heap (package.json) so that its
 * resident set stays small; the logs fetched ahead are most of what the indexer holds, and a few
 * ranges of unusually large logs could otherwise fill the bound and end the process. Past a share of
 * the limit the indexer stops fetching ahead (one range at a time) until collection makes room again.
 * With Node's default limit (several GB on a large machine) the share is never reached.
 */
import { getHeapStatistics } from "node:v8";

/** Share of the heap limit in use (live data and garbage not yet collected) past which nothing more is fetched ahead. */
export const READ_AHEAD_HEAP_SHARE = 0.5;

export type HeapUse = { used_heap_size: number; heap_size_limit: number };

/** Whether another range may be fetched ahead of the one being written. */
export function heapHasRoom(heap: HeapUse = getHeapStatistics()): boolean {
  return heap.used_heap_size < heap.heap_size_limit * READ_AHEAD_HEAP_SHARE;
}
