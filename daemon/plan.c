/*
 * plan.c: one variant per file so the bundle fits and the least legible
 * page is as legible as possible. Step down the file whose current
 * variant is the most legible (the largest saving breaks ties) until the
 * total fits; then step files back up, least legible first, while it
 * still fits, to undo the steps that the last large saving made needless.
 */
#include <errno.h>

#include "plan.h"

int64_t
plan_total(const struct plan_file *f, size_t n)
{
	int64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += f[i].v[f[i].chosen].bytes;
	return t;
}

/* The file to step down next, or -1 when none can. */
static int
pick_down(const struct plan_file *f, size_t n)
{
	int best = -1;
	int64_t best_save = 0;

	for (size_t i = 0; i < n; i++) {
		const struct report_variant *cur = &f[i].v[f[i].chosen];
		int64_t save;
		if (f[i].chosen + 1 >= f[i].n)
			continue;
		save = cur->bytes - cur[1].bytes;
		if (best < 0 || cur->rank > f[best].v[f[best].chosen].rank ||
		    (cur->rank == f[best].v[f[best].chosen].rank &&
		    save > best_save)) {
			best = (int)i;
			best_save = save;
		}
	}
	return best;
}

/* The least legible file that can step up within budget, or -1. */
static int
pick_up(const struct plan_file *f, size_t n, int64_t room)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		const struct report_variant *cur = &f[i].v[f[i].chosen];
		if (f[i].chosen == 0 || cur[-1].bytes - cur->bytes > room)
			continue;
		if (best < 0 || cur->rank < f[best].v[f[best].chosen].rank)
			best = (int)i;
	}
	return best;
}

int
plan_choose(struct plan_file *f, size_t n, int64_t budget)
{
	int64_t total;
	int i;

	for (size_t k = 0; k < n; k++)
		f[k].chosen = 0;
	total = plan_total(f, n);
	while (total > budget && (i = pick_down(f, n)) >= 0) {
		total -= f[i].v[f[i].chosen].bytes - f[i].v[f[i].chosen + 1].bytes;
		f[i].chosen++;
	}
	if (total > budget)
		return -ENOSPC;
	while ((i = pick_up(f, n, budget - total)) >= 0) {
		total += f[i].v[f[i].chosen - 1].bytes - f[i].v[f[i].chosen].bytes;
		f[i].chosen--;
	}
	return 0;
}

int
plan_held_back(const struct plan_file *f, size_t n)
{
	int worst = 101;

	for (size_t i = 0; i < n; i++)
		if (f[i].v[f[i].chosen].rank < worst)
			worst = f[i].v[f[i].chosen].rank;
	for (size_t i = 0; i < n; i++)
		if (f[i].partial && f[i].chosen == f[i].n - 1 &&
		    f[i].v[f[i].chosen].rank > worst)
			return 1;
	return 0;
}
