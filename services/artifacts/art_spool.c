/*
 * art_spool.c — the event spool (see art_spool.h). The index is a sorted
 * array of the sequence numbers on disk; new events append (their numbers
 * only grow), confirmed ones are found by binary search and removed.
 */
#include "art_spool.h"

#include "sluice/error.h"
#include "sluice/fs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_SEQ_DIGITS 16

struct art_spool {
    char dir[PATH_MAX - 32];
    size_t max_events;
    pthread_mutex_t lock;       /* the index */
    pthread_mutex_t write_lock; /* one put at a time: events enter the index in sequence order */
    uint64_t *seqs;             /* sorted ascending */
    size_t count, cap;
    uint64_t next_seq;
};

static int spool_cmp_seq(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Parses "<16 hex>" followed by exactly suffix. */
static bool spool_name_seq(const char *name, const char *suffix, uint64_t *seq)
{
    uint64_t v = 0;
    for (int i = 0; i < SPOOL_SEQ_DIGITS; i++) {
        char c = name[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    if (strcmp(name + SPOOL_SEQ_DIGITS, suffix) != 0) {
        return false;
    }
    *seq = v;
    return true;
}

static int spool_index_add(art_spool *sp, uint64_t seq)
{
    if (sp->count == sp->cap) {
        size_t cap = sp->cap == 0 ? 64 : sp->cap * 2;
        uint64_t *grown = realloc(sp->seqs, cap * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        sp->seqs = grown;
        sp->cap = cap;
    }
    sp->seqs[sp->count++] = seq;
    return SLUICE_OK;
}

static void spool_path(const art_spool *sp, uint64_t seq, const char *suffix, char *out,
                       size_t outlen)
{
    snprintf(out, outlen, "%s/%016" PRIx64 "%s", sp->dir, seq, suffix);
}

static int spool_scan(art_spool *sp, char *err, size_t errlen)
{
    DIR *d = opendir(sp->dir);
    if (d == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot read %s: %s", sp->dir,
                                strerror(errno));
    }
    struct dirent *de;
    int rc = SLUICE_OK;
    while (rc == SLUICE_OK && (de = readdir(d)) != NULL) {
        uint64_t seq;
        if (spool_name_seq(de->d_name, ".evt", &seq)) {
            rc = spool_index_add(sp, seq);
        } else if (spool_name_seq(de->d_name, ".tmp", &seq)) {
            char path[PATH_MAX];
            spool_path(sp, seq, ".tmp", path, sizeof path);
            unlink(path);
        }
    }
    closedir(d);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "out of memory indexing %s", sp->dir);
    }
    if (sp->count > 1) {
        qsort(sp->seqs, sp->count, sizeof *sp->seqs, spool_cmp_seq);
    }
    sp->next_seq = sp->count > 0 ? sp->seqs[sp->count - 1] + 1 : 1;
    return SLUICE_OK;
}

int art_spool_open(const char *dir, size_t max_events, art_spool **out, char *err, size_t errlen)
{
    *out = NULL;
    art_spool *sp = calloc(1, sizeof *sp);
    if (sp == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int n = snprintf(sp->dir, sizeof sp->dir, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof sp->dir) {
        free(sp);
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "spool directory name too long");
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        int e = errno;
        free(sp);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot create %s: %s", dir, strerror(e));
    }
    sp->max_events = max_events > 0 ? max_events : 100000;
    int rc = spool_scan(sp, err, errlen);
    if (rc != SLUICE_OK) {
        free(sp->seqs);
        free(sp);
        return rc;
    }
    pthread_mutex_init(&sp->lock, NULL);
    pthread_mutex_init(&sp->write_lock, NULL);
    *out = sp;
    return SLUICE_OK;
}

void art_spool_free(art_spool *sp)
{
    if (sp == NULL) {
        return;
    }
    pthread_mutex_destroy(&sp->write_lock);
    pthread_mutex_destroy(&sp->lock);
    free(sp->seqs);
    free(sp);
}

int art_spool_put(art_spool *sp, const char *key, const void *payload, size_t len, uint64_t *seq)
{
    size_t keylen = strlen(key);
    if (keylen == 0 || keylen > ART_SPOOL_KEY_MAX || memchr(key, '\n', keylen) != NULL) {
        return SLUICE_EINVAL;
    }
    /*
     * Puts are serialised so that an event enters the index only after every
     * lower number did: a reader walking forward with art_spool_after never
     * skips one that was still being written.
     */
    pthread_mutex_lock(&sp->write_lock);
    pthread_mutex_lock(&sp->lock);
    bool full = sp->count >= sp->max_events;
    uint64_t mine = sp->next_seq;
    pthread_mutex_unlock(&sp->lock);
    if (full) {
        pthread_mutex_unlock(&sp->write_lock);
        return SLUICE_ETOOBIG;
    }
    sluice_buf rec;
    sluice_buf_init(&rec, keylen + 1 + len);
    int rc = sluice_buf_append(&rec, key, keylen);
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&rec, "\n", 1);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&rec, payload, len);
    }
    char tmp[PATH_MAX], path[PATH_MAX];
    spool_path(sp, mine, ".tmp", tmp, sizeof tmp);
    spool_path(sp, mine, ".evt", path, sizeof path);
    if (rc == SLUICE_OK) {
        rc = sluice_fs_write_atomic(tmp, path, rec.data, rec.len);
        if (rc != SLUICE_OK) {
            rc = SLUICE_EIO;
        }
    }
    sluice_buf_free(&rec);
    if (rc == SLUICE_OK) {
        pthread_mutex_lock(&sp->lock);
        rc = spool_index_add(sp, mine);
        if (rc == SLUICE_OK) {
            sp->next_seq = mine + 1;
        }
        pthread_mutex_unlock(&sp->lock);
        if (rc != SLUICE_OK) {
            unlink(path);
        }
    }
    pthread_mutex_unlock(&sp->write_lock);
    if (rc == SLUICE_OK && seq != NULL) {
        *seq = mine;
    }
    return rc;
}

/* Index of the first element > after. */
static size_t spool_upper_bound(const art_spool *sp, uint64_t after)
{
    size_t lo = 0, hi = sp->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->seqs[mid] <= after) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

size_t art_spool_after(art_spool *sp, uint64_t after, uint64_t *seqs, size_t max)
{
    pthread_mutex_lock(&sp->lock);
    size_t i = spool_upper_bound(sp, after);
    size_t n = 0;
    while (i < sp->count && n < max) {
        seqs[n++] = sp->seqs[i++];
    }
    pthread_mutex_unlock(&sp->lock);
    return n;
}

int art_spool_parse(const void *data, size_t len, const char **key, size_t *keylen,
                    const void **payload, size_t *payloadlen)
{
    const char *text = data;
    size_t limit = len < ART_SPOOL_KEY_MAX + 1 ? len : ART_SPOOL_KEY_MAX + 1;
    const char *nl = memchr(text, '\n', limit);
    if (nl == NULL || nl == text || memchr(text, '\0', (size_t)(nl - text)) != NULL) {
        return SLUICE_EPARSE;
    }
    *key = text;
    *keylen = (size_t)(nl - text);
    *payload = nl + 1;
    *payloadlen = len - *keylen - 1;
    return SLUICE_OK;
}

int art_spool_get(art_spool *sp, uint64_t seq, char *key, size_t keylen, sluice_buf *payload)
{
    char path[PATH_MAX];
    spool_path(sp, seq, ".evt", path, sizeof path);
    sluice_buf rec;
    sluice_buf_init(&rec, ART_SPOOL_KEY_MAX + 1 + payload->max);
    int rc = sluice_fs_read_file(path, &rec);
    const char *k = NULL;
    const void *p = NULL;
    size_t klen = 0, plen = 0;
    if (rc == SLUICE_OK) {
        rc = art_spool_parse(rec.data != NULL ? rec.data : "", rec.len, &k, &klen, &p, &plen);
    }
    if (rc == SLUICE_OK && klen >= keylen) {
        rc = SLUICE_ETOOBIG;
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(payload, p, plen);
    }
    if (rc == SLUICE_OK) {
        memcpy(key, k, klen);
        key[klen] = '\0';
    }
    sluice_buf_free(&rec);
    return rc;
}

int art_spool_remove(art_spool *sp, uint64_t seq)
{
    pthread_mutex_lock(&sp->lock);
    size_t i = spool_upper_bound(sp, seq);
    bool found = i > 0 && sp->seqs[i - 1] == seq;
    if (found) {
        memmove(&sp->seqs[i - 1], &sp->seqs[i], (sp->count - i) * sizeof *sp->seqs);
        sp->count--;
    }
    pthread_mutex_unlock(&sp->lock);
    if (!found) {
        return SLUICE_ENOTFOUND;
    }
    char path[PATH_MAX];
    spool_path(sp, seq, ".evt", path, sizeof path);
    unlink(path);
    return SLUICE_OK;
}

size_t art_spool_count(art_spool *sp)
{
    pthread_mutex_lock(&sp->lock);
    size_t n = sp->count;
    pthread_mutex_unlock(&sp->lock);
    return n;
}
