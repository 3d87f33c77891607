/*
 * pattern.c — EventBridge event patterns (see pattern.h).
 *
 * A compiled pattern is a tree of levels. A level holds fields (a name and
 * either a nested level or a list of matchers) and "$or" groups (lists of
 * alternative levels). Everything a pattern owns lives in one arena, freed at
 * once. Matching walks the pattern, never the whole event: a field is looked
 * up, its values collected (arrays flattened, objects skipped), and each
 * matcher tried on them.
 *
 * Semantics follow AWS's event-ruler (Machine.rulesForJSONEvent), which is
 * the oracle of this module's tests: numbers compare as doubles, exactly; anything-but
 * matches any value of another type; exists counts only values that are not
 * objects or arrays; a nested pattern over an array of objects is matched
 * element by element.
 */
#include "sluice/pattern.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_ARENA_BLOCK 4096
#define PATTERN_PATH_MAX    256  /* bytes of a field path kept for error messages */
#define PATTERN_FOLD_STACK  256  /* strings up to this size fold without allocating */
#define PATTERN_ALTS_MAX    1024 /* "$or"-free alternatives a pattern may expand into */

typedef enum pattern_kind {
    PATTERN_STRING,
    PATTERN_NUMBER,
    PATTERN_TRUE,
    PATTERN_FALSE,
    PATTERN_NULL,
    PATTERN_PREFIX,
    PATTERN_PREFIX_CI,
    PATTERN_SUFFIX,
    PATTERN_SUFFIX_CI,
    PATTERN_EQUALS_CI,
    PATTERN_WILDCARD,
    PATTERN_NUMERIC,
    PATTERN_EXISTS,
    PATTERN_CIDR,
    PATTERN_NOT_STRINGS,
    PATTERN_NOT_NUMBERS,
    PATTERN_NOT_PREFIX,
    PATTERN_NOT_SUFFIX,
    PATTERN_NOT_EQUALS_CI,
    PATTERN_NOT_WILDCARD,
} pattern_kind;

typedef struct pattern_text {
    const char *s; /* folded to lower case for the _CI kinds; for wildcards, see wild */
    size_t len;
    const int *wild; /* wildcard tokens: 0..255 a byte, -1 a star; NULL otherwise */
    size_t nwild;
} pattern_text;

typedef struct pattern_matcher {
    pattern_kind kind;
    pattern_text *texts; /* strings of the string kinds */
    size_t ntexts;
    double *numbers; /* PATTERN_NUMBER (one), PATTERN_NOT_NUMBERS */
    size_t nnumbers;
    bool exists;
    bool has_lo, lo_incl, has_hi, hi_incl; /* PATTERN_NUMERIC */
    double lo, hi;
    int family; /* PATTERN_CIDR: AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
} pattern_matcher;

typedef struct pattern_level pattern_level;

typedef struct pattern_or {
    pattern_level **alts;
    size_t nalts;
} pattern_or;

/* A member of a level: a nested object, a list of matchers, or a "$or" group. */
typedef struct pattern_field {
    const char *name;
    size_t namelen;
    pattern_level *child; /* a nested object, or NULL */
    pattern_matcher *matchers;
    size_t nmatchers;
    pattern_or * or ; /* a "$or" group (name "$or"), or NULL; never in an expanded level */
} pattern_field;

/* The members of one object of the pattern, in document order. */
struct pattern_level {
    pattern_field *fields;
    size_t nfields;
};

typedef struct pattern_block {
    struct pattern_block *next;
    size_t used, size;
    max_align_t data[];
} pattern_block;

struct pattern {
    pattern_block *blocks;
    pattern_level *root;  /* the pattern as written, "$or" groups included */
    pattern_level **alts; /* root expanded into "$or"-free alternatives */
    size_t nalts;
};

/* jansson iterates only non-const objects; the pattern never changes what it reads. */
static json_t *pattern_iterable(const json_t *value)
{
    union {
        const json_t *in;
        json_t *out;
    } pun = {.in = value};
    return pun.out;
}

/* ---- arena ----------------------------------------------------------------------- */

/* Zeroed memory owned by p, or NULL when out of memory. */
static void *pattern_alloc(pattern *p, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (size == 0) {
        size = sizeof(max_align_t);
    }
    pattern_block *b = p->blocks;
    if (b == NULL || b->size - b->used < size) {
        size_t cap = size > PATTERN_ARENA_BLOCK ? size : PATTERN_ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            return NULL;
        }
        b->next = p->blocks;
        b->used = 0;
        b->size = cap;
        p->blocks = b;
    }
    void *mem = (char *)b->data + b->used;
    b->used += size;
    memset(mem, 0, size);
    return mem;
}

void pattern_free(pattern *p)
{
    if (p == NULL) {
        return;
    }
    pattern_block *b = p->blocks;
    while (b != NULL) {
        pattern_block *next = b->next;
        free(b);
        b = next;
    }
    free(p);
}

/* ---- case folding ----------------------------------------------------------------- */

/*
 * Folds s[0..len) into out (len bytes): ASCII A-Z, Latin-1 À-Þ (but ×) and
 * the even letters of Latin Extended-A (U+0100-U+017F) to their lower case.
 * Every mapping keeps the UTF-8 length, so out has the same length as s.
 */
static void pattern_fold(const char *s, size_t len, char *out)
{
    const unsigned char *in = (const unsigned char *)s;
    unsigned char *o = (unsigned char *)out;
    size_t i = 0;
    while (i < len) {
        unsigned char c = in[i];
        if (c >= 'A' && c <= 'Z') {
            o[i] = (unsigned char)(c + 32);
            i++;
        } else if ((c == 0xc3 || c == 0xc4 || c == 0xc5) && i + 1 < len &&
                   (in[i + 1] & 0xc0) == 0x80) {
            unsigned cp = ((unsigned)(c & 0x1f) << 6) | (in[i + 1] & 0x3f);
            if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) {
                cp += 0x20;
            } else if (cp >= 0x100 && cp <= 0x177 && cp != 0x130 && cp != 0x138 &&
                       ((cp >= 0x139 && cp <= 0x148) ? (cp % 2) == 1 : (cp % 2) == 0)) {
                cp += 1;
            } else if (cp >= 0x179 && cp <= 0x17e && (cp % 2) == 1) {
                cp += 1;
            }
            o[i] = (unsigned char)(0xc0 | (cp >> 6));
            o[i + 1] = (unsigned char)(0x80 | (cp & 0x3f));
            i += 2;
        } else {
            o[i] = c;
            i++;
        }
    }
}

/* ---- compiling -------------------------------------------------------------------- */

typedef struct pattern_compiler {
    pattern *p;
    char path[PATTERN_PATH_MAX];
    char *err;
    size_t errlen;
    int rc; /* the first failure */
} pattern_compiler;

/* Records a failure at the current path; returns its code. */
static int pattern_fail(pattern_compiler *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pattern_fail(pattern_compiler *c, int code, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->path[0] != '\0') {
        sluice_error_set(c->err, c->errlen, code, "Event pattern is not valid at \"%s\": %s",
                         c->path, reason);
    } else {
        sluice_error_set(c->err, c->errlen, code, "Event pattern is not valid: %s", reason);
    }
    c->rc = code;
    return code;
}

static int pattern_oom(pattern_compiler *c)
{
    return pattern_fail(c, SLUICE_ENOMEM, "out of memory");
}

/* A copy of s[0..len) in the arena, folded when fold; NULL when out of memory. */
static const char *pattern_copy(pattern_compiler *c, const char *s, size_t len, bool fold)
{
    char *copy = pattern_alloc(c->p, len + 1);
    if (copy == NULL) {
        return NULL;
    }
    if (fold) {
        pattern_fold(s, len, copy);
    } else {
        memcpy(copy, s, len);
    }
    return copy;
}

static int pattern_set_text(pattern_compiler *c, pattern_text *t, const json_t *s, bool fold)
{
    t->len = json_string_length(s);
    t->s = pattern_copy(c, json_string_value(s), t->len, fold);
    return t->s != NULL ? 0 : pattern_oom(c);
}

/* Compiles a wildcard string into tokens, refusing "**" and unknown escapes. */
static int pattern_set_wildcard(pattern_compiler *c, pattern_text *t, const json_t *s)
{
    const char *text = json_string_value(s);
    size_t len = json_string_length(s);
    int *tokens = pattern_alloc(c->p, (len + 1) * sizeof *tokens);
    if (tokens == NULL) {
        return pattern_oom(c);
    }
    size_t n = 0;
    bool last_star = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '*') {
            if (last_star) {
                return pattern_fail(c, SLUICE_EINVAL, "Consecutive wildcard characters at pos %zu",
                                    i);
            }
            tokens[n++] = -1;
            last_star = true;
            continue;
        }
        if (ch == '\\') {
            if (i + 1 >= len || (text[i + 1] != '*' && text[i + 1] != '\\')) {
                return pattern_fail(c, SLUICE_EINVAL, "Invalid escape character at pos %zu", i);
            }
            i++;
            ch = (unsigned char)text[i];
        }
        tokens[n++] = ch;
        last_star = false;
    }
    t->wild = tokens;
    t->nwild = n;
    t->s = "";
    t->len = 0;
    return 0;
}

/* Allocates n texts for m. */
static int pattern_texts(pattern_compiler *c, pattern_matcher *m, size_t n)
{
    m->texts = pattern_alloc(c->p, n * sizeof *m->texts);
    m->ntexts = n;
    return m->texts != NULL ? 0 : pattern_oom(c);
}

/* {"prefix": s} / {"suffix": s}, possibly {"equals-ignore-case": s} inside. */
static int pattern_affix(pattern_compiler *c, pattern_matcher *m, const char *op,
                         const json_t *value, pattern_kind plain, pattern_kind folded)
{
    bool fold = false;
    if (json_is_object(value) && json_object_size(value) == 1 &&
        json_is_string(json_object_get(value, "equals-ignore-case"))) {
        value = json_object_get(value, "equals-ignore-case");
        fold = true;
    }
    if (!json_is_string(value)) {
        return pattern_fail(c, SLUICE_EINVAL, "%s match pattern must be a string", op);
    }
    m->kind = fold ? folded : plain;
    int rc = pattern_texts(c, m, 1);
    return rc != 0 ? rc : pattern_set_text(c, &m->texts[0], value, fold);
}

static bool pattern_numeric_op(const char *op, bool *lower, bool *incl)
{
    if (strcmp(op, ">") == 0 || strcmp(op, ">=") == 0) {
        *lower = true;
    } else if (strcmp(op, "<") == 0 || strcmp(op, "<=") == 0) {
        *lower = false;
    } else {
        return false;
    }
    *incl = op[1] == '=';
    return true;
}

static int pattern_numeric(pattern_compiler *c, pattern_matcher *m, const json_t *value)
{
    m->kind = PATTERN_NUMERIC;
    size_t n = json_is_array(value) ? json_array_size(value) : 0;
    if (n == 0) {
        return pattern_fail(c, SLUICE_EINVAL, "Invalid member in numeric match: ]");
    }
    size_t i = 0;
    int bounds = 0;
    bool equals = false;
    while (i < n) {
        const char *op = json_string_value(json_array_get(value, i));
        if (op == NULL) {
            return pattern_fail(c, SLUICE_EINVAL, "Invalid member in numeric match");
        }
        if (bounds == 2 || (bounds == 1 && (!m->has_lo || m->has_hi))) {
            return pattern_fail(c, SLUICE_EINVAL, "Too many elements in numeric expression");
        }
        const json_t *num = json_array_get(value, i + 1);
        if (!json_is_number(num)) {
            return pattern_fail(c, SLUICE_EINVAL, "Value of %s must be numeric", op);
        }
        double v = json_number_value(num);
        bool lower = false;
        bool incl = false;
        if (strcmp(op, "=") == 0) {
            if (bounds != 0) {
                return pattern_fail(c, SLUICE_EINVAL, "Bad numeric range operator: =");
            }
            m->has_lo = m->has_hi = m->lo_incl = m->hi_incl = true;
            m->lo = m->hi = v;
            bounds = 2;
            equals = true;
        } else if (!pattern_numeric_op(op, &lower, &incl)) {
            return pattern_fail(c, SLUICE_EINVAL, "Unrecognized numeric range operator: %s", op);
        } else if (lower) {
            if (bounds != 0) {
                return pattern_fail(c, SLUICE_EINVAL, "Bad numeric range operator: %s", op);
            }
            m->has_lo = true;
            m->lo_incl = incl;
            m->lo = v;
            bounds = 1;
        } else {
            m->has_hi = true;
            m->hi_incl = incl;
            m->hi = v;
            bounds = 2;
        }
        i += 2;
    }
    if (!equals && m->has_lo && m->has_hi && !(m->lo < m->hi)) {
        return pattern_fail(c, SLUICE_EINVAL, "Bottom must be less than top");
    }
    return 0;
}

static int pattern_cidr(pattern_compiler *c, pattern_matcher *m, const json_t *value)
{
    const char *text = json_string_value(value);
    char addr[64];
    const char *slash = text != NULL ? strchr(text, '/') : NULL;
    if (slash == NULL || (size_t)(slash - text) >= sizeof addr || slash[1] == '\0') {
        return pattern_fail(c, SLUICE_EINVAL, "Malformed CIDR, one '/' required");
    }
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    m->kind = PATTERN_CIDR;
    m->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(m->family, addr, m->addr) != 1) {
        return pattern_fail(c, SLUICE_EINVAL, "Malformed CIDR, invalid address");
    }
    int max = m->family == AF_INET ? 32 : 128;
    int bits = 0;
    for (const char *d = slash + 1; *d != '\0'; d++) {
        if (*d < '0' || *d > '9' || bits > max) {
            return pattern_fail(c, SLUICE_EINVAL, "Malformed CIDR, invalid prefix length");
        }
        bits = bits * 10 + (*d - '0');
    }
    if (bits > max) {
        return pattern_fail(c, SLUICE_EINVAL, "Malformed CIDR, invalid prefix length");
    }
    m->bits = bits;
    return 0;
}

/* The strings of an anything-but member: one string or a non-empty list. */
static int pattern_not_texts(pattern_compiler *c, pattern_matcher *m, const char *op,
                             const json_t *value, bool fold, bool wildcard, bool nonempty)
{
    size_t n = json_is_array(value) ? json_array_size(value) : 1;
    if ((json_is_array(value) && n == 0) || (!json_is_array(value) && !json_is_string(value))) {
        return pattern_fail(c, SLUICE_EINVAL,
                            "anything-but %s must be a string or a list of strings", op);
    }
    int rc = pattern_texts(c, m, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *s = json_is_array(value) ? json_array_get(value, i) : value;
        if (!json_is_string(s)) {
            return pattern_fail(c, SLUICE_EINVAL,
                                "anything-but %s must be a string or a list of strings", op);
        }
        if (nonempty && json_string_length(s) == 0) {
            return pattern_fail(c, SLUICE_EINVAL, "Null prefix/suffix not allowed");
        }
        rc = wildcard ? pattern_set_wildcard(c, &m->texts[i], s)
                      : pattern_set_text(c, &m->texts[i], s, fold);
    }
    return rc;
}

static int pattern_anything_but(pattern_compiler *c, pattern_matcher *m, const json_t *value)
{
    if (json_is_object(value)) {
        if (json_object_size(value) != 1) {
            return pattern_fail(c, SLUICE_EINVAL, "Only one key allowed in match expression");
        }
        void *iter = json_object_iter(pattern_iterable(value));
        const char *op = json_object_iter_key(iter);
        const json_t *inner = json_object_iter_value(iter);
        if (strcmp(op, "prefix") == 0) {
            m->kind = PATTERN_NOT_PREFIX;
            return pattern_not_texts(c, m, op, inner, false, false, true);
        }
        if (strcmp(op, "suffix") == 0) {
            m->kind = PATTERN_NOT_SUFFIX;
            return pattern_not_texts(c, m, op, inner, false, false, true);
        }
        if (strcmp(op, "equals-ignore-case") == 0) {
            m->kind = PATTERN_NOT_EQUALS_CI;
            return pattern_not_texts(c, m, op, inner, true, false, false);
        }
        if (strcmp(op, "wildcard") == 0) {
            m->kind = PATTERN_NOT_WILDCARD;
            return pattern_not_texts(c, m, op, inner, false, true, false);
        }
        return pattern_fail(c, SLUICE_EINVAL, "Unsupported anything-but pattern: %s", op);
    }
    if (json_is_string(value)) {
        m->kind = PATTERN_NOT_STRINGS;
        int rc = pattern_texts(c, m, 1);
        return rc != 0 ? rc : pattern_set_text(c, &m->texts[0], value, false);
    }
    if (json_is_number(value)) {
        m->kind = PATTERN_NOT_NUMBERS;
        m->numbers = pattern_alloc(c->p, sizeof *m->numbers);
        if (m->numbers == NULL) {
            return pattern_oom(c);
        }
        m->numbers[0] = json_number_value(value);
        m->nnumbers = 1;
        return 0;
    }
    if (!json_is_array(value)) {
        return pattern_fail(
            c, SLUICE_EINVAL,
            "Value of anything-but must be an array or single string/number value.");
    }
    size_t n = json_array_size(value);
    size_t strings = 0;
    size_t numbers = 0;
    for (size_t i = 0; i < n; i++) {
        strings += json_is_string(json_array_get(value, i)) ? 1 : 0;
        numbers += json_is_number(json_array_get(value, i)) ? 1 : 0;
    }
    if (n == 0 || (strings != n && numbers != n)) {
        return pattern_fail(c, SLUICE_EINVAL,
                            "Inside anything but list, either all values are number or string, "
                            "mixed type is not supported");
    }
    if (strings == n) {
        m->kind = PATTERN_NOT_STRINGS;
        int rc = pattern_texts(c, m, n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = pattern_set_text(c, &m->texts[i], json_array_get(value, i), false);
        }
        return rc;
    }
    m->kind = PATTERN_NOT_NUMBERS;
    m->numbers = pattern_alloc(c->p, n * sizeof *m->numbers);
    if (m->numbers == NULL) {
        return pattern_oom(c);
    }
    for (size_t i = 0; i < n; i++) {
        m->numbers[i] = json_number_value(json_array_get(value, i));
    }
    m->nnumbers = n;
    return 0;
}

/* One element of a field's match list. */
static int pattern_matcher_compile(pattern_compiler *c, pattern_matcher *m, const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        m->kind = PATTERN_STRING;
        return pattern_texts(c, m, 1) != 0 ? c->rc
                                           : pattern_set_text(c, &m->texts[0], value, false);
    case JSON_INTEGER:
    case JSON_REAL:
        m->kind = PATTERN_NUMBER;
        m->numbers = pattern_alloc(c->p, sizeof *m->numbers);
        if (m->numbers == NULL) {
            return pattern_oom(c);
        }
        m->numbers[0] = json_number_value(value);
        m->nnumbers = 1;
        return 0;
    case JSON_TRUE:
        m->kind = PATTERN_TRUE;
        return 0;
    case JSON_FALSE:
        m->kind = PATTERN_FALSE;
        return 0;
    case JSON_NULL:
        m->kind = PATTERN_NULL;
        return 0;
    case JSON_ARRAY:
        return pattern_fail(c, SLUICE_EINVAL,
                            "Match value must be String, number, true, false, or null");
    case JSON_OBJECT:
        break;
    }
    if (json_object_size(value) == 0) {
        return pattern_fail(c, SLUICE_EINVAL, "Match expression name not found");
    }
    if (json_object_size(value) > 1) {
        return pattern_fail(c, SLUICE_EINVAL, "Only one key allowed in match expression");
    }
    void *iter = json_object_iter(pattern_iterable(value));
    const char *op = json_object_iter_key(iter);
    const json_t *arg = json_object_iter_value(iter);
    if (strcmp(op, "prefix") == 0) {
        return pattern_affix(c, m, op, arg, PATTERN_PREFIX, PATTERN_PREFIX_CI);
    }
    if (strcmp(op, "suffix") == 0) {
        return pattern_affix(c, m, op, arg, PATTERN_SUFFIX, PATTERN_SUFFIX_CI);
    }
    if (strcmp(op, "equals-ignore-case") == 0) {
        if (!json_is_string(arg)) {
            return pattern_fail(c, SLUICE_EINVAL,
                                "equals-ignore-case match pattern must be a string");
        }
        m->kind = PATTERN_EQUALS_CI;
        return pattern_texts(c, m, 1) != 0 ? c->rc : pattern_set_text(c, &m->texts[0], arg, true);
    }
    if (strcmp(op, "wildcard") == 0) {
        if (!json_is_string(arg)) {
            return pattern_fail(c, SLUICE_EINVAL, "wildcard match pattern must be a string");
        }
        m->kind = PATTERN_WILDCARD;
        return pattern_texts(c, m, 1) != 0 ? c->rc : pattern_set_wildcard(c, &m->texts[0], arg);
    }
    if (strcmp(op, "exists") == 0) {
        if (!json_is_boolean(arg)) {
            return pattern_fail(c, SLUICE_EINVAL,
                                "exists match pattern must be either true or false.");
        }
        m->kind = PATTERN_EXISTS;
        m->exists = json_is_true(arg);
        return 0;
    }
    if (strcmp(op, "numeric") == 0) {
        return pattern_numeric(c, m, arg);
    }
    if (strcmp(op, "anything-but") == 0) {
        return pattern_anything_but(c, m, arg);
    }
    if (strcmp(op, "cidr") == 0) {
        return pattern_cidr(c, m, arg);
    }
    return pattern_fail(c, SLUICE_EINVAL, "Unrecognized match type %s", op);
}

static pattern_level *pattern_level_compile(pattern_compiler *c, const json_t *obj, int depth);

/* Whether member "$or" holds alternatives (else it is an ordinary field name). */
static bool pattern_is_or(const char *key, const json_t *value)
{
    if (strcmp(key, "$or") != 0 || !json_is_array(value) || json_array_size(value) < 2) {
        return false;
    }
    for (size_t i = 0; i < json_array_size(value); i++) {
        if (!json_is_object(json_array_get(value, i))) {
            return false;
        }
    }
    return true;
}

/* Appends ".key" (or "key") to the path; returns the previous length. */
static size_t pattern_path_push(pattern_compiler *c, const char *key)
{
    size_t before = strlen(c->path);
    snprintf(c->path + before, sizeof c->path - before, "%s%s", before > 0 ? "." : "", key);
    return before;
}

static int pattern_field_compile(pattern_compiler *c, pattern_field *f, const char *key,
                                 const json_t *value, int depth)
{
    f->namelen = strlen(key);
    f->name = pattern_copy(c, key, f->namelen, false);
    if (f->name == NULL) {
        return pattern_oom(c);
    }
    if (json_is_object(value)) {
        f->child = pattern_level_compile(c, value, depth + 1);
        return f->child != NULL ? 0 : c->rc;
    }
    if (!json_is_array(value)) {
        return pattern_fail(c, SLUICE_EINVAL, "\"%s\" must be an object or an array", key);
    }
    size_t n = json_array_size(value);
    if (n == 0) {
        return pattern_fail(c, SLUICE_EINVAL, "Empty arrays are not allowed");
    }
    f->matchers = pattern_alloc(c->p, n * sizeof *f->matchers);
    if (f->matchers == NULL) {
        return pattern_oom(c);
    }
    f->nmatchers = n;
    for (size_t i = 0; i < n; i++) {
        int rc = pattern_matcher_compile(c, &f->matchers[i], json_array_get(value, i));
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static pattern_level *pattern_level_compile(pattern_compiler *c, const json_t *obj, int depth)
{
    if (depth > PATTERN_DEPTH_MAX) {
        pattern_fail(c, SLUICE_ETOOBIG, "nested more than %d levels deep", PATTERN_DEPTH_MAX);
        return NULL;
    }
    if (!json_is_object(obj)) {
        pattern_fail(c, SLUICE_EINVAL, "Filter is not an object");
        return NULL;
    }
    if (json_object_size(obj) == 0) {
        pattern_fail(c, SLUICE_EINVAL, "Empty objects are not allowed");
        return NULL;
    }
    pattern_level *level = pattern_alloc(c->p, sizeof *level);
    size_t n = json_object_size(obj);
    if (level != NULL) {
        level->fields = pattern_alloc(c->p, n * sizeof *level->fields);
    }
    if (level == NULL || level->fields == NULL) {
        pattern_oom(c);
        return NULL;
    }
    const char *key;
    const json_t *value;
    json_object_foreach(pattern_iterable(obj), key, value)
    {
        size_t before = pattern_path_push(c, key);
        pattern_field *f = &level->fields[level->nfields++];
        int rc = 0;
        if (pattern_is_or(key, value)) {
            f->name = "$or";
            f->namelen = 3;
            f->or = pattern_alloc(c->p, sizeof *f->or);
            rc = f->or != NULL ? 0 : pattern_oom(c);
            if (rc == 0) {
                f->or->nalts = json_array_size(value);
                f->or->alts = pattern_alloc(c->p, f->or->nalts * sizeof *f->or->alts);
                rc = f->or->alts != NULL ? 0 : pattern_oom(c);
            }
            for (size_t i = 0; rc == 0 && i < f->or->nalts; i++) {
                c->path[before] = '\0';
                f->or->alts[i] = pattern_level_compile(c, json_array_get(value, i), depth + 1);
                rc = f->or->alts[i] != NULL ? 0 : c->rc;
            }
        } else {
            rc = pattern_field_compile(c, f, key, value, depth);
        }
        if (rc != 0) {
            return NULL;
        }
        c->path[before] = '\0';
    }
    return level;
}

/* ---- expanding "$or" -------------------------------------------------------------- */

/*
 * event-ruler reads a pattern as a map from field paths to matcher lists,
 * filled in document order, and a "$or" as one copy of that map per
 * alternative with the alternative's paths written into it. A path written
 * twice keeps what was written last: {"a": ["x"], "$or": [{"a": ["y"]}, ...]}
 * means a = "y" in its first alternative. Expansion builds exactly those
 * maps, as trees without "$or" (paths sharing a prefix share a nested level),
 * so that matching stays element-consistent over arrays of objects.
 */
typedef struct pattern_alts {
    pattern_level **v;
    size_t n;
} pattern_alts;

static pattern_level *pattern_level_new(pattern_compiler *c, size_t nfields)
{
    pattern_level *level = pattern_alloc(c->p, sizeof *level);
    if (level != NULL && nfields > 0) {
        level->fields = pattern_alloc(c->p, nfields * sizeof *level->fields);
        if (level->fields == NULL) {
            level = NULL;
        }
    }
    if (level == NULL) {
        pattern_oom(c);
    }
    return level;
}

static pattern_field *pattern_find_field(pattern_level *level, const pattern_field *like)
{
    for (size_t i = 0; i < level->nfields; i++) {
        pattern_field *f = &level->fields[i];
        if (f->namelen == like->namelen && memcmp(f->name, like->name, f->namelen) == 0 &&
            (f->child != NULL) == (like->child != NULL)) {
            return f;
        }
    }
    return NULL;
}

/* a with b's paths written over it (both "$or"-free); a new level. */
static pattern_level *pattern_overlay(pattern_compiler *c, const pattern_level *a,
                                      const pattern_level *b)
{
    pattern_level *m = pattern_level_new(c, a->nfields + b->nfields);
    if (m == NULL) {
        return NULL;
    }
    if (a->nfields > 0) {
        memcpy(m->fields, a->fields, a->nfields * sizeof *a->fields);
    }
    m->nfields = a->nfields;
    for (size_t i = 0; i < b->nfields; i++) {
        const pattern_field *fb = &b->fields[i];
        pattern_field *fa = pattern_find_field(m, fb);
        if (fa == NULL) {
            m->fields[m->nfields++] = *fb;
        } else if (fb->child != NULL) {
            fa->child = pattern_overlay(c, fa->child, fb->child);
            if (fa->child == NULL) {
                return NULL;
            }
        } else {
            *fa = *fb;
        }
    }
    return m;
}

/* Replaces *acc with every overlay of one of *acc by one of with. */
static int pattern_product(pattern_compiler *c, pattern_alts *acc, const pattern_alts *with)
{
    if (with->n != 0 && acc->n > PATTERN_ALTS_MAX / with->n) {
        return pattern_fail(c, SLUICE_ETOOBIG, "\"$or\" expands into more than %d alternatives",
                            PATTERN_ALTS_MAX);
    }
    pattern_alts next = {.v = pattern_alloc(c->p, acc->n * with->n * sizeof *next.v + 1)};
    if (next.v == NULL) {
        return pattern_oom(c);
    }
    for (size_t i = 0; i < acc->n; i++) {
        for (size_t j = 0; j < with->n; j++) {
            next.v[next.n] = pattern_overlay(c, acc->v[i], with->v[j]);
            if (next.v[next.n] == NULL) {
                return c->rc;
            }
            next.n++;
        }
    }
    *acc = next;
    return 0;
}

/* The "$or"-free levels one member of a level stands for. */
static int pattern_expand(pattern_compiler *c, const pattern_level *level, pattern_alts *out);

static int pattern_expand_member(pattern_compiler *c, const pattern_field *f, pattern_alts *out)
{
    if (f->or != NULL) {
        pattern_alts choices = {0};
        for (size_t j = 0; j < f->or->nalts; j++) {
            pattern_alts some = {0};
            int rc = pattern_expand(c, f->or->alts[j], &some);
            if (rc != 0) {
                return rc;
            }
            if (choices.n + some.n > PATTERN_ALTS_MAX) {
                return pattern_fail(c, SLUICE_ETOOBIG,
                                    "\"$or\" expands into more than %d alternatives",
                                    PATTERN_ALTS_MAX);
            }
            pattern_level **v = pattern_alloc(c->p, (choices.n + some.n) * sizeof *v);
            if (v == NULL) {
                return pattern_oom(c);
            }
            if (choices.n > 0) {
                memcpy(v, choices.v, choices.n * sizeof *v);
            }
            memcpy(v + choices.n, some.v, some.n * sizeof *v);
            choices.v = v;
            choices.n += some.n;
        }
        *out = choices;
        return 0;
    }
    pattern_alts children = {.n = 1};
    if (f->child != NULL) {
        int rc = pattern_expand(c, f->child, &children);
        if (rc != 0) {
            return rc;
        }
    }
    out->v = pattern_alloc(c->p, children.n * sizeof *out->v);
    if (out->v == NULL) {
        return pattern_oom(c);
    }
    out->n = 0;
    for (size_t j = 0; j < children.n; j++) {
        pattern_level *one = pattern_level_new(c, 1);
        if (one == NULL) {
            return c->rc;
        }
        one->fields[0] = *f;
        if (f->child != NULL) {
            one->fields[0].child = children.v[j];
        }
        one->nfields = 1;
        out->v[out->n++] = one;
    }
    return 0;
}

static int pattern_expand(pattern_compiler *c, const pattern_level *level, pattern_alts *out)
{
    pattern_level *empty = pattern_level_new(c, 0);
    pattern_alts acc = {.v = pattern_alloc(c->p, sizeof *acc.v), .n = 1};
    if (empty == NULL || acc.v == NULL) {
        return pattern_oom(c);
    }
    acc.v[0] = empty;
    for (size_t i = 0; i < level->nfields; i++) {
        pattern_alts with = {0};
        int rc = pattern_expand_member(c, &level->fields[i], &with);
        if (rc == 0) {
            rc = pattern_product(c, &acc, &with);
        }
        if (rc != 0) {
            return rc;
        }
    }
    *out = acc;
    return 0;
}

int pattern_compile_json(const json_t *doc, pattern **out, char *err, size_t errlen)
{
    *out = NULL;
    pattern *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    pattern_compiler c = {.p = p, .err = err, .errlen = errlen};
    p->root = pattern_level_compile(&c, doc, 1);
    pattern_alts alts = {0};
    if (p->root == NULL || pattern_expand(&c, p->root, &alts) != 0) {
        pattern_free(p);
        return c.rc != 0 ? c.rc : SLUICE_EINVAL;
    }
    p->alts = alts.v;
    p->nalts = alts.n;
    *out = p;
    return 0;
}

int pattern_compile(const char *text, size_t len, pattern **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > PATTERN_TEXT_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "Event pattern is not valid: %zu bytes, the limit is %d", len,
                                PATTERN_TEXT_MAX);
    }
    if (sluice_jsontext_depth(text, len, 2 * PATTERN_DEPTH_MAX) > 2 * PATTERN_DEPTH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "Event pattern is not valid: nested more than %d levels deep",
                                PATTERN_DEPTH_MAX);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "Event pattern is not valid JSON: %s at line %d, column %d",
                                jerr.text, jerr.line, jerr.column);
    }
    int rc = pattern_compile_json(doc, out, err, errlen);
    json_decref(doc);
    return rc;
}

/* ---- matching --------------------------------------------------------------------- */

static bool pattern_number_equal(double a, double b)
{
    return a == b;
}

static bool pattern_has_prefix(const char *s, size_t len, const pattern_text *t)
{
    return len >= t->len && memcmp(s, t->s, t->len) == 0;
}

static bool pattern_has_suffix(const char *s, size_t len, const pattern_text *t)
{
    return len >= t->len && memcmp(s + len - t->len, t->s, t->len) == 0;
}

static bool pattern_equal(const char *s, size_t len, const pattern_text *t)
{
    return len == t->len && memcmp(s, t->s, len) == 0;
}

/* Glob match over tokens with single-star backtracking (linear in practice). */
static bool pattern_wild_match(const char *s, size_t len, const pattern_text *t)
{
    size_t si = 0;
    size_t ti = 0;
    size_t star = SIZE_MAX;
    size_t mark = 0;
    while (si < len) {
        if (ti < t->nwild && t->wild[ti] == -1) {
            star = ti++;
            mark = si;
        } else if (ti < t->nwild && t->wild[ti] == (unsigned char)s[si]) {
            ti++;
            si++;
        } else if (star != SIZE_MAX) {
            ti = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (ti < t->nwild && t->wild[ti] == -1) {
        ti++;
    }
    return ti == t->nwild;
}

static bool pattern_cidr_match(const pattern_matcher *m, const char *s, size_t len)
{
    char text[64];
    unsigned char addr[16];
    if (len >= sizeof text) {
        return false;
    }
    memcpy(text, s, len);
    text[len] = '\0';
    if (inet_pton(m->family, text, addr) != 1) {
        return false;
    }
    int full = m->bits / 8;
    int rest = m->bits % 8;
    if (memcmp(addr, m->addr, (size_t)full) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[full] & mask) == (m->addr[full] & mask);
}

/* The string kinds that compare against a folded copy of the value. */
static bool pattern_kind_folds(pattern_kind kind)
{
    return kind == PATTERN_PREFIX_CI || kind == PATTERN_SUFFIX_CI || kind == PATTERN_EQUALS_CI ||
           kind == PATTERN_NOT_EQUALS_CI;
}

/* Whether string value s matches a string kind of m (s already folded for the _CI kinds). */
static bool pattern_string_match(const pattern_matcher *m, const char *s, size_t len)
{
    bool any = false;
    for (size_t i = 0; i < m->ntexts && !any; i++) {
        const pattern_text *t = &m->texts[i];
        switch (m->kind) {
        case PATTERN_STRING:
        case PATTERN_EQUALS_CI:
        case PATTERN_NOT_STRINGS:
        case PATTERN_NOT_EQUALS_CI:
            any = pattern_equal(s, len, t);
            break;
        case PATTERN_PREFIX:
        case PATTERN_PREFIX_CI:
        case PATTERN_NOT_PREFIX:
            any = pattern_has_prefix(s, len, t);
            break;
        case PATTERN_SUFFIX:
        case PATTERN_SUFFIX_CI:
        case PATTERN_NOT_SUFFIX:
            any = pattern_has_suffix(s, len, t);
            break;
        case PATTERN_WILDCARD:
        case PATTERN_NOT_WILDCARD:
            any = pattern_wild_match(s, len, t);
            break;
        default:
            break;
        }
    }
    return any;
}

static bool pattern_kind_negates(pattern_kind kind)
{
    return kind >= PATTERN_NOT_STRINGS;
}

/* Whether one value (not an object or array) satisfies m. */
static bool pattern_value_match(const pattern_matcher *m, const json_t *v)
{
    switch (m->kind) {
    case PATTERN_TRUE:
        return json_is_true(v);
    case PATTERN_FALSE:
        return json_is_false(v);
    case PATTERN_NULL:
        return json_is_null(v);
    case PATTERN_EXISTS:
        return m->exists;
    case PATTERN_NUMBER:
        return json_is_number(v) && pattern_number_equal(json_number_value(v), m->numbers[0]);
    case PATTERN_NOT_NUMBERS: {
        if (!json_is_number(v)) {
            return true;
        }
        for (size_t i = 0; i < m->nnumbers; i++) {
            if (pattern_number_equal(json_number_value(v), m->numbers[i])) {
                return false;
            }
        }
        return true;
    }
    case PATTERN_NUMERIC: {
        if (!json_is_number(v)) {
            return false;
        }
        double x = json_number_value(v);
        bool lo_ok = !m->has_lo || (m->lo_incl ? x >= m->lo : x > m->lo);
        bool hi_ok = !m->has_hi || (m->hi_incl ? x <= m->hi : x < m->hi);
        return lo_ok && hi_ok;
    }
    case PATTERN_CIDR:
        return json_is_string(v) &&
               pattern_cidr_match(m, json_string_value(v), json_string_length(v));
    default:
        break;
    }
    /* the string kinds */
    if (!json_is_string(v)) {
        return pattern_kind_negates(m->kind);
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    bool hit;
    if (pattern_kind_folds(m->kind)) {
        char stack[PATTERN_FOLD_STACK];
        char *folded = len <= sizeof stack ? stack : malloc(len);
        if (folded == NULL) {
            abort(); /* the library's out-of-memory policy for a matcher that cannot fail */
        }
        pattern_fold(s, len, folded);
        hit = pattern_string_match(m, folded, len);
        if (folded != stack) {
            free(folded);
        }
    } else {
        hit = pattern_string_match(m, s, len);
    }
    return pattern_kind_negates(m->kind) ? !hit : hit;
}

/* Whether any value of v (arrays flattened, objects skipped) satisfies m; counts them. */
static bool pattern_values_match(const pattern_matcher *m, const json_t *v, int depth,
                                 size_t *count)
{
    if (v == NULL || json_is_object(v)) {
        return false;
    }
    if (!json_is_array(v)) {
        (*count)++;
        return m->kind != PATTERN_EXISTS && pattern_value_match(m, v);
    }
    if (depth >= PATTERN_EVENT_DEPTH_MAX) {
        return false;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        if (pattern_values_match(m, item, depth + 1, count)) {
            return true;
        }
    }
    return false;
}

static bool pattern_level_match(const pattern_level *level, const json_t *obj);

/* Whether a nested level matches v: an object, some object of an array, or nothing. */
static bool pattern_child_match(const pattern_level *child, const json_t *v, int depth,
                                bool *saw_object)
{
    if (json_is_object(v)) {
        *saw_object = true;
        return pattern_level_match(child, v);
    }
    if (!json_is_array(v) || depth >= PATTERN_EVENT_DEPTH_MAX) {
        return false;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        if (pattern_child_match(child, item, depth + 1, saw_object)) {
            return true;
        }
    }
    return false;
}

static bool pattern_field_match(const pattern_field *f, const json_t *obj)
{
    const json_t *v = obj != NULL ? json_object_getn(obj, f->name, f->namelen) : NULL;
    if (f->child != NULL) {
        bool saw_object = false;
        if (pattern_child_match(f->child, v, 0, &saw_object)) {
            return true;
        }
        /* no object to descend into: the nested fields are all absent */
        return !saw_object && pattern_level_match(f->child, NULL);
    }
    for (size_t i = 0; i < f->nmatchers; i++) {
        const pattern_matcher *m = &f->matchers[i];
        size_t count = 0;
        if (pattern_values_match(m, v, 0, &count)) {
            return true;
        }
        if (m->kind == PATTERN_EXISTS && m->exists == (count > 0)) {
            return true;
        }
    }
    return false;
}

static bool pattern_level_match(const pattern_level *level, const json_t *obj)
{
    for (size_t i = 0; i < level->nfields; i++) {
        if (!pattern_field_match(&level->fields[i], obj)) {
            return false;
        }
    }
    return true;
}

bool pattern_match(const pattern *p, const json_t *event)
{
    const json_t *obj = json_is_object(event) ? event : NULL;
    for (size_t i = 0; i < p->nalts; i++) {
        if (pattern_level_match(p->alts[i], obj)) {
            return true;
        }
    }
    return false;
}
