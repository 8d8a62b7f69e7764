/*
 * pdf_place.c: where a page draws its images. A small content-stream
 * lexer follows q, Q and cm (the current transformation matrix) up to
 * each Do, descending into Form XObjects a few levels deep, and notes
 * whether the page shows text or paints anything besides images.
 * SECURITY: lexes uploaded content streams: every read is bounded by
 * the stream's end, the graphics-state stack and the form depth are
 * capped, and names are looked up through QPDF, never trusted as sizes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "variants.h"
#include "pdfimg.h"

#define CTM_DEPTH 64	/* q nesting followed; deeper q is ignored */
#define FORM_DEPTH 3	/* Form XObjects inside forms */
#define FORM_VISITS 256 /* forms drawn per page, in all */
#define MAX_USES 100000 /* image drawings recorded, in all */
#define PARENT_DEPTH 32
#define MAX_FIELDS 100000 /* form fields looked at for a signature */

struct ctm {
	double a, b, c, d, e, f;
};

struct walk {
	qpdf_data q;
	int page;
	struct pdf_uses *uses;
	struct pdf_page_info *info;
	int forms;
	uint64_t limit; /* --max-stream-bytes per content */
	size_t over;	/* uses before this one have text over them */
	int rc;
};

/* What the lexer follows of the graphics state: the CTM, and the text
 * rendering mode (3 and 7 show nothing: an OCR layer). */
struct gstate {
	struct ctm ctm;
	int tr;
};

struct lex {
	const unsigned char *p, *end;
};

enum tok { T_END, T_NUM, T_NAME, T_OP, T_OTHER };

struct token {
	enum tok t;
	double num;
	const unsigned char *s;
	size_t len;
};

static int
is_space(int c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

static int
is_delim(int c)
{
	return c && strchr("()<>[]{}/%", c) != NULL;
}

static void
skip_space(struct lex *l)
{
	while (l->p < l->end) {
		if (is_space(*l->p))
			l->p++;
		else if (*l->p == '%')
			while (l->p < l->end && *l->p != '\n' && *l->p != '\r')
				l->p++;
		else
			break;
	}
}

/* A literal string: balanced parentheses, backslash escapes. */
static void
skip_string(struct lex *l)
{
	int depth = 0;

	for (; l->p < l->end; l->p++) {
		if (*l->p == '\\')
			l->p++;
		else if (*l->p == '(')
			depth++;
		else if (*l->p == ')' && --depth == 0) {
			l->p++;
			return;
		}
	}
}

static const unsigned char *
skip_regular(struct lex *l)
{
	while (l->p < l->end && !is_space(*l->p) && !is_delim(*l->p))
		l->p++;
	return l->p;
}

static void
lex_word(struct lex *l, struct token *t)
{
	char tmp[32];

	t->s = l->p;
	t->len = (size_t)(skip_regular(l) - t->s);
	t->t = T_OP;
	if (t->len == 0 || t->len >= sizeof tmp)
		return;
	memcpy(tmp, t->s, t->len);
	tmp[t->len] = '\0';
	if (strspn(tmp, "+-.0123456789") < t->len ||
	    strcspn(tmp, "0123456789") >= t->len)
		return;
	t->t = T_NUM;
	t->num = strtod(tmp, NULL);
}

static void
lex_next(struct lex *l, struct token *t)
{
	skip_space(l);
	t->t = T_OTHER;
	if (l->p >= l->end) {
		t->t = T_END;
		return;
	}
	switch (*l->p) {
	case '(':
		skip_string(l);
		return;
	case '<':
		if (l->p + 1 < l->end && l->p[1] == '<')
			l->p += 2;
		else
			while (l->p < l->end && *l->p++ != '>')
				;
		return;
	case '/':
		t->s = l->p++;
		t->len = (size_t)(skip_regular(l) - t->s);
		t->t = T_NAME;
		return;
	case '>':
	case '[':
	case ']':
	case '{':
	case '}':
	case ')':
		l->p++;
		return;
	}
	lex_word(l, t);
}

/* An inline image: its dictionary up to ID, then data up to EI between
 * white space. */
static void
skip_inline(struct lex *l)
{
	struct token t;
	const unsigned char *e;

	do
		lex_next(l, &t);
	while (t.t != T_END &&
	    !(t.t == T_OP && t.len == 2 && memcmp(t.s, "ID", 2) == 0));
	if (l->p < l->end)
		l->p++;
	for (; l->p < l->end; l->p = e + 2) {
		e = memmem(l->p, (size_t)(l->end - l->p), "EI", 2);
		if (e == NULL)
			break;
		if (is_space(e[-1]) &&
		    (e + 2 == l->end || is_space(e[2]) || is_delim(e[2]))) {
			l->p = e + 2;
			return;
		}
	}
	l->p = l->end;
}

/* m x ctm: what cm does, and what a form's /Matrix does. */
static struct ctm
ctm_mul(const double m[6], const struct ctm *t)
{
	return (struct ctm){
		.a = m[0] * t->a + m[1] * t->c,
		.b = m[0] * t->b + m[1] * t->d,
		.c = m[2] * t->a + m[3] * t->c,
		.d = m[2] * t->b + m[3] * t->d,
		.e = m[4] * t->a + m[5] * t->c + t->e,
		.f = m[4] * t->b + m[5] * t->d + t->f,
	};
}

static int
op_is(const struct token *t, const char *op)
{
	return t->len == strlen(op) && memcmp(t->s, op, t->len) == 0;
}

static int
op_paints(const struct token *t)
{
	static const char *const ops[] = { "S", "s", "f", "F", "f*", "B", "B*",
		"b", "b*", "sh" };

	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (op_is(t, ops[i]))
			return 1;
	return 0;
}

static void
add_use(struct walk *w, qpdf_oh img, double pw, double ph, int guess)
{
	struct pdf_uses *u = w->uses;
	struct pdf_use *nv;
	size_t ncap;

	if (u->n >= MAX_USES || w->rc)
		return;
	if (u->n == u->cap) {
		ncap = u->cap ? u->cap * 2 : 64;
		if ((nv = realloc(u->v, ncap * sizeof *nv)) == NULL) {
			w->rc = -ENOMEM;
			return;
		}
		u->v = nv, u->cap = ncap;
	}
	u->v[u->n++] = (struct pdf_use){ .obj = qpdf_oh_get_object_id(w->q,
					     img),
		.gen = qpdf_oh_get_generation(w->q, img),
		.page = w->page,
		.guess = guess,
		.w = pw,
		.h = ph };
}

static void walk_content(struct walk *w, const unsigned char *p, size_t len,
    qpdf_oh res, struct gstate gs, int depth);

/* A form's /Matrix, identity when absent or malformed. */
static void
form_matrix(qpdf_data q, qpdf_oh dict, double m[6])
{
	qpdf_oh arr = qpdf_oh_get_key(q, dict, "/Matrix"), v;
	static const double id[6] = { 1, 0, 0, 1, 0, 0 };

	memcpy(m, id, sizeof id);
	if (qpdf_oh_is_array(q, arr) && qpdf_oh_get_array_n_items(q, arr) == 6)
		for (int i = 0; i < 6; i++) {
			v = qpdf_oh_get_array_item(q, arr, i);
			m[i] = qpdf_oh_is_number(q, v) ?
			    qpdf_oh_get_numeric_value(q, v) :
			    id[i];
			qpdf_oh_release(q, v);
		}
	qpdf_oh_release(q, arr);
}

static void
draw_form(struct walk *w, qpdf_oh form, qpdf_oh dict, qpdf_oh res,
    const struct gstate *gs, int depth)
{
	struct gstate in = *gs;
	qpdf_oh fres = qpdf_oh_get_key(w->q, dict, "/Resources");
	struct buf data = { 0 };
	double m[6];
	int rc;

	if (depth >= FORM_DEPTH || ++w->forms > FORM_VISITS)
		w->info->paint = 1; /* unseen: assume it shows something */
	else if ((rc = pdf_stream_decode(w->q, form, w->limit, 0, &data)) ==
	    0) {
		form_matrix(w->q, dict, m);
		in.ctm = ctm_mul(m, &gs->ctm);
		walk_content(w, data.p, data.len,
		    qpdf_oh_is_dictionary(w->q, fres) ? fres : res, in,
		    depth + 1);
	} else {
		w->info->paint = 1;
		if (rc == -ENOMEM)
			w->rc = rc;
	}
	buf_release(&data);
	qpdf_oh_release(w->q, fres);
}

static void
draw(struct walk *w, const struct token *name, qpdf_oh res,
    const struct gstate *gs, int depth)
{
	const struct ctm *ctm = &gs->ctm;
	char key[128];
	qpdf_oh xo, obj, dict, sub;

	if (name->len >= sizeof key)
		return;
	memcpy(key, name->s, name->len);
	key[name->len] = '\0';
	xo = qpdf_oh_get_key(w->q, res, "/XObject");
	obj = qpdf_oh_get_key(w->q, xo, key);
	dict = qpdf_oh_get_dict(w->q, obj);
	sub = qpdf_oh_get_key(w->q, dict, "/Subtype");
	if (!qpdf_oh_is_stream(w->q, obj))
		;
	else if (qpdf_oh_is_name_and_equals(w->q, sub, "/Image"))
		add_use(w, obj, hypot(ctm->a, ctm->b), hypot(ctm->c, ctm->d),
		    0);
	else if (qpdf_oh_is_name_and_equals(w->q, sub, "/Form"))
		draw_form(w, obj, dict, res, gs, depth);
	qpdf_oh_release(w->q, sub);
	qpdf_oh_release(w->q, dict);
	qpdf_oh_release(w->q, obj);
	qpdf_oh_release(w->q, xo);
}

struct operands {
	double num[6];
	int nnum, other;
	struct token name;
};

static void
operand(struct operands *o, const struct token *t)
{
	if (t->t == T_NUM) {
		memmove(o->num, o->num + 1, 5 * sizeof *o->num);
		o->num[5] = t->num;
		o->nnum++;
	} else if (t->t == T_NAME)
		o->name = *t;
	else
		o->other = 1;
}

static int
op_shows_text(const struct token *t)
{
	return op_is(t, "Tj") || op_is(t, "TJ") || op_is(t, "'") ||
	    op_is(t, "\"");
}

/* Text shown where it can be seen: the images drawn before it on this
 * page are under it, backgrounds of a born-digital page, not its scan
 * (an OCR layer is invisible, mode 3). */
static void
text_over(struct walk *w, const struct gstate *gs)
{
	if (gs->tr == 3 || gs->tr == 7)
		return;
	for (; w->over < w->uses->n; w->over++)
		w->uses->v[w->over].under = 1;
}

static void
walk_content(struct walk *w, const unsigned char *p, size_t len, qpdf_oh res,
    struct gstate gs, int depth)
{
	struct lex l = { p, p };
	struct gstate stack[CTM_DEPTH];
	struct operands o = { .nnum = 0 };
	struct token t;
	int sp = 0, skipped = 0;

	if (p == NULL || len == 0)
		return; /* empty content (NULL + 0 is undefined) */
	l.end = p + len;

	for (lex_next(&l, &t); t.t != T_END && !w->rc; lex_next(&l, &t)) {
		if (t.t != T_OP) {
			operand(&o, &t);
			continue;
		}
		if (op_is(&t, "q")) {
			if (sp < CTM_DEPTH)
				stack[sp++] = gs;
			else
				skipped++;
		} else if (op_is(&t, "Q")) {
			if (skipped)
				skipped--;
			else if (sp > 0)
				gs = stack[--sp];
		} else if (op_is(&t, "cm") && o.nnum >= 6 && !o.other)
			gs.ctm = ctm_mul(o.num, &gs.ctm);
		else if (op_is(&t, "Tr") && o.nnum >= 1)
			gs.tr = o.num[5] >= 0 && o.num[5] <= 7 ? (int)o.num[5] :
								 0;
		else if (op_shows_text(&t))
			text_over(w, &gs);
		else if (op_is(&t, "Do") && o.name.t == T_NAME)
			draw(w, &o.name, res, &gs, depth);
		else if (op_is(&t, "BT"))
			w->info->text = 1;
		else if (op_is(&t, "BI")) {
			w->info->paint = 1;
			skip_inline(&l);
		} else if (op_paints(&t))
			w->info->paint = 1;
		o = (struct operands){ .nnum = 0 };
	}
}

qpdf_oh
pdf_page_attr(qpdf_data q, qpdf_oh page, const char *key)
{
	qpdf_oh node = qpdf_oh_new_object(q, page), v, up;

	for (int i = 0; i < PARENT_DEPTH; i++) {
		v = qpdf_oh_get_key(q, node, key);
		if (!qpdf_oh_is_null(q, v) || !qpdf_oh_is_dictionary(q, node)) {
			qpdf_oh_release(q, node);
			return v;
		}
		qpdf_oh_release(q, v);
		up = qpdf_oh_get_key(q, node, "/Parent");
		qpdf_oh_release(q, node);
		node = up;
	}
	qpdf_oh_release(q, node);
	return qpdf_oh_new_null(q);
}

/* The MediaBox's width and height in points (A4 when unreadable). */
static void
media_size(qpdf_data q, qpdf_oh page, double *mw, double *mh)
{
	qpdf_oh box = pdf_page_attr(q, page, "/MediaBox"), v;
	double c[4] = { 0, 0, 0, 0 };

	*mw = A4_SHORT_IN * 72, *mh = A4_LONG_IN * 72;
	if (!qpdf_oh_is_array(q, box) ||
	    qpdf_oh_get_array_n_items(q, box) != 4) {
		qpdf_oh_release(q, box);
		return;
	}
	for (int i = 0; i < 4; i++) {
		v = qpdf_oh_get_array_item(q, box, i);
		c[i] = qpdf_oh_get_numeric_value(q, v);
		qpdf_oh_release(q, v);
	}
	qpdf_oh_release(q, box);
	if (fabs(c[2] - c[0]) >= 1 && fabs(c[3] - c[1]) >= 1)
		*mw = fabs(c[2] - c[0]), *mh = fabs(c[3] - c[1]);
}

static int
drawn_on_page(const struct pdf_uses *u, size_t from, int obj, int gen)
{
	for (size_t i = from; i < u->n; i++)
		if (u->v[i].obj == obj && u->v[i].gen == gen)
			return 1;
	return 0;
}

/* An image the resources name but the content never draws (as far as
 * the lexer saw): a guess that it covers the page, its long side along
 * the page's, which asks the most pixels of it. A guess only sizes its
 * encoding: shared resources name a logo on every page that page 1
 * draws, and an annotation's icons are drawn by its appearance, not the
 * page; taken as the page's scan they made text pages "2 dpi". */
static void
undrawn_images(struct walk *w, qpdf_oh res, size_t from)
{
	qpdf_data q = w->q;
	qpdf_oh xo = qpdf_oh_get_key(q, res, "/XObject");
	qpdf_oh obj, dict, sub, wo, ho;
	double mw = w->info->mw, mh = w->info->mh, iw, ih;
	const char *key;

	if (!qpdf_oh_is_dictionary(q, xo))
		goto out;
	qpdf_oh_begin_dict_key_iter(q, xo);
	while (qpdf_oh_dict_more_keys(q) && !w->rc) {
		key = qpdf_oh_dict_next_key(q);
		obj = qpdf_oh_get_key(q, xo, key);
		dict = qpdf_oh_get_dict(q, obj);
		sub = qpdf_oh_get_key(q, dict, "/Subtype");
		wo = qpdf_oh_get_key(q, dict, "/Width");
		ho = qpdf_oh_get_key(q, dict, "/Height");
		iw = qpdf_oh_get_numeric_value(q, wo);
		ih = qpdf_oh_get_numeric_value(q, ho);
		if (qpdf_oh_is_stream(q, obj) &&
		    qpdf_oh_is_name_and_equals(q, sub, "/Image") &&
		    !drawn_on_page(w->uses, from, qpdf_oh_get_object_id(q, obj),
			qpdf_oh_get_generation(q, obj)))
			add_use(w, obj, (iw > ih) == (mw > mh) ? mw : mh,
			    (iw > ih) == (mw > mh) ? mh : mw, 1);
		qpdf_oh_release(q, wo);
		qpdf_oh_release(q, ho);
		qpdf_oh_release(q, sub);
		qpdf_oh_release(q, dict);
		qpdf_oh_release(q, obj);
	}
out:
	qpdf_oh_release(q, xo);
}

static int
pdf_has_annots(qpdf_data q, qpdf_oh page)
{
	qpdf_oh a = qpdf_oh_get_key(q, page, "/Annots");
	int n = qpdf_oh_is_array(q, a) && qpdf_oh_get_array_n_items(q, a) > 0;

	qpdf_oh_release(q, a);
	return n;
}

int
pdf_page_scan(qpdf_data q, qpdf_oh page, int pageno, uint64_t limit,
    struct pdf_uses *uses, struct pdf_page_info *info)
{
	struct walk w = { .q = q,
		.page = pageno,
		.uses = uses,
		.info = info,
		.limit = limit,
		.over = uses->n };
	qpdf_oh res = pdf_page_attr(q, page, "/Resources");
	struct buf data = { 0 };
	size_t from = uses->n;
	int rc;

	*info = (struct pdf_page_info){ .text = 0 };
	media_size(q, page, &info->mw, &info->mh);
	/* annotations (a signature's stamp, typed-in text) show on the page
	 * too: such a page is never judged blank by its images */
	info->paint = pdf_has_annots(q, page);
	if ((rc = pdf_page_content(q, page, limit, &data)) < 0) {
		info->paint = info->text = 1; /* unknown: not blank */
		if (rc == -ENOMEM)
			w.rc = rc;
	} else
		walk_content(&w, data.p, data.len, res,
		    (struct gstate){ .ctm = { 1, 0, 0, 1, 0, 0 } }, 0);
	buf_release(&data);
	undrawn_images(&w, res, from);
	qpdf_oh_release(q, res);
	while (qpdf_has_error(q))
		qpdf_get_error(q);
	return w.rc;
}

/* A field, or its kids, of type /Sig with a value; *budget bounds the
 * fields visited (a shared kid is visited each time it is named). */
static int
sig_field(qpdf_data q, qpdf_oh f, int depth, int *budget)
{
	qpdf_oh ft = qpdf_oh_get_key(q, f, "/FT"),
		v = qpdf_oh_get_key(q, f, "/V"),
		kids = qpdf_oh_get_key(q, f, "/Kids"), k;
	int n = qpdf_oh_is_array(q, kids) ? qpdf_oh_get_array_n_items(q, kids) :
					    0,
	    found = qpdf_oh_is_name_and_equals(q, ft, "/Sig") &&
	    !qpdf_oh_is_null(q, v);

	for (int i = 0;
	     i < n && !found && depth < PARENT_DEPTH && --*budget > 0; i++) {
		k = qpdf_oh_get_array_item(q, kids, i);
		found = sig_field(q, k, depth + 1, budget);
		qpdf_oh_release(q, k);
	}
	qpdf_oh_release(q, ft);
	qpdf_oh_release(q, v);
	qpdf_oh_release(q, kids);
	return found;
}

int
pdf_has_signature(qpdf_data q)
{
	qpdf_oh root = qpdf_get_root(q);
	qpdf_oh form = qpdf_oh_get_key(q, root, "/AcroForm");
	qpdf_oh fields = qpdf_oh_get_key(q, form, "/Fields"), f;
	int n = qpdf_oh_is_array(q, fields) ?
	    qpdf_oh_get_array_n_items(q, fields) :
	    0,
	    found = 0;
	int budget = MAX_FIELDS;

	for (int i = 0; i < n && !found && --budget > 0; i++) {
		f = qpdf_oh_get_array_item(q, fields, i);
		found = sig_field(q, f, 0, &budget);
		qpdf_oh_release(q, f);
	}
	qpdf_oh_release(q, fields);
	qpdf_oh_release(q, form);
	qpdf_oh_release(q, root);
	return found;
}
