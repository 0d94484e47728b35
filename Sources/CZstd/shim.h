// zstd (Debian libzstd-dev): the store's value compression (HireLedger/Store/ValueCodec.swift).
// The advanced frame parameters (no dictionary id, no checksum in each frame) and fastCover training
// are in the "static linking only" part of the API; Debian's shared libzstd exports them all.
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>

// `ZSTD_compress_usingCDict_advanced` with the frame parameters ValueCodec writes (content size, no
// checksum, no dictionary id: the value's own header names its dictionary). zstd 1.5 deprecates it for
// `ZSTD_compress2` after `ZSTD_CCtx_refCDict`, which gives the same frames but re-derives the context's
// parameters for every frame: with values of a few hundred bytes that cost about 5 % more CPU in a first
// sync (release, large files export, three pairs). The deprecation warning is silenced here, in one place.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static inline size_t hireledger_compress_usingCDict(ZSTD_CCtx *cctx, void *dst, size_t capacity,
                                                    const void *src, size_t size, const ZSTD_CDict *cdict) {
    ZSTD_frameParameters frame = { 1, 0, 1 };  // contentSizeFlag, checksumFlag, noDictIDFlag
    return ZSTD_compress_usingCDict_advanced(cctx, dst, capacity, src, size, cdict, frame);
}
#pragma clang diagnostic pop
