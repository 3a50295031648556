/*
 * notifier.c - a focus's side of the conference event package: the
 * current state, the state last flushed to subscribers, and the one
 * partial document that turns the state flushed before into it.
 *
 * Coalescing: the focus changes the current state as often as it likes;
 * nothing is computed until the SIP layer flushes (when its rate limit
 * allows, if confinfo_notifier_pending()). A flush compares the flushed
 * state with the current one, so any number of changes in between, and
 * changes that undo each other, make one document or none.
 *
 * Generations: each flush that makes a document is a generation. A
 * subscription remembers the generation its last body showed; the body
 * for the generation right after is the partial document, anything else
 * gets the full flushed state. Only the last partial document is kept.
 */
#include <stdarg.h>

#include "confinfo_int.h"

struct confinfo_notifier {
	struct confinfo *cur;     /* what the focus edits */
	struct confinfo *flushed; /* what subscribers have been (or will be) told */
	struct confinfo *delta;   /* flushed(gen - 1) -> flushed(gen); NULL at gen 0 */
	uint64_t gen;
	bool dirty;               /* cur may differ from flushed */
	struct confinfo_notifier_opts o;
};

__attribute__((format(printf, 3, 4))) static void nlog(struct confinfo_notifier *n,
						       enum relo_log_level l, const char *fmt,
						       ...)
{
	char line[256];
	va_list ap;

	if (!n->o.log || l > n->o.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->o.log(n->o.log_arg, l, line);
}

int confinfo_notifier_alloc(struct confinfo_notifier **np, const char *entity,
			    const struct confinfo_notifier_opts *opts)
{
	struct confinfo_notifier *n;
	int rc;

	if (!np || !entity)
		return -EINVAL;
	*np = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (opts)
		n->o = *opts;
	if ((rc = confinfo_alloc(&n->cur, entity)) != 0 ||
	    (rc = confinfo_alloc(&n->flushed, entity)) != 0) {
		confinfo_notifier_free(n);
		return rc;
	}
	*np = n;
	return 0;
}

void confinfo_notifier_free(struct confinfo_notifier *n)
{
	if (!n)
		return;
	confinfo_free(n->cur);
	confinfo_free(n->flushed);
	confinfo_free(n->delta);
	free(n);
}

const struct confinfo *confinfo_notifier_state(const struct confinfo_notifier *n)
{
	return n ? n->cur : NULL;
}

struct confinfo *confinfo_notifier_edit(struct confinfo_notifier *n)
{
	if (!n)
		return NULL;
	n->dirty = true;
	return n->cur;
}

bool confinfo_notifier_pending(struct confinfo_notifier *n)
{
	struct confinfo a, b;

	if (!n || !n->dirty)
		return false;
	a = *n->cur;
	b = *n->flushed;
	a.has_version = b.has_version = false;
	a.state = b.state = CONFINFO_FULL;
	if (confinfo_equal(&a, &b)) {
		n->dirty = false; /* changed and changed back */
		return false;
	}
	return true;
}

uint64_t confinfo_notifier_gen(const struct confinfo_notifier *n)
{
	return n ? n->gen : 0;
}

int confinfo_notifier_flush(struct confinfo_notifier *n)
{
	struct confinfo *delta = NULL, *snap = NULL;
	int rc;

	if (!n)
		return -EINVAL;
	if (!n->dirty)
		return -ENODATA;
	if (!ci_str_eq(n->cur->entity, n->flushed->entity)) {
		nlog(n, RELO_LOG_ERR, "confinfo %s: the entity was changed to %s",
		     n->flushed->entity,
		     n->cur->entity ? n->cur->entity : "(none)");
		return -EINVAL;
	}
	rc = confinfo_diff(n->flushed, n->cur, &delta);
	if (rc == -ENODATA) {
		n->dirty = false;
		return rc;
	}
	if (rc || (rc = confinfo_dup(&snap, n->cur)) != 0) {
		confinfo_free(delta);
		nlog(n, RELO_LOG_ERR, "confinfo %s: flush failed (%d)", n->cur->entity, rc);
		return rc;
	}
	ci_normalize(snap);
	snap->has_version = false;
	confinfo_free(n->flushed);
	confinfo_free(n->delta);
	n->flushed = snap;
	n->delta = delta;
	n->gen++;
	n->dirty = false;
	nlog(n, RELO_LOG_DEBUG, "confinfo %s: generation %llu, a %s document", n->cur->entity,
	     (unsigned long long)n->gen, confinfo_state_name(delta->state));
	return 0;
}

void confinfo_sub_reset(struct confinfo_sub *s)
{
	if (s)
		s->gen = UINT64_MAX; /* matches no generation: full next time */
}

int confinfo_notifier_body(struct confinfo_notifier *n, struct confinfo_sub *s, char **xml,
			   size_t *len, bool *full)
{
	struct confinfo tmp;
	const struct confinfo *src;
	bool partial;
	char err[160];
	int rc;

	if (!n || !s || !xml)
		return -EINVAL;
	*xml = NULL;
	if (s->version && s->gen == n->gen)
		return -ENODATA;
	if (s->version == UINT32_MAX) {
		/* Versions would wrap: RFC 4575 has no answer; start over in full. */
		s->version = 0;
	}
	partial = s->version && n->delta && n->gen > 0 && s->gen == n->gen - 1 &&
		  n->delta->state == CONFINFO_PARTIAL;
	src = partial ? n->delta : n->flushed;
	tmp = *src; /* a shallow copy, to set the version */
	tmp.has_version = true;
	tmp.version = s->version + 1;
	if (!partial)
		tmp.state = CONFINFO_FULL;
	rc = confinfo_build(&tmp, xml, len, err, sizeof(err));
	if (rc) {
		nlog(n, RELO_LOG_ERR, "confinfo %s: cannot write a body: %s", n->cur->entity, err);
		return rc;
	}
	s->version = tmp.version;
	s->gen = n->gen;
	if (full)
		*full = !partial;
	return 0;
}
