/* crossover.c — ordered crossover (OX) on giant tours. */
#include "dispatch/dsp_internal.h"

#include <string.h>

/* scratch must hold 3n + 1 ints. */
void dsp_crossover_ox(const dsp_instance *in, const dsp_indiv *a,
		      const dsp_indiv *b, int *giant, dsp_rng *rng, int *scratch)
{
	int n = in->n;
	int *ga = scratch, *gb = scratch + n, *used = scratch + 2 * n;
	dsp_giant_tour(in, a, ga);
	dsp_giant_tour(in, b, gb);
	if (n < 2) {
		memcpy(giant, ga, (size_t)n * sizeof(int));
		return;
	}
	int start = dsp_rand_int(rng, n), end = dsp_rand_int(rng, n);
	while (end == start)
		end = dsp_rand_int(rng, n);
	memset(used, 0, (size_t)(n + 1) * sizeof(int));
	int j = start;
	while (j % n != (end + 1) % n) {
		giant[j % n] = ga[j % n];
		used[giant[j % n]] = 1;
		j++;
	}
	for (int i = 1; i <= n; i++) {
		int c = gb[(end + i) % n];
		if (!used[c]) {
			giant[j % n] = c;
			j++;
		}
	}
}
