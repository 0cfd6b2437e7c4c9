/*
 * main: command line, start-up order, signals and reload.
 *
 *   dindgate [-v] -c FILE       run
 *   dindgate -t -c FILE         check config, policies, keys, certificates
 *   dindgate --version
 *
 * Start-up: load a complete generation (everything that can fail does so
 * here, before anything listens), open listeners, then run the loop.
 * SIGHUP builds a new generation off to the side and swaps it in only if
 * all of it loaded; SIGTERM/SIGINT stop accepting and drain.
 */
#include "autoconf.h"

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "admin.h"
#include "audit.h"
#include "auditcli.h"
#include "explain.h"
#include "metrics.h"
#include "listener.h"
#include "log.h"
#include "proxy.h"
#include "session.h"
#include "upstream.h"

#ifndef DINDGATE_SYSCONFDIR
#define DINDGATE_SYSCONFDIR "/etc/dindgate"
#endif

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dindgate [-v] [-c FILE]     run the proxy\n"
	    "       dindgate -t [-c FILE]       check the configuration\n"
	    "       dindgate explain [-c FILE] [-m METHOD] [-b BODY] PATH\n"
	    "       dindgate audit [summary|verify] [filters] FILE...\n"
	    "       dindgate --version\n"
	    "default FILE: %s/dindgate.conf\n", DINDGATE_SYSCONFDIR);
}

/* SIGHUP: build, then swap; never purge first. */
static void
main_reload(struct proxy *px)
{
	struct generation	*g, *old = px->gen;
	struct diag		 d;
	char			 buf[1400];
	size_t			 i;

	diag_init(&d);
	g = generation_load(px->conf_path, px->next_gen_id + 1, &d);
	if (g == NULL || generation_start(g, px->base) == -1) {
		for (i = 0; i < d.n; i++)
			log_warnx("reload: %s", diag_format(&d, i, buf,
			    sizeof(buf)));
		log_warnx("reload failed; still running generation %llu",
		    (unsigned long long)old->id);
		generation_unref(g);
		diag_clear(&d);
		return;
	}
	config_reload_check(old->conf, g->conf, &d);
	for (i = 0; i < d.n; i++)
		log_warnx("reload: %s", diag_format(&d, i, buf, sizeof(buf)));
	diag_clear(&d);
	px->next_gen_id++;
	log_set_debug(g->conf->log_debug);
	audit_open(g->conf->audit_path, g->conf->audit_deny,
	    g->conf->audit_syslog, "reload");
	px->gen = g;
	/* Sessions keep the old generation; its pool keeps nothing idle. */
	upstream_pool_retire(old->pool);
	generation_unref(old);
	log_info("reloaded configuration and policy (generation %llu)",
	    (unsigned long long)g->id);
}

static void
main_stop_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;
	struct timeval	 tv = { 0, 100000 };

	log_warnx("shutdown: %u connection(s) still busy; closing them",
	    px->nsessions);
	session_close_all(px);
	event_base_loopexit(px->base, &tv);
}

/* SIGTERM: stop accepting, let requests in flight finish, then exit. */
static void
main_stop(struct proxy *px)
{
	struct timeval	tv;
	unsigned	ms = px->gen->conf->t_shutdown;

	if (px->stopping)
		return;
	px->stopping = true;
	log_info("shutting down: %u connection(s) open", px->nsessions);
	listener_close_all(px);
	session_drain_all(px);
	if (px->nsessions == 0) {
		event_base_loopexit(px->base, NULL);
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	px->ev_stop = evtimer_new(px->base, main_stop_deadline_cb, px);
	evtimer_add(px->ev_stop, &tv);
}

static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct proxy	*px = arg;

	switch (sig) {
	case SIGHUP:
		main_reload(px);
		break;
	case SIGTERM:
	case SIGINT:
		main_stop(px);
		break;
	case SIGUSR1:
		/* logrotate moved the file: start a new one, and a new chain. */
		if (audit_reopen("reopen") == 0)
			log_info("audit log reopened");
		break;
	default:
		break;
	}
}

/*
 * Started as root (to bind a low port or read keys only root may read):
 * give it up once sockets are bound and keys loaded.  A reload then reads
 * files as that user.
 */
static int
main_drop_privileges(const char *user)
{
	struct passwd	*pw;

	if (user == NULL || getuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("user %s does not exist", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		log_warn("cannot become user %s", user);
		return -1;
	}
	if (setuid(0) == 0) {
		log_warnx("could regain root after dropping it");
		return -1;
	}
	log_info("running as user %s", user);
	return 0;
}

/* Load everything once; -t stops here. */
static struct generation *
main_load(const char *path, bool test)
{
	struct generation	*g;
	struct diag		 d;

	diag_init(&d);
	g = generation_load(path, 1, &d);
	if (g == NULL) {
		diag_print(&d, stderr);
		if (d.n == 0)
			fprintf(stderr, "%s: cannot load configuration\n",
			    path);
		diag_clear(&d);
		return NULL;
	}
	diag_clear(&d);
	if (test)
		printf("configuration OK\n");
	return g;
}

static int
main_run(struct proxy *px)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct event	*ev[4];
	size_t		 i;
	int		 rc = 0;

	signal(SIGPIPE, SIG_IGN);
	if ((px->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (generation_start(px->gen, px->base) == -1)
		fatalx("cannot set up the upstream pool");
	for (i = 0; i < 4; i++) {
		ev[i] = evsignal_new(px->base, sigs[i], main_signal_cb, px);
		evsignal_add(ev[i], NULL);
	}
	if (listener_open_all(px, px->gen->conf) == -1 ||
	    admin_open(px, &px->gen->conf->admin) == -1) {
		rc = 1;
		goto out;
	}
	if (audit_open(px->gen->conf->audit_path, px->gen->conf->audit_deny,
	    px->gen->conf->audit_syslog, "start") == -1 &&
	    px->gen->conf->audit_deny)
		log_warnx("audit log unavailable: requests will be refused");
	if (main_drop_privileges(px->gen->conf->user) == -1) {
		rc = 1;
		goto out;
	}
	log_info("ready: upstream %s, %zu polic%s", px->gen->conf->upstream.text,
	    px->gen->conf->npolicy, px->gen->conf->npolicy == 1 ? "y" : "ies");
	event_base_dispatch(px->base);
	log_info("stopped");
out:
	listener_close_all(px);
	admin_close();
	session_close_all(px);
	/* Run the deferred frees of the sessions closed above. */
	event_base_loop(px->base, EVLOOP_NONBLOCK);
	event_base_loop(px->base, EVLOOP_NONBLOCK);
	for (i = 0; i < 4; i++)
		event_free(ev[i]);
	audit_close();
	metrics_clear();
	if (px->ev_stop)
		event_free(px->ev_stop);
	generation_unref(px->gen);
	px->gen = NULL;
	event_base_free(px->base);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct proxy	 px;
	const char	*conf = DINDGATE_SYSCONFDIR "/dindgate.conf";
	bool		 test = false, verbose = false;
	int		 ch, rc;

	if (argc > 1 && strcmp(argv[1], "explain") == 0)
		return explain_main(argc - 1, argv + 1, conf);
	if (argc > 1 && strcmp(argv[1], "audit") == 0)
		return auditcli_main(argc - 1, argv + 1);

	while ((ch = getopt_long(argc, argv, "c:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("dindgate %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(false, verbose);
	memset(&px, 0, sizeof(px));
	TAILQ_INIT(&px.sessions);
	px.conf_path = (char *)conf;
	if ((px.gen = main_load(conf, test)) == NULL)
		return 1;
	px.next_gen_id = 1;
	if (test) {
		generation_unref(px.gen);
		return 0;
	}
	if (px.gen->conf->log_syslog)
		log_init(true, verbose || px.gen->conf->log_debug);
	else
		log_set_debug(verbose || px.gen->conf->log_debug);
	rc = main_run(&px);
	return rc;
}
