/* test_menu.c: the worker's variant IDs, ranks and menus (filters/menu.c),
 * and where a menu's variants go in fd 3, through menu.h and engine.h;
 * the ladder is left to its own tests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "engine.h"
#include "filter.h"
#include "variants.h"

/* The worker's defaults (filters/main.c). */
static const struct filter_limits deflim = {
	.max_dpi = 200,
	.min_dpi = 150,
	.low_dpi = 100,
	.quality_floor = 40,
};

static const struct {
	const char *name;
	int photo;
	double res;
	struct vspec s;
	int want;
} rank_cases[] = {
	/* menu.c's header: these two read about as well */
	{ "150 dpi q85", 0, 300, { .level = 150, .quality = 85 }, 79 },
	{ "200 dpi q55", 0, 300, { .level = 200, .quality = 55 }, 78 },
	{ "max dpi q100", 0, 300, { .level = 200, .quality = 100 }, 99 },
	{ "over max dpi", 0, 600, { .level = 400, .quality = 100 }, 99 },
	{ "max dpi q85", 0, 300, { .level = 200, .quality = 85 }, 92 },
	/* a 100 dpi page at level 200 is at 100 dpi: sqrt(1/2) */
	{ "page below level", 0, 100, { .level = 200, .quality = 85 }, 65 },
	{ "q1", 0, 200, { .level = 200, .quality = 1 }, 54 },
	{ "grey changes nothing", 0, 300,
	    { .level = 150, .quality = 85, .grey = 1 }, 79 },
	{ "lossless", 0, 50, { .lossless = 1 }, 99 },
	{ "photo 600 q85", 1, 1200, { .level = 600, .quality = 85 }, 92 },
	{ "photo 300 q85", 1, 1200, { .level = 300, .quality = 85 }, 65 },
	{ "small photo", 1, 150, { .level = 600, .quality = 70 }, 42 },
};

static void
test_rank_values(void **state)
{
	int got, bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rank_cases / sizeof *rank_cases; i++) {
		got = vspec_rank(&deflim, rank_cases[i].photo,
		    rank_cases[i].res, &rank_cases[i].s);
		if (got != rank_cases[i].want) {
			printf("%s: got %d, want %d\n", rank_cases[i].name, got,
			    rank_cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_rank_monotonic(void **state)
{
	struct vspec a = { .level = 200 }, b = { .level = 200 };

	(void)state;
	for (int q = 1; q < 100; q++) {
		a.quality = q, b.quality = q + 1;
		assert_true(vspec_rank(&deflim, 0, 300, &a) <=
		    vspec_rank(&deflim, 0, 300, &b));
	}
	for (int l = 10; l < 300; l++) {
		a = (struct vspec){ .level = l, .quality = 70 };
		b = (struct vspec){ .level = l + 1, .quality = 70 };
		assert_true(vspec_rank(&deflim, 0, 300, &a) <=
		    vspec_rank(&deflim, 0, 300, &b));
		assert_in_range(vspec_rank(&deflim, 0, 300, &a), 0, 99);
	}
}

static const struct {
	const char *id;
	int want; /* 0 or -EINVAL */
	int level, quality, grey, lossless, photo, flat;
} parse_cases[] = {
	{ "d200q70g", 0, 200, 70, 1, 0, 0, 0 },
	{ "d150q85c", 0, 150, 85, 0, 0, 0, 0 },
	{ "p600q55c", 0, 600, 55, 0, 0, 1, 0 },
	{ "d200q70gf", 0, 200, 70, 1, 0, 0, 1 }, /* of the found sheet */
	{ "d150q85cf", 0, 150, 85, 0, 0, 0, 1 },
	{ "d200q70gff", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q70gx", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d0200q70c", -EINVAL, 0, 0, 0, 0, 0, 0 }, /* one spelling */
	{ "d200q+70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "lossless", 0, 0, 0, 0, 1, 0, 0 },
	{ "d10q1c", 0, 10, 1, 0, 0, 0, 0 }, /* the bounds */
	{ "d10000q100g", 0, 10000, 100, 1, 0, 0, 0 },
	{ "d9q70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d10001q70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q0c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q101c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d-200q70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q-70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "x200q70c", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q70x", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q70", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q70gg", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200q70g ", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "d200x70g", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "keep", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "lossless2", -EINVAL, 0, 0, 0, 0, 0, 0 },
	{ "", -EINVAL, 0, 0, 0, 0, 0, 0 },
};

static void
test_parse_table(void **state)
{
	struct vspec s;
	int rc, bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
		rc = vspec_parse(parse_cases[i].id, &s);
		if (rc != parse_cases[i].want ||
		    (rc == 0 &&
			(s.level != parse_cases[i].level ||
			    s.quality != parse_cases[i].quality ||
			    s.grey != parse_cases[i].grey ||
			    s.lossless != parse_cases[i].lossless ||
			    s.photo != parse_cases[i].photo ||
			    s.flat != parse_cases[i].flat ||
			    strcmp(s.id, parse_cases[i].id) != 0))) {
			printf(
			    "'%s': got %d level %d q %d grey %d lossless %d, "
			    "want %d level %d q %d grey %d lossless %d\n",
			    parse_cases[i].id, rc, s.level, s.quality, s.grey,
			    s.lossless, parse_cases[i].want,
			    parse_cases[i].level, parse_cases[i].quality,
			    parse_cases[i].grey, parse_cases[i].lossless);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every spec a menu names parses back to itself: --variant ID makes what
 * the menu made. */
static void
test_parse_round_trip(void **state)
{
	struct vspec specs[MENU_MAX_SPECS], back;
	struct filter_limits lim = deflim;
	int n;

	(void)state;
	for (int photo = 0; photo < 2; photo++)
		for (int grey = 0; grey < 2; grey++)
			for (lim.quality_floor = 1; lim.quality_floor <= 100;
			     lim.quality_floor += 3) {
				n = menu_specs(&lim, photo, 300, grey, specs,
				    MENU_MAX_SPECS);
				assert_in_range(n, 1, MENU_MAX_SPECS);
				for (int i = 0; i < n; i++) {
					assert_int_equal(
					    vspec_parse(specs[i].id, &back), 0);
					assert_string_equal(back.id,
					    specs[i].id);
					assert_int_equal(back.level,
					    specs[i].level);
					assert_int_equal(back.quality,
					    specs[i].quality);
					assert_int_equal(back.grey, grey);
					assert_int_equal(back.lossless, 0);
				}
			}
}

static const struct {
	const char *name;
	int photo, grey, floor, min_dpi, max;
	double dpi;
	const char *want; /* the IDs, space-separated */
} specs_cases[] = {
	{ "two levels, floor 40: the top one down to q70", 0, 0, 40, 150, 15,
	    300, "d200q85c d200q70c d150q85c d150q70c d150q55c d150q40c" },
	{ "floor 60", 0, 0, 60, 150, 15, 300,
	    "d200q85c d200q70c d150q85c d150q70c d150q60c" },
	{ "floor equal to a step", 0, 0, 55, 150, 15, 300,
	    "d200q85c d200q70c d150q85c d150q70c d150q55c" },
	{ "floor 75: the top level's floor too", 0, 0, 75, 150, 15, 300,
	    "d200q85c d200q75c d150q85c d150q75c" },
	{ "floor 85", 0, 0, 85, 150, 15, 300, "d200q85c d150q85c" },
	{ "floor over the steps", 0, 0, 90, 150, 15, 300, "d200q90c d150q90c" },
	{ "grey", 0, 1, 70, 150, 15, 300,
	    "d200q85g d200q70g d150q85g d150q70g" },
	{ "a 150 dpi page has one level", 0, 0, 40, 150, 15, 150,
	    "d200q85c d200q70c d200q55c d200q40c" },
	{ "just over the second level", 0, 0, 40, 150, 15, 150.6,
	    "d200q85c d200q70c d150q85c d150q70c d150q55c d150q40c" },
	{ "min_dpi raises the second level", 0, 0, 70, 180, 15, 300,
	    "d200q85c d200q70c d180q85c d180q70c" },
	{ "photo", 1, 0, 40, 150, 15, 3000,
	    "p600q85c p600q70c p600q55c p600q40c" },
	{ "max cuts", 0, 0, 40, 150, 3, 300, "d200q85c d200q70c d150q85c" },
};

static void
test_specs_table(void **state)
{
	struct vspec specs[MENU_MAX_SPECS];
	struct filter_limits lim = deflim;
	char got[512];
	size_t off;
	int n, bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof specs_cases / sizeof *specs_cases; i++) {
		lim.quality_floor = specs_cases[i].floor;
		lim.min_dpi = specs_cases[i].min_dpi;
		n = menu_specs(&lim, specs_cases[i].photo, specs_cases[i].dpi,
		    specs_cases[i].grey, specs, specs_cases[i].max);
		got[0] = '\0';
		off = 0;
		for (int k = 0; k < n; k++)
			off += (size_t)snprintf(got + off, sizeof got - off,
			    "%s%s", k ? " " : "", specs[k].id);
		if (strcmp(got, specs_cases[i].want) != 0) {
			printf("%s: got '%s', want '%s'\n", specs_cases[i].name,
			    got, specs_cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Four qualities (three steps and the floor) at the lower of two levels,
 * two at the top: the most a page's menu holds fits MENU_MAX_SPECS. */
static void
test_specs_fit(void **state)
{
	struct vspec specs[MENU_MAX_SPECS];
	int levels[2];

	(void)state;
	assert_int_equal(menu_levels(&deflim, 0, 600, levels), 2);
	assert_int_equal(levels[0], 200);
	assert_int_equal(levels[1], 150);
	assert_int_equal(menu_levels(&deflim, 1, 600, levels), 1);
	assert_int_equal(levels[0], 600);
	assert_int_equal(menu_specs(&deflim, 0, 600, 0, specs, MENU_MAX_SPECS),
	    6);
	assert_true(6 <= MENU_MAX_SPECS);
}

/* A spec list sorted by rank, best first, equal ranks in their order. */
static void
test_sort(void **state)
{
	struct vspec s[4] = {
		{ .id = "a", .level = 150, .quality = 55 },
		{ .id = "b", .level = 200, .quality = 85 },
		{ .id = "c", .level = 150, .quality = 55, .grey = 1 },
		{ .id = "d", .level = 200, .quality = 55 },
	};

	(void)state;
	menu_sort(&deflim, 0, 300, s, 4);
	assert_string_equal(s[0].id, "b");
	assert_string_equal(s[1].id, "d");
	assert_string_equal(s[2].id, "a");
	assert_string_equal(s[3].id, "c");
	assert_int_equal(menu_all_grey(s, 4), 0);
	assert_int_equal(menu_all_grey(s + 3, 1), 1);
	assert_int_equal(menu_all_grey(s, 0), 0);
}

static const struct {
	const char *name;
	int w, h, photo, level;
	double dpi; /* page_dpi(w, h) */
	int tw, th;
} dims_cases[] = {
	{ "A4 at 300 dpi to 200", 2480, 3508, 0, 200, 300, 1654, 2340 },
	{ "landscape A4", 3508, 2480, 0, 200, 300, 2340, 1654 },
	{ "never larger", 1240, 1754, 0, 200, 150, 1240, 1754 },
	/* squarish: the long side says 212 dpi, the short one 242 */
	{ "long side decides", 2480, 2000, 0, 100, 212, 1169, 943 },
	{ "photo short side", 3000, 4000, 1, 600, 0, 600, 800 },
	{ "square photo: the long side is 4:3", 2000, 2000, 1, 600, 0, 800,
	    800 },
	{ "long photo: the short side", 1000, 4000, 1, 600, 0, 600, 2400 },
	{ "small photo", 500, 400, 1, 600, 0, 500, 400 },
};

static void
test_level_dims(void **state)
{
	int tw, th, bad = 0;
	double d;

	(void)state;
	for (size_t i = 0; i < sizeof dims_cases / sizeof *dims_cases; i++) {
		level_dims(dims_cases[i].w, dims_cases[i].h,
		    dims_cases[i].photo, dims_cases[i].level, &tw, &th);
		d = page_dpi(dims_cases[i].w, dims_cases[i].h);
		if (tw != dims_cases[i].tw || th != dims_cases[i].th ||
		    (!dims_cases[i].photo &&
			(int)(d + 0.5) != (int)dims_cases[i].dpi)) {
			printf("%s: got %dx%d at %.1f dpi, want %dx%d at "
			       "%.0f\n",
			    dims_cases[i].name, tw, th, d, dims_cases[i].tw,
			    dims_cases[i].th, dims_cases[i].dpi);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
check_strictly_decreasing(const struct filter_report *rep)
{
	for (int i = 1; i < rep->nvariants; i++)
		if (rep->variants[i].rank >= rep->variants[i - 1].rank ||
		    rep->variants[i].bytes >= rep->variants[i - 1].bytes)
			fail_msg("variant %d (%s %lld %d) after %s %lld %d", i,
			    rep->variants[i].id,
			    (long long)rep->variants[i].bytes,
			    rep->variants[i].rank, rep->variants[i - 1].id,
			    (long long)rep->variants[i - 1].bytes,
			    rep->variants[i - 1].rank);
}

#define VAR(i, b, r) \
	{ \
		.id = (i), .bytes = (b), .rank = (r), .offset = -1 \
	}

static void
test_publish(void **state)
{
	static struct filter_report rep;
	struct report_variant v[] = {
		VAR("d150q55c", 200000, 70),
		VAR("d200q85c", 700000, 92),
		VAR("d200q70c", 800000, 86), /* larger than a better one */
		VAR("d150q85c", 400000, 79),
		VAR("d200q55c", 500000, 79), /* same rank, larger */
		VAR("big", 1200000, 95),     /* larger than keep */
		VAR("same", 200000, 60),     /* not smaller */
		VAR("d150q40c", 150000, 64),
	};
	static const char *const want[] = { "keep", "d200q85c", "d150q85c",
		"d150q55c", "d150q40c" };

	(void)state;
	memset(&rep, 0, sizeof rep);
	rep.variants[0] = (struct report_variant)VAR("keep", 1000000, 100);
	rep.nvariants = 1;
	menu_publish(&rep, v, (int)(sizeof v / sizeof *v));
	for (int i = 0; i < rep.nvariants; i++)
		printf("%s %lld %d\n", rep.variants[i].id,
		    (long long)rep.variants[i].bytes, rep.variants[i].rank);
	assert_int_equal(rep.nvariants, sizeof want / sizeof *want);
	for (int i = 0; i < rep.nvariants; i++)
		assert_string_equal(rep.variants[i].id, want[i]);
	check_strictly_decreasing(&rep);
}

/* Random measurements: whatever they are, the menu published decreases
 * strictly in rank and bytes, starts with keep and never overflows. */
static void
test_publish_random(void **state)
{
	static struct filter_report rep;
	struct report_variant v[40];
	unsigned seed = 17;
	int n;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		memset(&rep, 0, sizeof rep);
		rep.variants[0] = (struct report_variant)VAR("keep",
		    1 + rand_r(&seed) % 5000000, 100);
		rep.nvariants = 1;
		n = (int)(rand_r(&seed) % 41);
		for (int i = 0; i < n; i++)
			v[i] = (struct report_variant)VAR("v",
			    1 + rand_r(&seed) % 6000000,
			    (int)(rand_r(&seed) % 100));
		menu_publish(&rep, v, n);
		assert_in_range(rep.nvariants, 1, REPORT_MAX_VARIANTS);
		assert_string_equal(rep.variants[0].id, "keep");
		check_strictly_decreasing(&rep);
	}
}

/* A menu's variants follow keep in fd 3: held in e->menu (fd -1) or
 * streamed, keep first, each variant's offset where its bytes start. */
static void
test_menu_offsets(void **state)
{
	struct report_variant v[3] = { { .offset = -1 }, { .offset = -1 },
		{ .offset = -1 } };
	struct engine e = { .fd = -1 };
	char got[32] = "";
	FILE *f;

	(void)state;
	assert_int_equal(buf_add(&e.out, "KEEP", 4), 0);
	assert_int_equal(engine_menu_add(&e, &v[0],
			     (const unsigned char *)"AAAAAA", 6, "jpg"),
	    0);
	assert_int_equal(engine_menu_open(&e, &v[1]), 0);
	assert_int_equal(engine_menu_put(&e, (const unsigned char *)"BB", 2),
	    0);
	assert_int_equal(v[0].offset, 4);
	assert_int_equal(v[0].bytes, 6);
	assert_string_equal(v[0].ext, "jpg");
	assert_int_equal(v[1].offset, 10);
	assert_int_equal(e.menu.len, 8);
	assert_memory_equal(e.menu.p, "AAAAAABB", 8);
	assert_int_equal(e.streamed, 0);
	buf_release(&e.menu);

	/* streamed: nothing held, keep written before the first variant */
	assert_non_null(f = tmpfile());
	e.fd = fileno(f);
	assert_int_equal(engine_menu_add(&e, &v[0],
			     (const unsigned char *)"AAAAAA", 6, "pdf"),
	    0);
	assert_int_equal(engine_menu_add(&e, &v[2],
			     (const unsigned char *)"CCC", 3, "pdf"),
	    0);
	assert_int_equal(v[0].offset, 4);
	assert_int_equal(v[2].offset, 10);
	assert_int_equal(e.streamed, 13);
	assert_int_equal(e.menu.len, 0);
	rewind(f);
	assert_int_equal(fread(got, 1, sizeof got - 1, f), 13);
	assert_string_equal(got, "KEEPAAAAAACCC");
	fclose(f);

	/* a write that fails is returned, and nothing counted */
	e = (struct engine){ .out = e.out };
	assert_non_null(f = fopen("/dev/null", "r"));
	e.fd = fileno(f);
	assert_true(engine_menu_add(&e, &v[0], (const unsigned char *)"A", 1,
			"jpg") < 0);
	assert_int_equal(e.streamed, 0);
	fclose(f);
	buf_release(&e.out);
}

/* The menu takes a variant only below the last one in rank and in size,
 * and only while there is room. */
static void
test_menu_takes(void **state)
{
	struct filter_report rep = { .nvariants = 0 };
	struct report_variant v = { .rank = 90, .bytes = 1000 };

	(void)state;
	assert_true(menu_takes(&rep, &v));
	rep.variants[rep.nvariants++] = v;
	v.rank = 90, v.bytes = 900;
	assert_false(menu_takes(&rep, &v)); /* same rank */
	v.rank = 80, v.bytes = 1000;
	assert_false(menu_takes(&rep, &v)); /* not smaller */
	v.rank = 80, v.bytes = 999;
	assert_true(menu_takes(&rep, &v));
	rep.nvariants = REPORT_MAX_VARIANTS;
	rep.variants[rep.nvariants - 1] = (struct report_variant){ .rank = 99,
		.bytes = 1 << 30 };
	assert_false(menu_takes(&rep, &v)); /* full */
}

/* The ladder over a table of sizes: which specs each image encodes. */
struct fake_img {
	const uint64_t *bytes;
	int made[64], nmade;
};

static int
fake_encode(void *ctx, int s, uint64_t *bytes)
{
	struct fake_img *f = ctx;

	f->made[f->nmade++] = s;
	*bytes = f->bytes[s];
	return 0;
}

static const struct {
	const char *name;
	int hint;
	uint64_t share;
	const char *encoded; /* the first image's encodes, in order */
	int first, nmade;
} ladder_cases[] = {
	{ "down from the hint to the first that fits", 2, 45, "2 3", 2, 4 },
	{ "up from the hint while the one above fits", 2, 85, "2 1 0", 0, 2 },
	{ "the hint fits, the one above does not", 2, 65, "2 1", 1, 3 },
	{ "everything fits: the top alone", 3, 1000, "3 2 1 0", 0, 1 },
	{ "nothing fits: the two smallest", 2, 10, "2 3 4 5", 4, 6 },
	{ "a hint past the end is the last", 9, 25, "5 4", 4, 6 },
	{ "nothing fits from the last: the one above made too", 5, 10, "5 4", 4,
	    6 },
};

static void
test_ladder_search(void **state)
{
	static const uint64_t sizes[] = { 100, 80, 60, 40, 30, 20 };
	char got[64];
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof ladder_cases / sizeof *ladder_cases;
	     i++) {
		struct fake_img f = { .bytes = sizes };
		struct ladder l;
		size_t off = 0;

		ladder_init(&l, 6);
		l.hint = ladder_cases[i].hint;
		assert_int_equal(ladder_run(&l, ladder_cases[i].share,
				     fake_encode, &f),
		    0);
		got[0] = '\0';
		for (int k = 0; k < f.nmade; k++)
			off += (size_t)snprintf(got + off, sizeof got - off,
			    "%s%d", k ? " " : "", f.made[k]);
		if (strcmp(got, ladder_cases[i].encoded) != 0 ||
		    l.first != ladder_cases[i].first ||
		    l.nmade != ladder_cases[i].nmade) {
			printf(
			    "%s: encoded '%s' [%d, %d), want '%s' [%d, %d)\n",
			    ladder_cases[i].name, got, l.first, l.nmade,
			    ladder_cases[i].encoded, ladder_cases[i].first,
			    ladder_cases[i].nmade);
			bad++;
		}
		/* every later image makes [first, nmade), whatever its
		 * own sizes */
		f.nmade = 0;
		assert_int_equal(ladder_run(&l, 1, fake_encode, &f), 0);
		assert_int_equal(f.nmade, l.nmade - l.first);
		for (int k = 0; k < f.nmade; k++)
			assert_int_equal(f.made[k], l.first + k);
		assert_int_equal(ladder_partial(&l),
		    l.first > 0 || l.nmade < 6);
	}
	assert_int_equal(bad, 0);
}

/* On falling sizes the search stops where a walk from the top stops
 * (the first spec within the share), from any hint; no share makes
 * every spec, for every image. */
static void
test_ladder_matches_walk(void **state)
{
	uint64_t sizes[8];
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		int n = 1 + (int)(rand_r(&seed) % 8), walk;
		uint64_t share = 1 + rand_r(&seed) % 1200;
		struct fake_img f = { .bytes = sizes };
		struct ladder l;

		sizes[0] = 200 + rand_r(&seed) % 1000;
		for (int s = 1; s < n; s++)
			sizes[s] = sizes[s - 1] - 1 -
			    rand_r(&seed) % (sizes[s - 1] / 3 + 1);
		for (walk = 0; walk < n && sizes[walk] > share; walk++)
			;
		walk = walk == n ? n - 1 : walk;
		ladder_init(&l, n);
		l.hint = (int)(rand_r(&seed) % (unsigned)n);
		assert_int_equal(ladder_run(&l, share, fake_encode, &f), 0);
		assert_int_equal(l.nmade - 1, walk);
		assert_int_equal(l.first, walk > 0 ? walk - 1 : 0);
		/* every spec the menu lists was made on this image */
		for (int k = l.first; k < l.nmade; k++) {
			int seen = 0;

			for (int e = 0; e < f.nmade; e++)
				seen |= f.made[e] == k;
			assert_true(seen);
		}
	}
	for (int n = 1; n <= 8; n++) {
		struct fake_img f = { .bytes = sizes };
		struct ladder l;

		ladder_init(&l, n);
		for (int img = 0; img < 3; img++)
			assert_int_equal(ladder_run(&l, 0, fake_encode, &f), 0);
		assert_int_equal(f.nmade, 3 * n);
		assert_false(ladder_partial(&l));
	}
}

/* The search starts at the first spec guessed within the share, from the
 * pixels each keeps and its quality (a 300 dpi q75 scan: d200q85 0.78 of
 * it, d150q70 0.36); without a guess at the lowest level's q70. */
static void
test_ladder_hint(void **state)
{
	static const struct {
		double ratio;
		const char *want;
	} page[] = {
		{ 2.0, "d200q85c" },
		{ 0.80, "d200q85c" },
		{ 0.60, "d200q70c" },
		{ 0.45, "d150q85c" },
		{ 0.33, "d150q70c" },
		{ 0.31, "d150q55c" },
		{ 0.28, "d150q40c" },
		{ 0.01, "d150q40c" },
	};
	struct vspec specs[MENU_MAX_SPECS];
	int n;

	(void)state;
	n = menu_specs(&deflim, 0, 300, 0, specs, MENU_MAX_SPECS);
	for (size_t i = 0; i < sizeof page / sizeof *page; i++)
		assert_string_equal(
		    specs[menu_guess(specs, n, 300, page[i].ratio)].id,
		    page[i].want);
	/* a 150 dpi source keeps every pixel at either level */
	assert_string_equal(specs[menu_guess(specs, n, 150, 1.5)].id,
	    "d200q70c");
	assert_string_equal(specs[menu_hint(specs, n)].id, "d150q70c");
	n = menu_specs(&deflim, 1, 3000, 0, specs, MENU_MAX_SPECS);
	assert_string_equal(specs[menu_guess(specs, n, 3000, 0.1)].id,
	    "p600q85c");
	assert_string_equal(specs[menu_hint(specs, n)].id, "p600q70c");
	assert_int_equal(menu_guess(specs, 1, 3000, 0.0), 0);
	assert_int_equal(menu_hint(specs, 1), 0);
	assert_int_equal(menu_hint(specs, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_values),
		cmocka_unit_test(test_rank_monotonic),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_specs_table),
		cmocka_unit_test(test_specs_fit),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_level_dims),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_publish_random),
		cmocka_unit_test(test_menu_offsets),
		cmocka_unit_test(test_menu_takes),
		cmocka_unit_test(test_ladder_search),
		cmocka_unit_test(test_ladder_matches_walk),
		cmocka_unit_test(test_ladder_hint),
	};

	return cmocka_run_group_tests_name("menu", tests, NULL, NULL);
}
