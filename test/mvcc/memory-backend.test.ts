import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { restoreBackend, snapshotBackend } from '../../src/mvcc/backend-snapshot.js';
import { backendConformance } from './backend-conformance.js';

backendConformance('MemoryBackend', async () => {
  let backend = new MemoryBackend();
  return {
    get backend() {
      return backend;
    },
    // A memory backend has no disk: a restart is a snapshot carried into a new instance.
    reopen: async () => {
      const bytes = snapshotBackend(backend);
      backend = new MemoryBackend();
      restoreBackend(backend, bytes);
      return backend;
    },
    cleanup: () => backend.close(),
  };
});
