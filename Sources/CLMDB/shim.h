#include <lmdb.h>

/// Asks the CPU to start loading the cache line at `p` (no fault, no effect on results): the LMDB
/// wrapper prefetches a leaf page's nodes when a cursor arrives on it (`Cursor`).
static inline void hireledger_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
