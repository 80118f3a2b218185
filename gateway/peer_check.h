/* Who may connect to a shared listener on a Unix socket (SO_PEERCRED):
 * the `frontends` key and a listener's `allow_uids` (README "Front ends"). */
#ifndef SG_PEER_CHECK_H
#define SG_PEER_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* Pure. Root and gateway_uid may always connect. Besides them: the
 * listener's allow_uids when it has any (they override frontends for that
 * listener); else the frontends when the key is set; else, as before
 * frontends existed, nobody on an HTTP listener (its owner only) and
 * anyone the socket's mode lets in on an SCGI or launcher listener. TCP listeners are
 * not checked (a port has no peer uid): always true. */
bool sg_peer_permitted(const struct sg_listener_conf *l, const struct sg_frontends *f,
		       uid_t gateway_uid, uid_t peer);

/* Logs a refused connection: the first from each uid, then at most one
 * line a minute per uid counting the ones in between. */
void sg_peer_refused(const char *listener, uid_t peer, uint64_t now_ms);

#endif
