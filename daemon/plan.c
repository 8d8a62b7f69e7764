/*
 * plan.c: one variant per file so the bundle fits and the least legible
 * page is as legible as possible. The worst rank is the objective: the
 * highest rank R such that every file at its smallest variant of rank at
 * least R fits (menus are strictly decreasing in rank and bytes, so that
 * choice is the cheapest for R). A greedy walk that steps the most
 * legible file down can jump it far below what a step of another file
 * would cost. Then files step back up, least legible first, while the
 * total still fits.
 */
#include <errno.h>
#include <limits.h>

#include "plan.h"

int64_t
plan_total(const struct plan_file *f, size_t n)
{
	int64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += f[i].v[f[i].chosen].bytes;
	return t;
}

/* The smallest variant of file f that is at least as legible as rank,
 * or -1 when none is (a menu is strictly decreasing in both). */
static int
at_least(const struct plan_file *f, int rank)
{
	int k = -1;

	while (k + 1 < f->n && f->v[k + 1].rank >= rank)
		k++;
	return k;
}

/* Puts every file at its smallest variant of at least rank: 0 when the
 * total fits budget, -ENOSPC otherwise (nothing is changed when a file
 * has no such variant). */
static int
level_at(struct plan_file *f, size_t n, int rank, int64_t budget)
{
	int64_t total = 0;
	int k;

	for (size_t i = 0; i < n; i++) {
		if ((k = at_least(&f[i], rank)) < 0)
			return -ENOSPC;
		total += f[i].v[k].bytes;
	}
	if (total > budget)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		f[i].chosen = at_least(&f[i], rank);
	return 0;
}

/* The most legible rank below `below` that some menu lists, or -1. */
static int
next_rank(const struct plan_file *f, size_t n, int below)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < f[i].n; k++)
			if (f[i].v[k].rank < below && f[i].v[k].rank > best)
				best = f[i].v[k].rank;
	return best;
}

/* The bytes file f's step up costs. */
static int64_t
step_cost(const struct plan_file *f)
{
	return f->v[f->chosen - 1].bytes - f->v[f->chosen].bytes;
}

/* The least legible file that can step up within budget (the cheapest
 * step breaks ties, so that more files can rise), or -1. */
static int
pick_up(const struct plan_file *f, size_t n, int64_t room)
{
	int best = -1, r, br;

	for (size_t i = 0; i < n; i++) {
		if (f[i].chosen == 0 || step_cost(&f[i]) > room)
			continue;
		r = f[i].v[f[i].chosen].rank;
		br = best < 0 ? 0 : f[best].v[f[best].chosen].rank;
		if (best < 0 || r < br ||
		    (r == br && step_cost(&f[i]) < step_cost(&f[best])))
			best = (int)i;
	}
	return best;
}

int
plan_choose(struct plan_file *f, size_t n, int64_t budget)
{
	int64_t total;
	int i, rank = INT_MAX;

	/* the highest worst rank that fits: each file at its smallest
	 * variant that legible, tried from the top down */
	while ((rank = next_rank(f, n, rank)) >= 0)
		if (level_at(f, n, rank, budget) == 0)
			break;
	if (rank < 0) {
		for (size_t k = 0; k < n; k++)
			f[k].chosen = f[k].n - 1;
		return plan_total(f, n) > budget ? -ENOSPC : 0;
	}
	total = plan_total(f, n);
	while ((i = pick_up(f, n, budget - total)) >= 0) {
		total += step_cost(&f[i]);
		f[i].chosen--;
	}
	return 0;
}

int
plan_worst(const struct plan_file *f, size_t n)
{
	int worst = 101;

	for (size_t i = 0; i < n; i++)
		if (f[i].v[f[i].chosen].rank < worst)
			worst = f[i].v[f[i].chosen].rank;
	return worst;
}

/*
 * A cut menu lists keep and a run of the ladder around the file's target
 * (the worker's first variant within it and the one above, filters/
 * menu.c): the missing variants lie between keep and the run's first
 * (larger than it) and after its last (smaller than it, and less
 * legible). A run of one has nothing above it: it is the ladder's top.
 * The cheapest choice of at least rank r the whole menu could offer is at
 * least what least_bytes says: the listed one, but for those two gaps.
 */
static int64_t
least_bytes(const struct plan_file *f, int rank)
{
	int k = at_least(f, rank);

	if (!f->partial || f->v[k].rank == rank)
		return f->v[k].bytes;
	if (k == f->n - 1) /* the last listed: smaller ones may follow */
		return 0;
	if (k == 0) /* keep: more legible than the run's first */
		return f->n > 2 ? f->v[1].bytes : f->v[0].bytes;
	return f->v[k].bytes;
}

/*
 * For the worst rank W to rise, every file needs a variant of rank above
 * W. A cut menu binds when the whole one could offer that more cheaply
 * than the listed one, unless even at those lower bounds the files
 * exceed the budget: then nothing changes. When nothing fits, every cut
 * menu may bind (smaller variants may follow its last), unless the
 * others' smallest variants alone exceed the budget.
 */
int
plan_binding(struct plan_file *f, size_t n, int64_t budget, int rc)
{
	int worst = rc == 0 ? plan_worst(f, n) : -1;
	int64_t need = 0;
	int nbind = 0;

	for (size_t i = 0; i < n; i++) {
		if (rc < 0) {
			f[i].binds = f[i].partial;
			need += f[i].binds ? 0 : f[i].v[f[i].n - 1].bytes;
		} else if (worst >= 100) {
			f[i].binds = 0;
		} else {
			int64_t low = least_bytes(&f[i], worst + 1);
			f[i].binds = low <
			    f[i].v[at_least(&f[i], worst + 1)].bytes;
			need += low;
		}
		nbind += f[i].binds;
	}
	if (nbind == 0 || need <= budget)
		return nbind;
	for (size_t i = 0; i < n; i++)
		f[i].binds = 0;
	return 0;
}
