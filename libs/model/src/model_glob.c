/*
 * model_glob.c — Java-style glob patterns compiled to a small automaton
 * (model_glob.h).
 *
 * Compilation follows java.nio's Globs.toRegexPattern rule by rule (same
 * errors at the same places) but emits instructions instead of a regular
 * expression: CHAR, ANY (one non-"/"), CLASS (ranges, maybe negated, never
 * "/"), STAR (loop over non-"/"), DSTAR (loop over anything), SPLIT
 * (alternatives of a group), JMP, MATCH. Matching is a Pike-style
 * simulation: the set of live instructions advances one code point at a
 * time, with working memory on the stack (the instruction count is bounded
 * by the pattern bound). Pure.
 */
#include "sluice/model_glob.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GLOB_MAX_INSNS (MODEL_GLOB_MAX_PATTERN + 2) /* one per code point, plus MATCH */

typedef enum glob_op {
    OP_CHAR,
    OP_ANY,
    OP_CLASS,
    OP_STAR,
    OP_DSTAR,
    OP_SPLIT,
    OP_JMP,
    OP_MATCH,
} glob_op;

typedef struct glob_insn {
    glob_op op;
    bool negated; /* CLASS */
    uint32_t c;   /* CHAR */
    uint32_t a;   /* CLASS: first range; SPLIT: first target; JMP: target */
    uint32_t n;   /* CLASS: range count; SPLIT: target count */
} glob_insn;

typedef struct glob_range {
    uint32_t lo;
    uint32_t hi;
} glob_range;

struct model_glob {
    glob_insn *insns;
    size_t ninsns;
    glob_range *ranges;
    size_t nranges;
    uint32_t *targets;
    size_t ntargets;
};

/* Decodes one UTF-8 code point at *p (invalid bytes stand for themselves). */
static uint32_t utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int extra = 0;
    if (c >= 0xF0 && c <= 0xF4) {
        extra = 3;
        c &= 0x07;
    } else if (c >= 0xE0) {
        extra = 2;
        c &= 0x0F;
    } else if (c >= 0xC2 && c <= 0xDF) {
        extra = 1;
        c &= 0x1F;
    }
    if (c == s[0] && extra == 0) {
        *p = s + 1;
        return c;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return s[0];
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *p = s + 1 + extra;
    return c;
}

void model_glob_free(model_glob *glob)
{
    if (glob == NULL) {
        return;
    }
    free(glob->insns);
    free(glob->ranges);
    free(glob->targets);
    free(glob);
}

typedef struct compiler {
    model_glob *glob;
    uint32_t *cps; /* the pattern's code points */
    size_t ncps;
    size_t i; /* next code point */
    char *errbuf;
    size_t errlen;
} compiler;

static uint32_t emit(compiler *cc, glob_op op)
{
    model_glob *g = cc->glob;
    glob_insn *insn = &g->insns[g->ninsns];
    memset(insn, 0, sizeof(*insn));
    insn->op = op;
    return (uint32_t)g->ninsns++;
}

static int syntax_error(compiler *cc, const char *what, size_t index)
{
    return sluice_error_set(cc->errbuf, cc->errlen, SLUICE_EINVAL,
                            "%s at character %zu of the glob pattern", what, index + 1);
}

/* After "[": a class up to its "]" (Globs.toRegexPattern's '[' case). */
static int compile_class(compiler *cc)
{
    model_glob *g = cc->glob;
    uint32_t insn = emit(cc, OP_CLASS);
    bool has_range_start = false;
    uint32_t last = 0;
    uint32_t c = 0;
    bool closed = false;

    g->insns[insn].a = (uint32_t)g->nranges;
    if (cc->i < cc->ncps && cc->cps[cc->i] == '^') {
        g->ranges[g->nranges++] = (glob_range){'^', '^'};
        cc->i++;
    } else {
        if (cc->i < cc->ncps && cc->cps[cc->i] == '!') {
            g->insns[insn].negated = true;
            cc->i++;
        }
        if (cc->i < cc->ncps && cc->cps[cc->i] == '-') {
            g->ranges[g->nranges++] = (glob_range){'-', '-'};
            cc->i++;
        }
    }
    while (cc->i < cc->ncps) {
        c = cc->cps[cc->i++];
        if (c == ']') {
            closed = true;
            break;
        }
        if (c == '/') {
            return syntax_error(cc, "explicit \"/\" in a character class", cc->i - 1);
        }
        if (c == '-') {
            if (!has_range_start) {
                return syntax_error(cc, "invalid range", cc->i - 1);
            }
            if (cc->i >= cc->ncps) {
                break;
            }
            c = cc->cps[cc->i++];
            if (c == ']') {
                /* "a-]": the dash is literal, the class ends. */
                g->ranges[g->nranges++] = (glob_range){'-', '-'};
                closed = true;
                break;
            }
            if (c < last) {
                return syntax_error(cc, "invalid range", cc->i - 3);
            }
            g->ranges[g->nranges - 1].hi = c;
            has_range_start = false;
        } else {
            g->ranges[g->nranges++] = (glob_range){c, c};
            has_range_start = true;
            last = c;
        }
    }
    if (!closed) {
        return syntax_error(cc, "missing \"]\"", cc->i > 0 ? cc->i - 1 : 0);
    }
    g->insns[insn].n = (uint32_t)g->nranges - g->insns[insn].a;
    if (g->insns[insn].n == 0) {
        return syntax_error(cc, "empty character class", cc->i - 1);
    }
    return SLUICE_OK;
}

static int compile_all(compiler *cc)
{
    model_glob *g = cc->glob;
    bool in_group = false;
    uint32_t split = 0;
    uint32_t group_jumps[MODEL_GLOB_MAX_PATTERN];
    size_t njumps = 0;

    while (cc->i < cc->ncps) {
        uint32_t c = cc->cps[cc->i++];
        switch (c) {
        case '\\':
            if (cc->i >= cc->ncps) {
                return syntax_error(cc, "no character to escape", cc->i - 1);
            }
            g->insns[emit(cc, OP_CHAR)].c = cc->cps[cc->i++];
            break;
        case '/':
            g->insns[emit(cc, OP_CHAR)].c = c;
            break;
        case '[': {
            int rc = compile_class(cc);
            if (rc != SLUICE_OK) {
                return rc;
            }
            break;
        }
        case '{':
            if (in_group) {
                return syntax_error(cc, "cannot nest groups", cc->i - 1);
            }
            in_group = true;
            njumps = 0;
            split = emit(cc, OP_SPLIT);
            g->insns[split].a = (uint32_t)g->ntargets;
            g->targets[g->ntargets++] = (uint32_t)g->ninsns;
            break;
        case '}':
            if (in_group) {
                in_group = false;
                g->insns[split].n = (uint32_t)g->ntargets - g->insns[split].a;
                for (size_t j = 0; j < njumps; j++) {
                    g->insns[group_jumps[j]].a = (uint32_t)g->ninsns;
                }
            } else {
                g->insns[emit(cc, OP_CHAR)].c = c;
            }
            break;
        case ',':
            if (in_group) {
                group_jumps[njumps++] = emit(cc, OP_JMP);
                g->targets[g->ntargets++] = (uint32_t)g->ninsns;
            } else {
                g->insns[emit(cc, OP_CHAR)].c = c;
            }
            break;
        case '*':
            if (cc->i < cc->ncps && cc->cps[cc->i] == '*') {
                cc->i++;
                emit(cc, OP_DSTAR);
            } else {
                emit(cc, OP_STAR);
            }
            break;
        case '?':
            emit(cc, OP_ANY);
            break;
        default:
            g->insns[emit(cc, OP_CHAR)].c = c;
            break;
        }
    }
    if (in_group) {
        return syntax_error(cc, "missing \"}\"", cc->ncps > 0 ? cc->ncps - 1 : 0);
    }
    emit(cc, OP_MATCH);
    return SLUICE_OK;
}

int model_glob_compile(const char *pattern, model_glob **out, char *errbuf, size_t errlen)
{
    compiler cc = {.errbuf = errbuf, .errlen = errlen};
    size_t len = strlen(pattern);
    int rc = SLUICE_ENOMEM;

    *out = NULL;
    if (len > MODEL_GLOB_MAX_PATTERN) {
        return sluice_error_set(errbuf, errlen, SLUICE_ETOOBIG,
                                "glob pattern is %zu bytes; the limit is %d", len,
                                MODEL_GLOB_MAX_PATTERN);
    }
    cc.glob = calloc(1, sizeof(*cc.glob));
    cc.cps = calloc(len + 1, sizeof(uint32_t));
    if (cc.glob == NULL || cc.cps == NULL) {
        goto out;
    }
    /* Every code point yields at most one instruction, range or target (plus SPLIT's
     * first target and MATCH), so these bounds cannot be exceeded. */
    cc.glob->insns = calloc(len + 2, sizeof(glob_insn));
    cc.glob->ranges = calloc(len + 1, sizeof(glob_range));
    cc.glob->targets = calloc(len + 1, sizeof(uint32_t));
    if (cc.glob->insns == NULL || cc.glob->ranges == NULL || cc.glob->targets == NULL) {
        goto out;
    }
    for (const unsigned char *p = (const unsigned char *)pattern; *p != '\0';) {
        cc.cps[cc.ncps++] = utf8_next(&p);
    }
    rc = compile_all(&cc);
    if (rc == SLUICE_OK) {
        *out = cc.glob;
        cc.glob = NULL; /* now owned by the caller */
    }
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(errbuf, errlen, SLUICE_ENOMEM, "out of memory");
    }
    free(cc.cps);
    model_glob_free(cc.glob);
    return rc;
}

/* ---- matching ----------------------------------------------------------------------------- */

typedef struct glob_set {
    uint16_t pcs[GLOB_MAX_INSNS];
    size_t n;
} glob_set;

typedef struct glob_vm {
    const model_glob *glob;
    uint32_t marks[GLOB_MAX_INSNS];
    uint32_t gen;
    uint16_t stack[GLOB_MAX_INSNS];
} glob_vm;

/* Adds pc and everything reachable from it without consuming input. */
static void set_add(glob_vm *vm, glob_set *set, uint32_t start)
{
    size_t top = 0;
    if (vm->marks[start] == vm->gen) {
        return;
    }
    vm->marks[start] = vm->gen;
    vm->stack[top++] = (uint16_t)start;
    while (top > 0) {
        uint32_t pc = vm->stack[--top];
        const glob_insn *insn = &vm->glob->insns[pc];
        uint32_t next[2];
        size_t nnext = 0;
        switch (insn->op) {
        case OP_JMP:
            next[nnext++] = insn->a;
            break;
        case OP_SPLIT:
            for (uint32_t j = 0; j < insn->n; j++) {
                uint32_t t = vm->glob->targets[insn->a + j];
                if (vm->marks[t] != vm->gen) {
                    vm->marks[t] = vm->gen;
                    vm->stack[top++] = (uint16_t)t;
                }
            }
            break;
        case OP_STAR:
        case OP_DSTAR:
            set->pcs[set->n++] = (uint16_t)pc;
            next[nnext++] = pc + 1;
            break;
        default:
            set->pcs[set->n++] = (uint16_t)pc;
            break;
        }
        for (size_t j = 0; j < nnext; j++) {
            if (vm->marks[next[j]] != vm->gen) {
                vm->marks[next[j]] = vm->gen;
                vm->stack[top++] = (uint16_t)next[j];
            }
        }
    }
}

static bool class_has(const model_glob *glob, const glob_insn *insn, uint32_t c)
{
    bool in = false;
    for (uint32_t j = 0; j < insn->n && !in; j++) {
        const glob_range *r = &glob->ranges[insn->a + j];
        in = c >= r->lo && c <= r->hi;
    }
    return in != insn->negated;
}

static void next_generation(glob_vm *vm)
{
    vm->gen++;
    if (vm->gen == 0) {
        memset(vm->marks, 0, sizeof(vm->marks));
        vm->gen = 1;
    }
}

bool model_glob_match(const model_glob *glob, const char *text)
{
    glob_vm vm;
    glob_set sets[2];
    glob_set *cur = &sets[0];
    glob_set *nxt = &sets[1];
    const unsigned char *p = (const unsigned char *)text;

    vm.glob = glob;
    vm.gen = 1;
    memset(vm.marks, 0, glob->ninsns * sizeof(vm.marks[0]));
    cur->n = 0;
    set_add(&vm, cur, 0);
    while (*p != '\0' && cur->n > 0) {
        uint32_t c = utf8_next(&p);
        next_generation(&vm);
        nxt->n = 0;
        for (size_t k = 0; k < cur->n; k++) {
            uint32_t pc = cur->pcs[k];
            const glob_insn *insn = &glob->insns[pc];
            switch (insn->op) {
            case OP_CHAR:
                if (c == insn->c) {
                    set_add(&vm, nxt, pc + 1);
                }
                break;
            case OP_ANY:
                if (c != '/') {
                    set_add(&vm, nxt, pc + 1);
                }
                break;
            case OP_CLASS:
                if (c != '/' && class_has(glob, insn, c)) {
                    set_add(&vm, nxt, pc + 1);
                }
                break;
            case OP_STAR:
                if (c != '/') {
                    set_add(&vm, nxt, pc);
                }
                break;
            case OP_DSTAR:
                set_add(&vm, nxt, pc);
                break;
            case OP_SPLIT:
            case OP_JMP:
            case OP_MATCH:
                break;
            }
        }
        glob_set *swap = cur;
        cur = nxt;
        nxt = swap;
    }
    if (*p != '\0') {
        return false;
    }
    for (size_t k = 0; k < cur->n; k++) {
        if (glob->insns[cur->pcs[k]].op == OP_MATCH) {
            return true;
        }
    }
    return false;
}

bool model_glob_match_once(const char *pattern, const char *text)
{
    model_glob *glob = NULL;
    if (model_glob_compile(pattern, &glob, NULL, 0) != SLUICE_OK) {
        return false;
    }
    bool matched = model_glob_match(glob, text);
    model_glob_free(glob);
    return matched;
}
