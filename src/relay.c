/*
 * relay: byte moving and read interest.  See relay.h.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "relay.h"
#include "session.h"
#include "upstream.h"

size_t
relay_move(struct evbuffer *src, struct evbuffer *dst, size_t n)
{
	int	moved;

	char	buf[RELAY_COPY_MAX];

	if (n == 0)
		return 0;
	/*
	 * A small piece is copied onto the end of what is already queued
	 * (a response head, say): bufferevent_openssl writes one TLS record
	 * per chain, so one chain means one record and one write.  Large
	 * pieces move whole chains: no copy of the payload.
	 */
	if (n <= sizeof(buf) && evbuffer_get_length(dst) > 0) {
		moved = evbuffer_remove(src, buf, n);
		if (moved > 0)
			evbuffer_add(dst, buf, (size_t)moved);
		return moved > 0 ? (size_t)moved : 0;
	}
	moved = evbuffer_remove_buffer(src, dst, n);
	return moved > 0 ? (size_t)moved : 0;
}

void
relay_shutdown_write(struct bufferevent *bev)
{
	SSL	*ssl;

	if (bev == NULL)
		return;
	if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL) {
		/*
		 * One SSL_shutdown() sends close_notify and leaves reading
		 * open: the TLS form of a half-close, as Go's CloseWrite().
		 */
		(void)SSL_shutdown(ssl);
		ERR_clear_error();
	} else
		(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
relay_set(struct bufferevent *bev, bool on)
{
	if (on)
		bufferevent_enable(bev, EV_READ);
	else
		bufferevent_disable(bev, EV_READ);
}

void
relay_recompute_interest(struct session *s)
{
	struct request	*r = s->req;
	size_t		 upout = 0, cout = 0;
	bool		 cread = false, uread = false;

	if (s->flags & SESSION_F_FREEING || s->cbev == NULL)
		return;
	cout = evbuffer_get_length(bufferevent_get_output(s->cbev));
	if (s->up != NULL && s->state != SESSION_CONNECT)
		upout = evbuffer_get_length(bufferevent_get_output(s->up->bev));
	switch (s->state) {
	case SESSION_HANDSHAKE:
	case SESSION_READ_HEAD:
	case SESSION_READ_BODY:
	case SESSION_DENY:
		cread = true;
		break;
	case SESSION_CONNECT:
		/* Keep reading (bounded by the watermark) to notice EOF. */
		cread = true;
		break;
	case SESSION_FORWARD:
		/* Backpressure: no more body while the engine is behind. */
		cread = (r == NULL || r->body_done) || upout < RELAY_HIGH_WATER;
		uread = cout < RELAY_HIGH_WATER;
		break;
	case SESSION_TUNNEL:
		cread = upout < RELAY_HIGH_WATER;
		uread = cout < RELAY_HIGH_WATER;
		break;
	case SESSION_CLOSING:
		cread = (s->flags & SESSION_F_LINGER) != 0;
		break;
	default:
		break;
	}
	if (s->flags & SESSION_F_CLIENT_EOF)
		cread = false;
	relay_set(s->cbev, cread);
	if (s->up != NULL && s->state != SESSION_CONNECT)
		relay_set(s->up->bev, uread && !(s->flags & SESSION_F_UP_EOF));
}
