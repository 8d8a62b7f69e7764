/* test_plan.c: the budget planner chooses one variant per file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "plan.h"

#define V(b, r) { "v", (b), (r), -1, "" }

static const struct report_variant big[] = {
	V(4000000, 100), V(1500000, 80), V(900000, 60), V(500000, 40),
	V(300000, 20),
};
static const struct report_variant mid[] = {
	V(2500000, 100), V(1000000, 80), V(600000, 60), V(350000, 40),
};
static const struct report_variant fixed[] = { V(800000, 100) };

static void
test_fits_without_change(void **state)
{
	struct plan_file f[] = { { fixed, 1, 9, 0 }, { mid, 4, 9, 0 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 5000000), 0);
	assert_int_equal(f[0].chosen, 0);
	assert_int_equal(f[1].chosen, 0);
}

static void
test_balances_worst_page(void **state)
{
	struct plan_file f[] = { { big, 5, 0, 0 }, { mid, 4, 0, 0 } };
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
	struct plan_file f[] = { { big, 5, 0, 0 }, { mid, 4, 0, 0 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 5600000), 0);
	assert_int_equal(f[0].chosen, 1);
	assert_int_equal(f[1].chosen, 0);
}

static void
test_cannot_fit(void **state)
{
	struct plan_file f[] = { { big, 5, 0, 0 }, { fixed, 1, 0, 0 } };

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
	for (int i = 1; i < 12; i++)	/* equal files end within one step */
		assert_true(f[i].chosen - f[0].chosen <= 1 &&
		    f[0].chosen - f[i].chosen <= 1);
}

static void
test_held_back_by_partial_menu(void **state)
{
	/* mid's menu stopped at its share (1 MB, rank 80): the planner steps
	 * big down to 60 while mid stays at 80. With mid's whole menu both
	 * could meet higher: the plan says it was held back. */
	struct plan_file f[] = { { big, 5, 0, 0 }, { mid, 2, 0, 1 } };

	(void)state;
	assert_int_equal(plan_choose(f, 2, 2300000), 0);
	assert_int_equal(big[f[0].chosen].rank, 60);
	assert_int_equal(f[1].chosen, 1);
	assert_true(plan_held_back(f, 2));
	f[1].partial = 0;	/* the whole menu: nothing more to ask */
	assert_false(plan_held_back(f, 2));
	/* at its last variant but no more legible than the worst */
	f[1].partial = 1;
	f[0].chosen = 1;
	assert_false(plan_held_back(f, 2));
	/* not at its last variant */
	f[0].chosen = 2, f[1].chosen = 0;
	assert_false(plan_held_back(f, 2));
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
		cmocka_unit_test(test_held_back_by_partial_menu),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
