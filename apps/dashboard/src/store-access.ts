// The results store, opened read-only on first use and kept open (a campaign may still be
// writing it: WAL lets this connection see each trial as it is committed). A store that cannot
// be opened is not remembered, so the next request tries again (e.g. once a campaign created it).

import { StoreError, openStore } from '@nooks/bench';
import type { ResultsStore } from '@nooks/bench';
import { ApiError } from './errors.js';

export class StoreAccess {
  private store: ResultsStore | undefined;

  constructor(readonly path: string) {}

  get(): ResultsStore {
    if (this.store) return this.store;
    try {
      this.store = openStore(this.path, { readonly: true });
    } catch (e) {
      if (e instanceof StoreError) {
        throw new ApiError(503, 'NO_STORE', `results store unavailable: ${e.message}`);
      }
      throw e;
    }
    return this.store;
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }
}
