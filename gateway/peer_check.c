/* The SO_PEERCRED check of shared Unix listeners, and its log. A refused
 * peer may retry in a loop (a misconfigured front end, or a local user
 * probing), so its refusals are logged once, then summed once a minute:
 * the log cannot be flooded by one uid, and a table of the last few uids
 * bounds the memory whatever the number of uids trying. */
#include "peer_check.h"

#include "log.h"

#define REFUSED_UIDS 32
#define REFUSED_LOG_MS 60000

static bool listed(const uid_t *uids, int n, uid_t peer)
{
	for (int i = 0; i < n; i++)
		if (uids[i] == peer)
			return true;
	return false;
}

bool sg_peer_permitted(const struct sg_listener_conf *l, const struct sg_frontends *f,
		       uid_t gateway_uid, uid_t peer)
{
	if (!l->addr.is_unix || peer == 0 || peer == gateway_uid)
		return true;
	if (l->n_allow_uids > 0)
		return listed(l->allow_uids, l->n_allow_uids, peer);
	if (f->set)
		return listed(f->uids, f->n, peer);
	return l->kind != SG_LISTEN_HTTP; /* SCGI and launcher sockets: their mode */
}

static struct refused {
	uid_t uid;
	uint64_t logged_ms; /* 0 = free slot */
	unsigned long since; /* refusals not logged since logged_ms */
} refused[REFUSED_UIDS];

static struct refused *refused_slot(uid_t peer, bool *fresh)
{
	struct refused *oldest = &refused[0];
	for (int i = 0; i < REFUSED_UIDS; i++) {
		if (refused[i].logged_ms != 0 && refused[i].uid == peer) {
			*fresh = false;
			return &refused[i];
		}
		if (refused[i].logged_ms < oldest->logged_ms)
			oldest = &refused[i];
	}
	*fresh = true;
	*oldest = (struct refused){ .uid = peer };
	return oldest;
}

void sg_peer_refused(const char *listener, uid_t peer, uint64_t now_ms)
{
	bool fresh;
	struct refused *r = refused_slot(peer, &fresh);
	if (fresh) {
		sg_warn("refused a connection to %s from uid %ld: not a front end (frontends, "
			"allow_uids); more from this uid are counted once a minute",
			listener, (long)(int)peer);
	} else if (now_ms - r->logged_ms >= REFUSED_LOG_MS) {
		sg_warn("refused %lu more connection%s to %s from uid %ld", r->since + 1,
			r->since == 0 ? "" : "s", listener, (long)(int)peer);
		r->since = 0;
	} else {
		r->since++;
		return;
	}
	r->logged_ms = now_ms > 0 ? now_ms : 1;
}
