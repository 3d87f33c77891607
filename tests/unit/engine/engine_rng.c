/*
 * engine_rng.c — xorshift64* (Vigna, "An experimental exploration of
 * Marsaglia's xorshift generators, scrambled": shifts 12, 25, 27 and the
 * multiplier 2685821657736338717) for the tests of engine_rng.h.
 */
#include "engine_rng.h"

uint64_t tk_rng_next(tk_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

size_t tk_rng_below(tk_rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(tk_rng_next(r) % n);
}

bool tk_rng_chance(tk_rng *r, int percent)
{
    return (int)tk_rng_below(r, 100) < percent;
}
