// libcurl for Swift. curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C variadic functions,
// which Swift cannot call; each wrapper below fixes one argument type so the call is type-checked on
// both sides. Pick the wrapper matching the option's documented type (CURLOPTTYPE_LONG → _long,
// CURLOPTTYPE_OFF_T → _off, strings → _string, ...): passing the wrong width is undefined behaviour in C.
#ifndef HIRELEDGER_CCURL_SHIM_H
#define HIRELEDGER_CCURL_SHIM_H

#include <curl/curl.h>

// MARK: easy options

static inline CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// libcurl copies string options (except CURLOPT_POSTFIELDS, which this project never uses).
static inline CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Data pointers (CURLOPT_WRITEDATA, CURLOPT_PRIVATE, CURLOPT_ERRORBUFFER, CURLOPT_COPYPOSTFIELDS bytes).
static inline CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_HTTPHEADER and friends; the list must outlive the transfer.
static inline CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode ccurl_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_XFERINFOFUNCTION.
static inline CURLcode ccurl_setopt_xferinfo_callback(CURL *handle, CURLoption option,
                                                      curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_OPENSOCKETFUNCTION: lets the caller vet (and open) each socket libcurl is about to connect.
static inline CURLcode ccurl_setopt_opensocket_callback(CURL *handle, CURLoption option,
                                                        curl_opensocket_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// MARK: easy info

static inline CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode ccurl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode ccurl_getinfo_double(CURL *handle, CURLINFO info, double *out) {
    return curl_easy_getinfo(handle, info, out);
}

/// The string stays owned by libcurl and is valid until the handle is reset or cleaned up.
static inline CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **out) {
    return curl_easy_getinfo(handle, info, out);
}

/// CURLINFO_PRIVATE.
static inline CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, void **out) {
    return curl_easy_getinfo(handle, info, out);
}

// MARK: multi options

static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// MARK: message access

/// The transfer result of a CURLMSG_DONE message (a union member Swift imports awkwardly).
static inline CURLcode ccurl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
