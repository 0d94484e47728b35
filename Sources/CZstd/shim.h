// zstd (Debian libzstd-dev): the store's value compression (HireLedger/Store/ValueCodec.swift).
// The advanced frame parameters (no dictionary id, no checksum in each frame) and fastCover training
// are in the "static linking only" part of the API; Debian's shared libzstd exports them all.
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>
