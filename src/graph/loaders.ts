/**
 * Per-request DataLoaders over one tenant's GraphClient: every `get` load of one tick becomes `$batch` calls
 * (20 per call, a bounded number in parallel), and a URL asked twice in one request is fetched once. Create
 * them per request and tenant (in the request context factory), never globally: the cache is a request's view.
 */
import DataLoader from 'dataloader';
import type { GraphClient } from './client';

export interface GraphLoaders {
  /** GET of a path below /v1.0 ("/users/{id}?$select=id,displayName") -> its JSON; rejects with a typed GraphError. */
  get: DataLoader<string, unknown>;
}

export function createGraphLoaders(client: GraphClient): GraphLoaders {
  return {
    get: new DataLoader<string, unknown>(async (paths) => {
      const results = await client.batch(paths.map((url) => ({ method: 'GET' as const, url })));
      return results.map((result) => (result.ok ? result.value : result.error));
    }),
  };
}
