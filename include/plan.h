/*
 * plan.h: fitting a bundle into its budget: one variant per file from the
 * menus the workers measured, so the total fits and the worst page is as
 * legible as it can be (a multiple-choice knapsack on the worst rank:
 * the best threshold that fits, then a walk back up).
 */
#ifndef QUJAT_PLAN_H
#define QUJAT_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "report.h"

struct plan_file {
	const struct report_variant *v; /* the menu, best first; v[0] keep */
	int n;				/* entries in v (>= 1) */
	int chosen;			/* out: index into v */
	int partial;			/* the menu was cut at the file's
					 * target: variants between keep and
					 * v[1], and after v[n - 1], may be
					 * missing */
	int binds;			/* out (plan_binding): its missing
					 * variants may change the plan */
};

/* Chooses f[i].chosen for every file: the least legible choice as
 * legible as any choice that fits can make it. Returns 0 when the total
 * fits in budget, -ENOSPC exactly when even the smallest variants do not
 * (every file is then at its smallest). */
int plan_choose(struct plan_file *f, size_t n, int64_t budget);

/* Which partial menus bind the plan plan_choose just returned rc for:
 * whether with the variants missing after their last the least legible
 * file could be more legible (rc 0) or the bundle could fit (-ENOSPC).
 * Sets f[i].binds and returns how many bind; when none does, the whole
 * menus would give the same plan (the same worst rank, or too_large). */
int plan_binding(struct plan_file *f, size_t n, int64_t budget, int rc);

/* The least rank among the chosen variants (101 when n is 0). */
int plan_worst(const struct plan_file *f, size_t n);

/* Sum of the chosen variants' bytes. */
int64_t plan_total(const struct plan_file *f, size_t n);

#endif
