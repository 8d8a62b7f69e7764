/* test_colour.c: what a page looks like (filters/colour.c, page_analyse):
 * grey, colour and blank pages, on paper of any tint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "raster.h"

#define W 1000
#define H 1000

struct rgb {
	unsigned char r, g, b;
};

/* What is drawn on the paper: a rectangle of text-like stripes, a disc
 * (a stamp), a sprinkle of noise. */
struct page {
	const char *name;
	int ch;
	struct rgb paper;
	struct rgb ink;
	int text; /* rows of black text stripes */
	struct rgb stamp;
	int stamp_r; /* the stamp's radius, 0: none */
	int noise;   /* dark pixels, one in every noise */
	int fringe;  /* colour fringes (magenta / green) in 2x2 */
	int want_colour, want_blank;
};

static void
put(struct raster *r, int x, int y, struct rgb c)
{
	unsigned char *p = r->px + ((size_t)y * W + (size_t)x) * (size_t)r->ch;

	if (r->ch == 1) {
		p[0] = (unsigned char)((c.r * 299 + c.g * 587 + c.b * 114) /
		    1000);
		return;
	}
	p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

static void
draw(struct raster *r, const struct page *pg)
{
	static const struct rgb magenta = { 255, 200, 255 },
				green = { 200, 255, 200 };
	int dx, dy;

	assert_int_equal(raster_init(r, W, H, pg->ch), 0);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			put(r, x, y, pg->paper);
	/* lines of "text": 3-pixel strokes every 6 columns, 12 rows high,
	 * every 30 rows, within margins */
	for (int l = 0; l < pg->text; l++)
		for (int y = 100 + 30 * l; y < 112 + 30 * l && y < H; y++)
			for (int x = 100; x < 900; x++)
				if (x % 6 < 3)
					put(r, x, y, pg->ink);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			dx = x - 700, dy = y - 800;
			if (dx * dx + dy * dy < pg->stamp_r * pg->stamp_r &&
			    (dx * dx + dy * dy) % 7 < 4)
				put(r, x, y, pg->stamp);
			if (pg->noise && (y * W + x) % pg->noise == 0)
				put(r, x, y, (struct rgb){ 40, 40, 40 });
		}
	/* a band where every pixel is coloured but every 2x2 block is
	 * neutral: JPEG ringing, colour fringes beside black strokes */
	for (int y = 0; y < 200 && pg->fringe; y++)
		for (int x = 0; x < W; x++)
			put(r, x, y, x % 2 ? magenta : green);
}

#define PAPER \
	{ \
		255, 255, 255 \
	}
#define CREAM \
	{ \
		250, 238, 200 \
	}
#define BLACK \
	{ \
		20, 20, 20 \
	}
#define BLUE \
	{ \
		40, 60, 190 \
	}

static const struct page pages[] = {
	{ "white page", 3, PAPER, BLACK, 0, BLUE, 0, 0, 0, 0, 1 },
	{ "white page, grey raster", 1, PAPER, BLACK, 0, BLUE, 0, 0, 0, 0, 1 },
	{ "scanner dust", 3, PAPER, BLACK, 0, BLUE, 0, 100000, 0, 0, 1 },
	{ "dusty past the share", 3, PAPER, BLACK, 0, BLUE, 0, 10000, 0, 0, 0 },
	{ "black text", 3, PAPER, BLACK, 20, BLUE, 0, 0, 0, 0, 0 },
	{ "black text, grey raster", 1, PAPER, BLACK, 20, BLUE, 0, 0, 0, 0, 0 },
	{ "blue stamp on white", 3, PAPER, BLACK, 20, BLUE, 60, 0, 0, 1, 0 },
	{ "blue stamp alone", 3, PAPER, BLACK, 0, BLUE, 60, 0, 0, 1, 0 },
	{ "blue ink", 3, PAPER, BLUE, 20, BLUE, 0, 0, 0, 1, 0 },
	{ "a grey raster has no colour", 1, PAPER, BLUE, 20, BLUE, 60, 0, 0, 0,
	    0 },
	/* a speck of colour is noise, not a stamp (under COLOUR_MIN
	 * blocks), and too small to make the page not blank */
	{ "a blue speck", 3, PAPER, BLACK, 0, BLUE, 3, 0, 0, 0, 1 },
	{ "a bigger speck is not blank", 3, PAPER, BLACK, 0, BLUE, 5, 0, 0, 0,
	    0 },
	/* the paper's tint is white: raw chroma 50, balanced none */
	{ "cream paper", 3, CREAM, BLACK, 0, BLUE, 0, 0, 0, 0, 1 },
	{ "cream paper, black text", 3, CREAM, BLACK, 20, BLUE, 0, 0, 0, 0, 0 },
	{ "cream paper, blue stamp", 3, CREAM, BLACK, 20, BLUE, 60, 0, 0, 1,
	    0 },
	/* a dark page's median is not its paper: white is */
	{ "dark red page", 3, { 110, 20, 20 }, BLACK, 0, BLUE, 0, 0, 0, 1, 0 },
	{ "dark grey page", 3, { 60, 60, 60 }, BLACK, 0, BLUE, 0, 0, 0, 0, 1 },
	{ "white text on black", 3, { 10, 10, 10 }, PAPER, 20, BLUE, 0, 0, 0, 0,
	    0 },
	{ "colour fringes cancel", 3, PAPER, BLACK, 20, BLUE, 0, 0, 1, 0, 0 },
};

static void
test_pages(void **state)
{
	struct page_look look;
	struct raster r;
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		draw(&r, &pages[i]);
		memset(&look, 0x55, sizeof look);
		page_analyse(&r, &look);
		if (look.colour != pages[i].want_colour ||
		    look.blank != pages[i].want_blank || look.photo != 0) {
			printf("%s: got colour %d blank %d photo %d, want "
			       "colour %d blank %d\n",
			    pages[i].name, look.colour, look.blank, look.photo,
			    pages[i].want_colour, pages[i].want_blank);
			bad++;
		}
		raster_release(&r);
	}
	assert_int_equal(bad, 0);
}

/* Odd sizes: the 2x2 blocks and the sampled median stay inside. */
static void
test_odd_sizes(void **state)
{
	static const int sizes[][2] = { { 1, 1 }, { 1, 7 }, { 7, 1 }, { 3, 3 },
		{ 333, 101 } };
	struct page_look look;
	struct raster r;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		for (int ch = 1; ch <= 3; ch += 2) {
			assert_int_equal(raster_init(&r, sizes[i][0],
					     sizes[i][1], ch),
			    0);
			memset(r.px, 255,
			    (size_t)r.w * (size_t)r.h * (size_t)ch);
			page_analyse(&r, &look);
			assert_int_equal(look.colour, 0);
			assert_int_equal(look.blank, 1);
			raster_release(&r);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_odd_sizes),
	};

	return cmocka_run_group_tests_name("colour", tests, NULL, NULL);
}
