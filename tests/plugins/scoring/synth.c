/*
 * synth.c - BG/NBD data generator for tests (see synth.h). splitmix64 for
 * uniforms, Marsaglia-Tsang for gamma draws, beta from two gammas.
 */
#include <math.h>

#include "synth.h"

typedef struct rng {
    uint64_t s;
} rng;

static double uniform(rng *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

static double normal(rng *g)
{
    return sqrt(-2 * log(uniform(g))) * cos(2 * M_PI * uniform(g));
}

/* Gamma(shape, scale 1). */
static double gamma_draw(rng *g, double shape)
{
    if (shape < 1)
        return gamma_draw(g, shape + 1) * pow(uniform(g), 1 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(g), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = uniform(g);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

void synth_bgnbd(const sc_bgnbd *p, double T, uint64_t seed, sc_rfm *out, size_t n)
{
    rng g = {seed};
    for (size_t i = 0; i < n; i++) {
        double lambda = gamma_draw(&g, p->r) / p->alpha;
        double ga = gamma_draw(&g, p->a), gb = gamma_draw(&g, p->b);
        double drop = ga / (ga + gb);
        double t = 0, last = 0;
        int x = 0;
        /* Alive at the first purchase (t = 0); may drop out right after each
         * repeat purchase (the paper's likelihood, equation 3). */
        for (;;) {
            t += -log(uniform(&g)) / lambda;
            if (t > T)
                break;
            x++;
            last = t;
            if (uniform(&g) < drop)
                break;
        }
        out[i] = (sc_rfm){x, last, T};
    }
}
