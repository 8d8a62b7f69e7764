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
		if (best < 0 || r < br || (r == br &&
		    step_cost(&f[i]) < step_cost(&f[best])))
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
 * A cut menu's missing variants are all smaller and less legible than its
 * last. For the worst rank W to rise, every file needs a variant of rank
 * above W: one whose last listed is at or below W has all of those
 * listed already, so only a menu whose last is above W can bind. And even
 * free variants for those would not help when the other files' cheapest
 * variants above W exceed the budget. When nothing fits, every partial
 * menu may bind, unless the others' smallest variants alone exceed it.
 */
int
plan_binding(struct plan_file *f, size_t n, int64_t budget, int rc)
{
	int worst = rc == 0 ? plan_worst(f, n) : -1;
	int64_t need = 0;
	int nbind = 0, k;

	for (size_t i = 0; i < n; i++) {
		f[i].binds = f[i].partial && worst < 100 &&
		    f[i].v[f[i].n - 1].rank > worst;
		nbind += f[i].binds;
		if (f[i].binds)
			continue;
		k = rc == 0 ? at_least(&f[i], worst + 1) : f[i].n - 1;
		if (k < 0)	/* no variant above the worst: it cannot rise */
			need = budget + 1;
		else
			need += f[i].v[k].bytes;
	}
	if (nbind == 0 || need <= budget)
		return nbind;
	for (size_t i = 0; i < n; i++)
		f[i].binds = 0;
	return 0;
}
