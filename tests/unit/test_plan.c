/* test_plan.c: the budget planner chooses one variant per file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "plan.h"

#define V(b, r) \
	{ \
		"v", (b), (r), -1, "" \
	}

static const struct report_variant big[] = {
	V(4000000, 100),
	V(1500000, 80),
	V(900000, 60),
	V(500000, 40),
	V(300000, 20),
};
static const struct report_variant mid[] = {
	V(2500000, 100),
	V(1000000, 80),
	V(600000, 60),
	V(350000, 40),
};
static const struct report_variant fixed[] = { V(800000, 100) };

static void
test_fits_without_change(void **state)
{
	struct plan_file f[] = { { fixed, 1, 9, 0, 0 }, { mid, 4, 9, 0, 0 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 5000000), 0);
	assert_int_equal(f[0].chosen, 0);
	assert_int_equal(f[1].chosen, 0);
}

static void
test_balances_worst_page(void **state)
{
	struct plan_file f[] = { { big, 5, 0, 0, 0 }, { mid, 4, 0, 0, 0 } };
	int64_t total;

	(void)state;
	assert_int_equal(plan_choose(f, 2, 3000000), 0);
	total = plan_total(f, 2);
	printf("chosen %d %d total %lld\n", f[0].chosen, f[1].chosen,
	    (long long)total);
	assert_true(total <= 3000000);
	/* Both at 80 (2.5 MB) beats one at 100 and one far down. */
	assert_int_equal(big[f[0].chosen].rank, 80);
	assert_int_equal(mid[f[1].chosen].rank, 80);
}

static void
test_steps_back_up(void **state)
{
	/* 4.0+2.5 = 6.5 MB; budget 5.6 MB: stepping big to 80 (1.5 MB)
	 * leaves room for mid to stay at 100. */
	struct plan_file f[] = { { big, 5, 0, 0, 0 }, { mid, 4, 0, 0, 0 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 5600000), 0);
	assert_int_equal(f[0].chosen, 1);
	assert_int_equal(f[1].chosen, 0);
}

static void
test_cannot_fit(void **state)
{
	struct plan_file f[] = { { big, 5, 0, 0, 0 }, { fixed, 1, 0, 0, 0 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 1000000), -ENOSPC);
	assert_int_equal(f[0].chosen, 4);
	assert_int_equal(f[1].chosen, 0);
}

static void
test_many_files(void **state)
{
	struct plan_file f[12];

	(void)state;
	for (int i = 0; i < 12; i++) {
		f[i].v = mid;
		f[i].n = 4;
	}
	assert_int_equal(plan_choose(f, 12, 5000000), 0);
	assert_true(plan_total(f, 12) <= 5000000);
	for (int i = 1; i < 12; i++) /* equal files end within one step */
		assert_true(f[i].chosen - f[0].chosen <= 1 &&
		    f[0].chosen - f[i].chosen <= 1);
}

static void
test_binding_partial_menu(void **state)
{
	/* mid's menu stopped at its share (1 MB, rank 80): the planner steps
	 * big down to 60 while mid stays at 80. With mid's whole menu both
	 * could meet higher: mid's menu binds. */
	struct plan_file f[] = { { big, 5, 0, 0, 0 }, { mid, 2, 0, 1, 0 } };
	int rc;

	(void)state;
	assert_int_equal(rc = plan_choose(f, 2, 2300000), 0);
	assert_int_equal(big[f[0].chosen].rank, 60);
	assert_int_equal(f[1].chosen, 1);
	assert_int_equal(plan_binding(f, 2, 2300000, rc), 1);
	assert_false(f[0].binds);
	assert_true(f[1].binds);
	f[1].partial = 0; /* the whole menu: nothing more to ask */
	assert_int_equal(plan_binding(f, 2, 2300000, rc), 0);
	/* big's cheapest variant above 60 (1.5 MB at 80) leaves less than
	 * mid's menu could need: even free, its variants would not help */
	f[1].partial = 1;
	assert_int_equal(plan_binding(f, 2, 1400000, rc), 0);
	/* cut at or below the worst: every variant above it is listed */
	f[1].n = 3;
	assert_int_equal(plan_binding(f, 2, 2300000, rc), 0);
	/* nothing fits: a partial menu may still make it fit */
	f[1].n = 2;
	assert_int_equal(rc = plan_choose(f, 2, 1200000), -ENOSPC);
	assert_int_equal(plan_binding(f, 2, 1200000, rc), 1);
	/* unless the others alone are over */
	assert_int_equal(plan_binding(f, 2, 250000, rc), 0);
}

/* A random menu of n variants, strictly decreasing in rank and bytes, as
 * the worker publishes them (keep first, at rank 100). */
static int
random_menu(struct report_variant *v, unsigned *seed)
{
	int n = 1 + (int)(rand_r(seed) % 6);
	int64_t bytes = 1000 + rand_r(seed) % 3000000;
	int rank = 100;

	for (int k = 0; k < n; k++) {
		v[k] = (struct report_variant){ .bytes = bytes,
			.rank = rank,
			.offset = -1 };
		bytes -= 1 +
		    (int64_t)(rand_r(seed) % (unsigned)(bytes / 2 + 1));
		rank -= 1 + (int)(rand_r(seed) % 15);
		if (bytes < 1 || rank < 0)
			return k + 1;
	}
	return n;
}

/* The best worst rank over every choice, by brute force; -1 when no
 * choice fits. */
static int
best_worst(const struct plan_file *f, size_t n, int64_t budget)
{
	int idx[6] = { 0 }, best = -1;

	for (;;) {
		int64_t total = 0;
		int worst = 101;
		size_t i;

		for (i = 0; i < n; i++) {
			total += f[i].v[idx[i]].bytes;
			if (f[i].v[idx[i]].rank < worst)
				worst = f[i].v[idx[i]].rank;
		}
		if (total <= budget && worst > best)
			best = worst;
		for (i = 0; i < n && ++idx[i] == f[i].n; i++)
			idx[i] = 0;
		if (i == n)
			return best;
	}
}

/* Over random menus and budgets: -ENOSPC (too_large) exactly when the
 * smallest variants do not fit; otherwise a plan within the budget
 * whose worst rank is the best any choice has. */
static void
test_property_random_menus(void **state)
{
	struct report_variant menus[5][6];
	struct plan_file f[5];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t n = 1 + rand_r(&seed) % 5;
		int64_t smallest = 0, budget;
		int rc, want;

		for (size_t i = 0; i < n; i++) {
			f[i] = (struct plan_file){ .v = menus[i],
				.n = random_menu(menus[i], &seed) };
			smallest += menus[i][f[i].n - 1].bytes;
		}
		budget = (int64_t)(rand_r(&seed) %
		    (unsigned)(2 * smallest + 1000000));
		rc = plan_choose(f, n, budget);
		want = best_worst(f, n, budget);
		if ((rc == 0) != (smallest <= budget) ||
		    (rc == 0 &&
			(plan_total(f, n) > budget ||
			    plan_worst(f, n) != want)))
			fail_msg("round %d: %zu files, budget %lld, smallest "
				 "%lld: got rc %d worst %d, want worst %d",
			    round, n, (long long)budget, (long long)smallest,
			    rc, plan_worst(f, n), want);
	}
}

/* Over random menus cut at random places, as the worker cuts them (keep
 * and a run of the ladder, possibly none, one only at the top): when no
 * cut menu binds, the
 * plan on the cut menus is as good as any choice from the whole ones (the
 * same worst rank, or too_large for both). */
static void
test_property_binding(void **state)
{
	struct report_variant menus[5][6], cuts[5][6];
	struct plan_file f[5], whole[5];
	unsigned seed = 777;
	int asked = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + rand_r(&seed) % 5;
		int64_t smallest = 0, budget;
		int rc, want;

		for (size_t i = 0; i < n; i++) {
			int m = random_menu(menus[i], &seed);
			int a = 1 + (int)(rand_r(&seed) % (unsigned)m);
			int b = a +
			    (int)(rand_r(&seed) % (unsigned)(m - a + 1));

			if (b == a + 1) /* a run of one is the ladder's top */
				a = 1, b = 2;

			whole[i] = (struct plan_file){ .v = menus[i], .n = m };
			cuts[i][0] = menus[i][0];
			for (int k = a; k < b; k++)
				cuts[i][1 + k - a] = menus[i][k];
			f[i] = (struct plan_file){ .v = cuts[i],
				.n = 1 + b - a,
				.partial = 1 + b - a < m };
			smallest += menus[i][m - 1].bytes;
		}
		budget = (int64_t)(rand_r(&seed) %
		    (unsigned)(2 * smallest + 1000000));
		rc = plan_choose(f, n, budget);
		if (plan_binding(f, n, budget, rc) > 0) {
			asked++;
			continue;
		}
		want = best_worst(whole, n, budget);
		if ((rc == 0) != (want >= 0) ||
		    (rc == 0 && plan_worst(f, n) != want))
			fail_msg(
			    "round %d: %zu files, budget %lld: nothing "
			    "binds, but the cut plan's rc %d worst %d, the "
			    "whole menus' worst %d",
			    round, n, (long long)budget, rc, plan_worst(f, n),
			    want);
	}
	printf("asked again in %d of 20000 rounds\n", asked);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_without_change),
		cmocka_unit_test(test_balances_worst_page),
		cmocka_unit_test(test_steps_back_up),
		cmocka_unit_test(test_cannot_fit),
		cmocka_unit_test(test_many_files),
		cmocka_unit_test(test_binding_partial_menu),
		cmocka_unit_test(test_property_binding),
		cmocka_unit_test(test_property_random_menus),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
