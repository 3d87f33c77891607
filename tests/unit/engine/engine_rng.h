/*
 * engine_rng.h — the engine's tests' pseudo-random numbers: xorshift64*, a
 * seed in, the same sequence out on every machine, so a randomised test that
 * fails names a seed that fails again.
 *
 * Not for anything secret, and not what the engine itself uses (it takes its
 * randomness from the caller). A tk_rng is a plain value: one per test thread.
 */
#ifndef ENGINE_RNG_H
#define ENGINE_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The generator's state: set s to a non-zero seed ({.s = SEED}); zero stays zero. */
typedef struct tk_rng {
    uint64_t s;
} tk_rng;

/* The next 64-bit number of the sequence; advances r. */
uint64_t tk_rng_next(tk_rng *r);

/* A number in [0, n) (0 when n is 0); advances r. */
size_t tk_rng_below(tk_rng *r, size_t n);

/* True with about percent % probability (0..100); advances r. */
bool tk_rng_chance(tk_rng *r, int percent);

#endif
