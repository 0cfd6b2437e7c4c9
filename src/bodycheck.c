/*
 * bodycheck: allowlist schemas for request bodies and query rules.
 * See bodycheck.h.
 *
 * Every field dockerd knows in the objects below is listed with its JSON
 * type and what may be in it: anything (safe), something the policy
 * checks, or nothing (must be empty).  A field we do not list and that
 * has a value is refused by name: dockerd grows new fields, and a
 * deny-list can never keep up with them.  The field lists follow the
 * Go structs of api/types/container (Config, HostConfig, Resources),
 * mount.Mount, network.EndpointSettings, types.ExecConfig,
 * volume.CreateOptions and types.NetworkCreateRequest.
 */
#include "autoconf.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "bodycheck.h"
#include "policy.h"

/* JSON shapes of Go types. */
enum btype {
	BT_STRING,		/* string */
	BT_BOOL,		/* bool, *bool */
	BT_INT,			/* any integer type */
	BT_STRLIST,		/* []string */
	BT_STRSLICE,		/* strslice.StrSlice: string or []string */
	BT_STRMAP,		/* map[string]string */
	BT_SET,			/* map[string]struct{} */
	BT_INTLIST,		/* [2]uint and the like */
	BT_OBJECT,		/* struct: sub schema */
	BT_OBJLIST,		/* []struct */
	BT_OBJMAP,		/* map[string]struct */
	BT_PORTMAP,		/* nat.PortMap: map[string][]PortBinding */
};

/* What a field may hold.  Each value names one check in bwalk_check(). */
enum bcheck {
	BC_SAFE,		/* anything of the right type */
	BC_EMPTY,		/* must be empty: null, "", 0, false, [], {} */
	BC_FALSE,		/* must not be true */
	BC_IMAGE,		/* image patterns */
	BC_WORKDIR,		/* not under /proc */
	BC_BINDS,		/* HostConfig.Binds */
	BC_MOUNTS,		/* HostConfig.Mounts (after the sub walk) */
	BC_NETMODE,		/* HostConfig.NetworkMode */
	BC_PIDMODE,		/* "" or container:<id> if allowed */
	BC_IPCMODE,		/* "", private, shareable, none, container: */
	BC_ONLY_EMPTY_STR,	/* "" only (UTS, userns) */
	BC_CGROUPNS,		/* "" or private */
	BC_CGROUP,		/* "" or container:<id> if allowed */
	BC_CAPADD,		/* allowed capabilities */
	BC_CAPDROP,		/* known-looking names */
	BC_SECOPT,		/* no-new-privileges forms only */
	BC_NULL_ONLY,		/* MaskedPaths/ReadonlyPaths: null (defaults) */
	BC_SYSCTLS,		/* allowed names */
	BC_RUNTIME,		/* allowed runtimes */
	BC_VOLDRIVER,		/* "" or allowed drivers */
	BC_VOLUMES_FROM,	/* only if allowed */
	BC_LOGCONFIG,		/* local drivers and their options */
	BC_PORTS,		/* port bindings only if allowed */
	BC_TMPFS,		/* only if allowed */
	BC_OOMSCORE,		/* 0..1000 */
	BC_ULIMITS,		/* allowed names */
	BC_STORAGEOPT,		/* size only */
	BC_ISOLATION,		/* "" or default */
	BC_ENDPOINTS,		/* NetworkingConfig.EndpointsConfig keys */
	BC_EXEC_USER,		/* exec as another user */
	BC_VOLUME_OPTS,		/* volume create DriverOpts: none */
	BC_NETDRIVER,		/* network create: "" or bridge */
};

struct bschema;

/* One field of a Go struct. */
struct bfield {
	const char		*name;	/* exact JSON name */
	enum btype		 type;
	enum bcheck		 check;
	const struct bschema	*sub;	/* BT_OBJECT, BT_OBJLIST, BT_OBJMAP */
};

struct bschema {
	const char		*name;	/* for messages */
	const struct bfield	*fields; /* NULL-name terminated */
};

#define F(n, t, c)	{ n, t, c, NULL }
#define FS(n, t, c, s)	{ n, t, c, &s }
#define FEND		{ NULL, BT_STRING, BC_SAFE, NULL }

static const struct bfield health_fields[] = {
	F("Test", BT_STRLIST, BC_SAFE), F("Interval", BT_INT, BC_SAFE),
	F("Timeout", BT_INT, BC_SAFE), F("StartPeriod", BT_INT, BC_SAFE),
	F("StartInterval", BT_INT, BC_SAFE), F("Retries", BT_INT, BC_SAFE),
	FEND
};
static const struct bschema health_schema = { "Healthcheck", health_fields };

static const struct bfield logconfig_fields[] = {
	F("Type", BT_STRING, BC_SAFE), F("Config", BT_STRMAP, BC_SAFE), FEND
};
static const struct bschema logconfig_schema = { "LogConfig", logconfig_fields };

static const struct bfield restart_fields[] = {
	F("Name", BT_STRING, BC_SAFE), F("MaximumRetryCount", BT_INT, BC_SAFE),
	FEND
};
static const struct bschema restart_schema = { "RestartPolicy", restart_fields };

static const struct bfield ulimit_fields[] = {
	F("Name", BT_STRING, BC_SAFE), F("Hard", BT_INT, BC_SAFE),
	F("Soft", BT_INT, BC_SAFE), FEND
};
static const struct bschema ulimit_schema = { "Ulimits", ulimit_fields };

/* Device and blkio entries: never allowed, but typed so "[]" passes. */
static const struct bfield any_dev_fields[] = {
	F("PathOnHost", BT_STRING, BC_SAFE),
	F("PathInContainer", BT_STRING, BC_SAFE),
	F("CgroupPermissions", BT_STRING, BC_SAFE), F("Path", BT_STRING, BC_SAFE),
	F("Weight", BT_INT, BC_SAFE), F("Rate", BT_INT, BC_SAFE),
	F("Driver", BT_STRING, BC_SAFE), F("Count", BT_INT, BC_SAFE),
	F("DeviceIDs", BT_STRLIST, BC_SAFE), F("Options", BT_STRMAP, BC_SAFE),
	FEND
};
static const struct bschema dev_schema = { "device", any_dev_fields };

static const struct bfield bindopt_fields[] = {
	F("Propagation", BT_STRING, BC_SAFE),
	F("NonRecursive", BT_BOOL, BC_SAFE),
	F("CreateMountpoint", BT_BOOL, BC_FALSE),
	F("ReadOnlyNonRecursive", BT_BOOL, BC_FALSE),
	F("ReadOnlyForceRecursive", BT_BOOL, BC_SAFE),
	FEND
};
static const struct bschema bindopt_schema = { "BindOptions", bindopt_fields };

static const struct bfield drivercfg_fields[] = {
	F("Name", BT_STRING, BC_SAFE), F("Options", BT_STRMAP, BC_SAFE), FEND
};
static const struct bschema drivercfg_schema = { "DriverConfig",
    drivercfg_fields };

static const struct bfield volopt_fields[] = {
	F("NoCopy", BT_BOOL, BC_SAFE), F("Labels", BT_STRMAP, BC_SAFE),
	F("Subpath", BT_STRING, BC_SAFE),
	/* The local driver's type/o/device options are a host mount. */
	FS("DriverConfig", BT_OBJECT, BC_EMPTY, drivercfg_schema),
	FEND
};
static const struct bschema volopt_schema = { "VolumeOptions", volopt_fields };

static const struct bfield tmpfsopt_fields[] = {
	F("SizeBytes", BT_INT, BC_SAFE), F("Mode", BT_INT, BC_SAFE),
	F("Options", BT_STRLIST, BC_EMPTY), FEND
};
static const struct bschema tmpfsopt_schema = { "TmpfsOptions",
    tmpfsopt_fields };

static const struct bfield mount_fields[] = {
	F("Type", BT_STRING, BC_SAFE), F("Source", BT_STRING, BC_SAFE),
	F("Target", BT_STRING, BC_SAFE), F("ReadOnly", BT_BOOL, BC_SAFE),
	F("Consistency", BT_STRING, BC_SAFE),
	FS("BindOptions", BT_OBJECT, BC_SAFE, bindopt_schema),
	FS("VolumeOptions", BT_OBJECT, BC_SAFE, volopt_schema),
	FS("TmpfsOptions", BT_OBJECT, BC_SAFE, tmpfsopt_schema),
	F("ImageOptions", BT_SET, BC_EMPTY),
	F("ClusterOptions", BT_SET, BC_EMPTY),
	FEND
};
static const struct bschema mount_schema = { "Mounts", mount_fields };

static const struct bfield ipam_fields[] = {
	F("IPv4Address", BT_STRING, BC_EMPTY),
	F("IPv6Address", BT_STRING, BC_EMPTY),
	F("LinkLocalIPs", BT_STRLIST, BC_EMPTY), FEND
};
static const struct bschema ipam_schema = { "IPAMConfig", ipam_fields };

static const struct bfield endpoint_fields[] = {
	FS("IPAMConfig", BT_OBJECT, BC_SAFE, ipam_schema),
	F("Links", BT_STRLIST, BC_EMPTY), F("Aliases", BT_STRLIST, BC_SAFE),
	F("DNSNames", BT_STRLIST, BC_SAFE), F("GwPriority", BT_INT, BC_SAFE),
	/* Operational fields the engine fills in: must be empty. */
	F("NetworkID", BT_STRING, BC_EMPTY), F("EndpointID", BT_STRING, BC_EMPTY),
	F("Gateway", BT_STRING, BC_EMPTY), F("IPAddress", BT_STRING, BC_EMPTY),
	F("IPPrefixLen", BT_INT, BC_EMPTY), F("IPv6Gateway", BT_STRING, BC_EMPTY),
	F("GlobalIPv6Address", BT_STRING, BC_EMPTY),
	F("GlobalIPv6PrefixLen", BT_INT, BC_EMPTY),
	F("MacAddress", BT_STRING, BC_EMPTY),
	/* Includes per-interface sysctls (1.46+). */
	F("DriverOpts", BT_STRMAP, BC_EMPTY),
	FEND
};
static const struct bschema endpoint_schema = { "EndpointSettings",
    endpoint_fields };

static const struct bfield netcfg_fields[] = {
	FS("EndpointsConfig", BT_OBJMAP, BC_ENDPOINTS, endpoint_schema), FEND
};
static const struct bschema netcfg_schema = { "NetworkingConfig",
    netcfg_fields };

/* HostConfig with the embedded Resources, flat as Go encodes them. */
#define RESOURCE_FIELDS \
	F("CpuShares", BT_INT, BC_SAFE), F("Memory", BT_INT, BC_SAFE), \
	F("NanoCpus", BT_INT, BC_SAFE), \
	F("CgroupParent", BT_STRING, BC_EMPTY), \
	F("BlkioWeight", BT_INT, BC_SAFE), \
	FS("BlkioWeightDevice", BT_OBJLIST, BC_EMPTY, dev_schema), \
	FS("BlkioDeviceReadBps", BT_OBJLIST, BC_EMPTY, dev_schema), \
	FS("BlkioDeviceWriteBps", BT_OBJLIST, BC_EMPTY, dev_schema), \
	FS("BlkioDeviceReadIOps", BT_OBJLIST, BC_EMPTY, dev_schema), \
	FS("BlkioDeviceWriteIOps", BT_OBJLIST, BC_EMPTY, dev_schema), \
	F("CpuPeriod", BT_INT, BC_SAFE), F("CpuQuota", BT_INT, BC_SAFE), \
	F("CpuRealtimePeriod", BT_INT, BC_EMPTY), \
	F("CpuRealtimeRuntime", BT_INT, BC_EMPTY), \
	F("CpusetCpus", BT_STRING, BC_SAFE), F("CpusetMems", BT_STRING, BC_SAFE), \
	FS("Devices", BT_OBJLIST, BC_EMPTY, dev_schema), \
	F("DeviceCgroupRules", BT_STRLIST, BC_EMPTY), \
	FS("DeviceRequests", BT_OBJLIST, BC_EMPTY, dev_schema), \
	F("KernelMemory", BT_INT, BC_EMPTY), \
	F("KernelMemoryTCP", BT_INT, BC_EMPTY), \
	F("MemoryReservation", BT_INT, BC_SAFE), \
	F("MemorySwap", BT_INT, BC_SAFE), \
	F("MemorySwappiness", BT_INT, BC_SAFE), \
	F("OomKillDisable", BT_BOOL, BC_FALSE), \
	F("PidsLimit", BT_INT, BC_SAFE), \
	FS("Ulimits", BT_OBJLIST, BC_ULIMITS, ulimit_schema), \
	F("CpuCount", BT_INT, BC_EMPTY), F("CpuPercent", BT_INT, BC_EMPTY), \
	F("IOMaximumIOps", BT_INT, BC_EMPTY), \
	F("IOMaximumBandwidth", BT_INT, BC_EMPTY)

static const struct bfield hostcfg_fields[] = {
	F("Binds", BT_STRLIST, BC_BINDS),
	F("ContainerIDFile", BT_STRING, BC_SAFE),
	FS("LogConfig", BT_OBJECT, BC_LOGCONFIG, logconfig_schema),
	F("NetworkMode", BT_STRING, BC_NETMODE),
	F("PortBindings", BT_PORTMAP, BC_PORTS),
	FS("RestartPolicy", BT_OBJECT, BC_SAFE, restart_schema),
	F("AutoRemove", BT_BOOL, BC_SAFE),
	F("VolumeDriver", BT_STRING, BC_VOLDRIVER),
	F("VolumesFrom", BT_STRLIST, BC_VOLUMES_FROM),
	F("ConsoleSize", BT_INTLIST, BC_SAFE),
	F("Annotations", BT_STRMAP, BC_EMPTY),
	F("CapAdd", BT_STRSLICE, BC_CAPADD),
	F("CapDrop", BT_STRSLICE, BC_CAPDROP),
	F("CgroupnsMode", BT_STRING, BC_CGROUPNS),
	F("Dns", BT_STRLIST, BC_SAFE), F("DnsOptions", BT_STRLIST, BC_SAFE),
	F("DnsSearch", BT_STRLIST, BC_SAFE),
	F("ExtraHosts", BT_STRLIST, BC_SAFE), F("GroupAdd", BT_STRLIST, BC_SAFE),
	F("IpcMode", BT_STRING, BC_IPCMODE), F("Cgroup", BT_STRING, BC_CGROUP),
	/* Links name other containers: ownership we cannot check. */
	F("Links", BT_STRLIST, BC_EMPTY),
	F("OomScoreAdj", BT_INT, BC_OOMSCORE),
	F("PidMode", BT_STRING, BC_PIDMODE),
	F("Privileged", BT_BOOL, BC_FALSE),
	F("PublishAllPorts", BT_BOOL, BC_PORTS),
	F("ReadonlyRootfs", BT_BOOL, BC_SAFE),
	F("SecurityOpt", BT_STRLIST, BC_SECOPT),
	F("StorageOpt", BT_STRMAP, BC_STORAGEOPT),
	F("Tmpfs", BT_STRMAP, BC_TMPFS),
	F("UTSMode", BT_STRING, BC_ONLY_EMPTY_STR),
	F("UsernsMode", BT_STRING, BC_ONLY_EMPTY_STR),
	F("ShmSize", BT_INT, BC_SAFE),
	F("Sysctls", BT_STRMAP, BC_SYSCTLS),
	F("Runtime", BT_STRING, BC_RUNTIME),
	F("Isolation", BT_STRING, BC_ISOLATION),
	RESOURCE_FIELDS,
	FS("Mounts", BT_OBJLIST, BC_MOUNTS, mount_schema),
	/* An empty list unmasks /proc/kcore and friends: only null. */
	F("MaskedPaths", BT_STRLIST, BC_NULL_ONLY),
	F("ReadonlyPaths", BT_STRLIST, BC_NULL_ONLY),
	F("Init", BT_BOOL, BC_SAFE),
	F("Capabilities", BT_STRLIST, BC_EMPTY),
	FEND
};
static const struct bschema hostcfg_schema = { "HostConfig", hostcfg_fields };

/* container.Config, which create embeds at the top level. */
#define CONFIG_FIELDS \
	F("Hostname", BT_STRING, BC_SAFE), F("Domainname", BT_STRING, BC_SAFE), \
	F("User", BT_STRING, BC_SAFE), F("AttachStdin", BT_BOOL, BC_SAFE), \
	F("AttachStdout", BT_BOOL, BC_SAFE), F("AttachStderr", BT_BOOL, BC_SAFE), \
	F("ExposedPorts", BT_SET, BC_SAFE), F("Tty", BT_BOOL, BC_SAFE), \
	F("OpenStdin", BT_BOOL, BC_SAFE), F("StdinOnce", BT_BOOL, BC_SAFE), \
	F("Env", BT_STRLIST, BC_SAFE), F("Cmd", BT_STRSLICE, BC_SAFE), \
	FS("Healthcheck", BT_OBJECT, BC_SAFE, health_schema), \
	F("ArgsEscaped", BT_BOOL, BC_SAFE), F("Image", BT_STRING, BC_IMAGE), \
	F("Volumes", BT_SET, BC_SAFE), F("WorkingDir", BT_STRING, BC_WORKDIR), \
	F("Entrypoint", BT_STRSLICE, BC_SAFE), \
	F("NetworkDisabled", BT_BOOL, BC_SAFE), \
	F("MacAddress", BT_STRING, BC_EMPTY), F("OnBuild", BT_STRLIST, BC_SAFE), \
	F("Labels", BT_STRMAP, BC_SAFE), F("StopSignal", BT_STRING, BC_SAFE), \
	F("StopTimeout", BT_INT, BC_SAFE), F("Shell", BT_STRSLICE, BC_SAFE)

static const struct bfield create_fields[] = {
	CONFIG_FIELDS,
	FS("HostConfig", BT_OBJECT, BC_SAFE, hostcfg_schema),
	FS("NetworkingConfig", BT_OBJECT, BC_SAFE, netcfg_schema),
	FEND
};
static const struct bschema create_schema = { "", create_fields };

static const struct bfield update_fields[] = {
	RESOURCE_FIELDS,
	FS("RestartPolicy", BT_OBJECT, BC_SAFE, restart_schema),
	FEND
};
static const struct bschema update_schema = { "", update_fields };

static const struct bfield exec_fields[] = {
	F("User", BT_STRING, BC_EXEC_USER), F("Privileged", BT_BOOL, BC_FALSE),
	F("Tty", BT_BOOL, BC_SAFE), F("ConsoleSize", BT_INTLIST, BC_SAFE),
	F("AttachStdin", BT_BOOL, BC_SAFE), F("AttachStderr", BT_BOOL, BC_SAFE),
	F("AttachStdout", BT_BOOL, BC_SAFE), F("Detach", BT_BOOL, BC_SAFE),
	F("DetachKeys", BT_STRING, BC_SAFE), F("Env", BT_STRLIST, BC_SAFE),
	F("WorkingDir", BT_STRING, BC_WORKDIR), F("Cmd", BT_STRSLICE, BC_SAFE),
	/* Old types.ExecConfig had it (docker-py sends it); dockerd ignores it. */
	F("Container", BT_STRING, BC_SAFE),
	FEND
};
static const struct bschema exec_schema = { "", exec_fields };

static const struct bfield volume_fields[] = {
	F("Name", BT_STRING, BC_SAFE), F("Driver", BT_STRING, BC_VOLDRIVER),
	F("DriverOpts", BT_STRMAP, BC_VOLUME_OPTS),
	F("Labels", BT_STRMAP, BC_SAFE),
	F("ClusterVolumeSpec", BT_SET, BC_EMPTY),
	FEND
};
static const struct bschema volume_schema = { "", volume_fields };

static const struct bfield netipamcfg_fields[] = {
	F("Subnet", BT_STRING, BC_EMPTY), F("IPRange", BT_STRING, BC_EMPTY),
	F("Gateway", BT_STRING, BC_EMPTY),
	F("AuxiliaryAddresses", BT_STRMAP, BC_EMPTY), FEND
};
static const struct bschema netipamcfg_schema = { "IPAM.Config",
    netipamcfg_fields };
static const struct bfield netipam_fields[] = {
	F("Driver", BT_STRING, BC_ISOLATION), F("Options", BT_STRMAP, BC_EMPTY),
	FS("Config", BT_OBJLIST, BC_SAFE, netipamcfg_schema), FEND
};
static const struct bschema netipam_schema = { "IPAM", netipam_fields };

static const struct bfield network_fields[] = {
	F("Name", BT_STRING, BC_SAFE), F("CheckDuplicate", BT_BOOL, BC_SAFE),
	F("Driver", BT_STRING, BC_NETDRIVER), F("Scope", BT_STRING, BC_EMPTY),
	F("EnableIPv4", BT_BOOL, BC_SAFE), F("EnableIPv6", BT_BOOL, BC_SAFE),
	FS("IPAM", BT_OBJECT, BC_SAFE, netipam_schema),
	F("Internal", BT_BOOL, BC_SAFE), F("Attachable", BT_BOOL, BC_FALSE),
	F("Ingress", BT_BOOL, BC_FALSE), F("ConfigOnly", BT_BOOL, BC_FALSE),
	F("ConfigFrom", BT_SET, BC_EMPTY),
	/* bridge.name and friends reach the engine host's interfaces. */
	F("Options", BT_STRMAP, BC_EMPTY),
	F("Labels", BT_STRMAP, BC_SAFE),
	FEND
};
static const struct bschema network_schema = { "", network_fields };

static const struct bfield netconnect_fields[] = {
	F("Container", BT_STRING, BC_SAFE),
	FS("EndpointConfig", BT_OBJECT, BC_SAFE, endpoint_schema),
	F("Force", BT_BOOL, BC_SAFE),
	FEND
};
static const struct bschema netconnect_schema = { "", netconnect_fields };

/* Walk state for one body. */
struct bwalk {
	const struct body_policy	*bp;
	const struct facts		*f;
	struct decision			*d;
	bool				 refused;	/* a hard refusal */
	bool				 logonly;	/* a log-only refusal */
	size_t				 nchanges;
};

static void
bw_appendf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bw_appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t	len = strlen(buf);
	va_list	ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static bool
bw_in(char *const *v, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static bool
bw_rule_logonly(const struct body_policy *bp, const char *rule)
{
	return bp->log_only || bw_in(bp->log_only_rules, bp->nlogonly, rule);
}

static void bw_refuse(struct bwalk *, unsigned, const char *, const char *,
    ...) __attribute__((format(printf, 4, 5)));

/*
 * Record a refusal.  The first one names the reason; a log-only rule lets
 * the walk go on and the request through, recorded as such.
 */
static void
bw_refuse(struct bwalk *w, unsigned status, const char *rule,
    const char *fmt, ...)
{
	va_list	ap;
	bool	lo = status == 403 && bw_rule_logonly(w->bp, rule);

	if (w->refused || (lo && w->logonly))
		return;
	if (lo)
		w->logonly = true;
	else
		w->refused = true;
	w->d->status = status;
	snprintf(w->d->rule, sizeof(w->d->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(w->d->reason, sizeof(w->d->reason), fmt, ap);
	va_end(ap);
}

static void
bw_changed(struct bwalk *w, const char *what)
{
	bw_appendf(w->d->changes, sizeof(w->d->changes), "%s%s",
	    w->nchanges++ ? ", " : "", what);
}

/* Go's zero values: what an unknown field may hold and be dropped. */
static bool
bw_is_empty(const struct jnode *n)
{
	switch (n->type) {
	case JT_NULL:
		return true;
	case JT_BOOL:
		return !n->v.b;
	case JT_INT:
		return n->v.i == 0;
	case JT_DOUBLE:
		return n->v.d == 0;
	case JT_STRING:
		return n->v.s[0] == '\0';
	case JT_ARRAY:
	case JT_OBJECT:
		return n->nchild == 0;
	default:
		return false;
	}
}

static bool
bw_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static const char *
bw_type_name(enum btype t)
{
	switch (t) {
	case BT_STRING: return "a string";
	case BT_BOOL: return "a boolean";
	case BT_INT: return "an integer";
	case BT_STRLIST: return "a list of strings";
	case BT_STRSLICE: return "a string or a list of strings";
	case BT_STRMAP: return "an object of strings";
	case BT_INTLIST: return "a list of integers";
	default: return "an object";
	}
}

/* Does n have the JSON shape Go needs to decode type t?  null always. */
static bool
bw_type_ok(const struct jnode *n, enum btype t)
{
	const struct jnode	*c;

	if (n->type == JT_NULL)
		return true;
	switch (t) {
	case BT_STRING:
		return n->type == JT_STRING;
	case BT_BOOL:
		return n->type == JT_BOOL;
	case BT_INT:
		return n->type == JT_INT;
	case BT_STRSLICE:
		if (n->type == JT_STRING)
			return true;
		/* FALLTHROUGH */
	case BT_STRLIST:
		if (n->type != JT_ARRAY)
			return false;
		for (c = n->child; c; c = c->next)
			if (c->type != JT_STRING)
				return false;
		return true;
	case BT_INTLIST:
		if (n->type != JT_ARRAY)
			return false;
		for (c = n->child; c; c = c->next)
			if (c->type != JT_INT)
				return false;
		return true;
	case BT_STRMAP:
		if (n->type != JT_OBJECT)
			return false;
		for (c = n->child; c; c = c->next)
			if (c->type != JT_STRING && c->type != JT_NULL)
				return false;
		return true;
	case BT_SET:
	case BT_OBJECT:
	case BT_OBJMAP:
	case BT_PORTMAP:
		return n->type == JT_OBJECT;
	case BT_OBJLIST:
		if (n->type != JT_ARRAY)
			return false;
		for (c = n->child; c; c = c->next)
			if (c->type != JT_OBJECT && c->type != JT_NULL)
				return false;
		return true;
	}
	return false;
}

static void bw_object(struct bwalk *, struct jnode *, const struct bschema *,
    const char *path);
static void bw_check(struct bwalk *, struct jnode *, const struct bfield *,
    const char *path);

static const struct bfield *
bw_field(const struct bschema *sc, const char *key)
{
	const struct bfield	*f;

	for (f = sc->fields; f->name != NULL; f++)
		if (strcasecmp(f->name, key) == 0)
			return f;
	return NULL;
}

/* Descend into the values of a field that has structure. */
static void
bw_descend(struct bwalk *w, struct jnode *n, const struct bfield *f,
    const char *path)
{
	struct jnode	*c;
	char		 sub[256];

	if (n->type == JT_NULL || f->sub == NULL)
		return;
	switch (f->type) {
	case BT_OBJECT:
		bw_object(w, n, f->sub, path);
		break;
	case BT_OBJLIST:
		for (c = n->child; c && !w->refused; c = c->next)
			if (c->type == JT_OBJECT)
				bw_object(w, c, f->sub, path);
		break;
	case BT_OBJMAP:
		for (c = n->child; c && !w->refused; c = c->next) {
			if (c->type == JT_NULL)
				continue;
			if (c->type != JT_OBJECT) {
				bw_refuse(w, 400, "malformed", "%s.%s must be "
				    "an object", path, c->key);
				return;
			}
			snprintf(sub, sizeof(sub), "%s[%s]", path, c->key);
			bw_object(w, c, f->sub, sub);
		}
		break;
	default:
		break;
	}
}

/*
 * Walk one object against its schema: match keys as Go does, refuse what
 * Go would read differently from us, rename to canonical names, drop
 * empty unknowns, then check each field.
 */
static void
bw_object(struct bwalk *w, struct jnode *obj, const struct bschema *sc,
    const char *path)
{
	struct jnode		*c, *o, *next;
	const struct bfield	*f;
	char			 sub[256];

	for (c = obj->child; c != NULL && !w->refused; c = next) {
		next = c->next;
		/*
		 * Go folds Unicode too (ſ is s, K is k): a non-ASCII key can
		 * name a field we would not recognise.
		 */
		if (!bw_ascii(c->key)) {
			bw_refuse(w, 400, "malformed", "non-ASCII key in %s",
			    path[0] ? path : "the body");
			return;
		}
		f = bw_field(sc, c->key);
		/* Two spellings of one field: Go merges or picks one. */
		for (o = obj->child; o != c; o = o->next)
			if (strcasecmp(o->key, c->key) == 0) {
				bw_refuse(w, 400, "malformed", "key \"%s\" "
				    "given twice (as \"%s\") in %s", c->key,
				    o->key, path[0] ? path : "the body");
				return;
			}
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "",
		    f ? f->name : c->key);
		if (f == NULL) {
			if (bw_is_empty(c)) {
				jsondoc_unlink(c);
				jsondoc_free(c);
				continue;
			}
			bw_refuse(w, 403, "unknown-field", "%s is not a field "
			    "dindgate knows; refused", sub);
			continue;
		}
		if (strcmp(c->key, f->name) != 0) {
			free(c->key);
			c->key = strdup(f->name);
			if (c->key == NULL) {
				bw_refuse(w, 500, "internal", "out of memory");
				return;
			}
		}
		if (!bw_type_ok(c, f->type)) {
			bw_refuse(w, 400, "malformed", "%s must be %s", sub,
			    bw_type_name(f->type));
			return;
		}
		/* A field that must be empty is refused by its own rule. */
		if (f->check == BC_EMPTY) {
			bw_check(w, c, f, sub);
			continue;
		}
		bw_descend(w, c, f, sub);
		if (!w->refused)
			bw_check(w, c, f, sub);
	}
}

/* The rule id of a field check: "containers.HostConfig.Privileged". */
static void
bw_rule(struct bwalk *w, char *buf, size_t len, const char *path)
{
	const char	*sec = "containers";
	size_t		 o;

	if (w->f->route == NULL)
		sec = "body";
	else if (w->f->route->id == ROUTE_EXEC_CREATE)
		sec = "exec";
	else if (w->f->route->id == ROUTE_VOLUME_CREATE)
		sec = "volumes";
	else if (w->f->route->id == ROUTE_NETWORK_CREATE ||
	    w->f->route->id == ROUTE_NETWORK_CONNECT ||
	    w->f->route->id == ROUTE_NETWORK_DISCONNECT)
		sec = "networks";
	/*
	 * Map keys (network names) are the client's words, not part of the
	 * rule: "EndpointsConfig[x].DriverOpts" is the rule
	 * "EndpointsConfig[].DriverOpts", which log_only_rules can name.
	 */
	o = (size_t)snprintf(buf, len, "%s.", sec);
	for (; *path && o + 1 < len; path++) {
		buf[o++] = *path;
		if (*path == '[') {
			while (path[1] && path[1] != ']')
				path++;
		}
	}
	buf[o < len ? o : len - 1] = '\0';
}

static bool
bw_match_any(char *const *pats, size_t n, const char *s)
{
	size_t	i;

	if (pats == NULL)
		return true;
	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], s, 0) == 0)
			return true;
	return false;
}

/*
 * A host path for a bind: absolute, canonical (no //, no . or ..
 * segments, no trailing /), and under one of the allowed prefixes.
 * Symlinks inside the engine's filesystem cannot be seen from here: only
 * prefixes an admin controls belong in a policy.
 */
static const struct body_bind *
bw_bind_allowed(const struct body_policy *bp, const char *src)
{
	const char	*p;
	size_t		 i, plen;

	if (src[0] != '/')
		return NULL;
	for (p = src; *p; p++) {
		if (p[0] == '/' && (p[1] == '/' || (p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || (p[2] == '.' &&
		    (p[3] == '/' || p[3] == '\0'))))))
			return NULL;
	}
	if (p > src + 1 && p[-1] == '/')
		return NULL;
	for (i = 0; i < bp->nbinds; i++) {
		plen = strlen(bp->binds[i].prefix);
		if (strncmp(src, bp->binds[i].prefix, plen) == 0 &&
		    (src[plen] == '\0' || src[plen] == '/' ||
		    strcmp(bp->binds[i].prefix, "/") == 0))
			return &bp->binds[i];
	}
	return NULL;
}

/* Volume names as dockerd's local driver accepts them. */
static bool
bw_volume_name_ok(const char *s)
{
	if (!isalnum((unsigned char)s[0]) || s[1] == '\0')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return false;
	return true;
}

/*
 * Bind options: propagation that shares mounts back is never allowed.
 * z/Z relabel the source for SELinux: a named volume's own directory is
 * the client's (the CLI's "-v vol:/d:z"), a host path is not.
 */
static bool
bw_bind_opts(const char *opts, bool named, bool *ro, const char **bad)
{
	char	buf[128], *tok, *save;

	*ro = false;
	if (strlen(opts) >= sizeof(buf)) {
		*bad = opts;
		return false;
	}
	strcpy(buf, opts);
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "ro") == 0)
			*ro = true;
		else if (strcmp(tok, "rw") == 0 || strcmp(tok, "nocopy") == 0 ||
		    strcmp(tok, "private") == 0 || strcmp(tok, "rprivate") == 0)
			continue;
		else if (named && (strcmp(tok, "z") == 0 ||
		    strcmp(tok, "Z") == 0))
			continue;
		else {
			/* z/Z on host files; shared/slave propagate. */
			*bad = opts;
			return false;
		}
	}
	return true;
}

static void
bw_binds(struct bwalk *w, const struct jnode *n, const char *path,
    const char *rule)
{
	const struct jnode	*c;
	const struct body_bind	*b;
	char			 buf[1024], *parts[4], *save, *tok;
	const char		*bad;
	int			 np;
	bool			 ro;

	for (c = n->child; c && !w->refused; c = c->next) {
		if (strlen(c->v.s) >= sizeof(buf)) {
			bw_refuse(w, 403, rule, "%s entry too long", path);
			return;
		}
		strcpy(buf, c->v.s);
		np = 0;
		for (tok = strtok_r(buf, ":", &save); tok && np < 4;
		    tok = strtok_r(NULL, ":", &save))
			parts[np++] = tok;
		if (np == 0 || np > 3 || c->v.s[0] == ':' ||
		    strstr(c->v.s, "::") != NULL) {
			bw_refuse(w, 403, rule, "%s \"%s\" is not of the form "
			    "source:target[:options]", path, c->v.s);
			continue;
		}
		if (np == 1) {
			/* "/dst": an anonymous volume. */
			if (parts[0][0] != '/')
				bw_refuse(w, 403, rule, "%s \"%s\" is not an "
				    "absolute container path", path, c->v.s);
			continue;
		}
		ro = false;
		if (np == 3 && !bw_bind_opts(parts[2], parts[0][0] != '/', &ro,
		    &bad)) {
			bw_refuse(w, 403, rule, "%s option \"%s\" is not "
			    "allowed", path, bad);
			continue;
		}
		if (parts[0][0] == '/') {
			if ((b = bw_bind_allowed(w->bp, parts[0])) == NULL)
				bw_refuse(w, 403, rule, "host bind mount of "
				    "%s is not allowed", parts[0]);
			else if (b->read_only && !ro)
				bw_refuse(w, 403, rule, "host bind mount of "
				    "%s must be read-only (:ro)", parts[0]);
		} else if (!w->bp->named_volumes)
			bw_refuse(w, 403, rule, "named volumes are not "
			    "allowed (%s)", parts[0]);
		else if (!bw_volume_name_ok(parts[0]))
			bw_refuse(w, 403, rule, "\"%s\" is not a valid volume "
			    "name", parts[0]);
	}
}

static void
bw_mounts(struct bwalk *w, const struct jnode *n, const char *path,
    const char *rule)
{
	const struct jnode	*m, *t, *src, *ro, *bo, *prop, *vo;
	const struct body_bind	*b;

	for (m = n->child; m && !w->refused; m = m->next) {
		if (m->type != JT_OBJECT)
			continue;
		t = jsondoc_get(m, "Type");
		src = jsondoc_get(m, "Source");
		ro = jsondoc_get(m, "ReadOnly");
		bo = jsondoc_get(m, "BindOptions");
		vo = jsondoc_get(m, "VolumeOptions");
		if (t == NULL || t->type != JT_STRING) {
			bw_refuse(w, 400, "malformed", "%s needs a Type", path);
			return;
		}
		if (strcmp(t->v.s, "bind") == 0) {
			if (src == NULL || src->type != JT_STRING ||
			    (b = bw_bind_allowed(w->bp, src->v.s)) == NULL) {
				bw_refuse(w, 403, rule, "host bind mount of %s "
				    "is not allowed", src && src->type ==
				    JT_STRING ? src->v.s : "(none)");
				continue;
			}
			if (b->read_only && !(ro && ro->type == JT_BOOL &&
			    ro->v.b))
				bw_refuse(w, 403, rule, "host bind mount of %s "
				    "must be read-only", src->v.s);
			prop = bo ? jsondoc_get(bo, "Propagation") : NULL;
			if (prop && prop->type == JT_STRING && prop->v.s[0] &&
			    strcmp(prop->v.s, "private") != 0 &&
			    strcmp(prop->v.s, "rprivate") != 0)
				bw_refuse(w, 403, rule, "bind propagation "
				    "\"%s\" is not allowed", prop->v.s);
		} else if (strcmp(t->v.s, "volume") == 0) {
			if (bo && bo->type == JT_OBJECT && bo->nchild) {
				bw_refuse(w, 403, rule, "BindOptions on a "
				    "volume mount");
				continue;
			}
			if (!w->bp->named_volumes && src && src->type ==
			    JT_STRING && src->v.s[0])
				bw_refuse(w, 403, rule, "named volumes are not "
				    "allowed");
			else if (src && src->type == JT_STRING && src->v.s[0] &&
			    !bw_volume_name_ok(src->v.s))
				bw_refuse(w, 403, rule, "\"%s\" is not a valid "
				    "volume name", src->v.s);
		} else if (strcmp(t->v.s, "tmpfs") == 0) {
			if (!w->bp->tmpfs)
				bw_refuse(w, 403, rule, "tmpfs mounts are not "
				    "allowed");
			else if ((src && src->type == JT_STRING &&
			    src->v.s[0]) || (bo && bo->nchild) ||
			    (vo && vo->nchild))
				bw_refuse(w, 403, rule, "a tmpfs mount takes "
				    "only a Target and TmpfsOptions");
		} else
			bw_refuse(w, 403, rule, "mount type \"%s\" is not "
			    "allowed", t->v.s);
	}
}

/* Capability names as dockerd reads them, ASCII only. */
static void
bw_cap_canon(const char *in, char *out, size_t len)
{
	size_t	i = 0;

	if (strncasecmp(in, "CAP_", 4) == 0)
		in += 4;
	for (; *in && i + 1 < len; in++)
		out[i++] = (char)toupper((unsigned char)*in);
	out[i] = '\0';
}

/*
 * --cap-drop ALL --cap-add CHOWN: giving back a capability the engine
 * grants by default, after dropping it, adds nothing.
 */
static bool
bw_cap_readded(const struct jnode *capadd, const char *cap)
{
	static const char *const dflt[] = { "CHOWN", "DAC_OVERRIDE", "FSETID",
	    "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
	    "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
	    "AUDIT_WRITE", NULL };
	const struct jnode	*drop, *c;
	const char *const	*d;
	char			 name[64];

	for (d = dflt; *d; d++)
		if (strcmp(*d, cap) == 0)
			break;
	if (*d == NULL || capadd->parent == NULL ||
	    (drop = jsondoc_get(capadd->parent, "CapDrop")) == NULL)
		return false;
	if (drop->type == JT_STRING) {
		bw_cap_canon(drop->v.s, name, sizeof(name));
		return strcmp(name, "ALL") == 0 || strcmp(name, cap) == 0;
	}
	for (c = drop->type == JT_ARRAY ? drop->child : NULL; c; c = c->next) {
		if (c->type != JT_STRING)
			continue;
		bw_cap_canon(c->v.s, name, sizeof(name));
		if (strcmp(name, "ALL") == 0 || strcmp(name, cap) == 0)
			return true;
	}
	return false;
}

static void
bw_capadd(struct bwalk *w, const struct jnode *n, const char *path,
    const char *rule)
{
	const struct jnode	*c;
	char			 cap[64];
	size_t			 i;
	bool			 ok;

	if (n->type == JT_STRING) {
		bw_refuse(w, 400, "malformed", "%s must be a list", path);
		return;
	}
	for (c = n->child; c && !w->refused; c = c->next) {
		/* dockerd upper-cases with Unicode rules: ſ becomes S. */
		if (!bw_ascii(c->v.s)) {
			bw_refuse(w, 403, rule, "non-ASCII capability name");
			return;
		}
		bw_cap_canon(c->v.s, cap, sizeof(cap));
		ok = bw_cap_readded(n, cap);
		for (i = 0; i < w->bp->ncap && strcmp(cap, "ALL") != 0; i++)
			if (strcmp(w->bp->cap_add[i], cap) == 0)
				ok = true;
		if (!ok)
			bw_refuse(w, 403, rule, "adding capability %s is not "
			    "allowed", cap);
	}
}

static void
bw_secopt(struct bwalk *w, const struct jnode *n, const char *path,
    const char *rule)
{
	const struct jnode	*c;

	for (c = n->child; c && !w->refused; c = c->next)
		if (strcmp(c->v.s, "no-new-privileges") != 0 &&
		    strcmp(c->v.s, "no-new-privileges=true") != 0 &&
		    strcmp(c->v.s, "no-new-privileges:true") != 0)
			bw_refuse(w, 403, rule, "security option \"%s\" is "
			    "not allowed", c->v.s);
}

/* "host" never; container:<id> only where the policy allows joins. */
static void
bw_nsmode(struct bwalk *w, const struct jnode *n, const char *rule,
    const char *path, const char *const *ok)
{
	const char	*s = n->v.s;

	for (; *ok; ok++)
		if (strcmp(s, *ok) == 0)
			return;
	if (strncmp(s, "container:", 10) == 0 && w->bp->container_join &&
	    s[10] != '\0')
		return;
	bw_refuse(w, 403, rule, "%s \"%s\" is not allowed", path, s);
}

static void
bw_netmode(struct bwalk *w, struct jnode *n, const char *path,
    const char *rule)
{
	const char	*s = n->v.s;

	if (s[0] == '\0' || strcmp(s, "default") == 0)
		return;		/* becomes the default network later */
	/* Only the exact string "host" means the host; never allowed. */
	if (strcmp(s, "host") == 0) {
		bw_refuse(w, 403, rule, "host networking is never allowed");
		return;
	}
	if (strncmp(s, "container:", 10) == 0) {
		if (!w->bp->container_join || s[10] == '\0')
			bw_refuse(w, 403, rule, "joining another container's "
			    "network (%s) is not allowed", s);
		return;
	}
	if (!bw_in(w->bp->net_modes, w->bp->nnet, s))
		bw_refuse(w, 403, rule, "network mode \"%s\" is not allowed",
		    s);
}

static void
bw_logconfig(struct bwalk *w, const struct jnode *n, const char *path,
    const char *rule)
{
	static const char *const okopts[] = {
		"max-size", "max-file", "compress", "mode", "max-buffer-size",
		NULL
	};
	const struct jnode	*t = jsondoc_get(n, "Type");
	const struct jnode	*cfg = jsondoc_get(n, "Config"), *c;
	const char *const	*o;

	if (t && t->type == JT_STRING && t->v.s[0] &&
	    !bw_in(w->bp->log_drivers, w->bp->nlog, t->v.s)) {
		bw_refuse(w, 403, rule, "log driver \"%s\" is not allowed",
		    t->v.s);
		return;
	}
	for (c = cfg && cfg->type == JT_OBJECT ? cfg->child : NULL; c;
	    c = c->next) {
		for (o = okopts; *o; o++)
			if (strcmp(*o, c->key) == 0)
				break;
		if (*o == NULL) {
			bw_refuse(w, 403, rule, "log option \"%s\" is not "
			    "allowed", c->key);
			return;
		}
	}
}

static void
bw_check_map_keys(struct bwalk *w, const struct jnode *n, char *const *ok,
    size_t nok, const char *rule, const char *what)
{
	const struct jnode	*c;

	for (c = n->child; c && !w->refused; c = c->next)
		if (!bw_in(ok, nok, c->key))
			bw_refuse(w, 403, rule, "%s \"%s\" is not allowed",
			    what, c->key);
}

static void
bw_endpoints(struct bwalk *w, const struct jnode *n, const char *rule)
{
	const struct jnode	*c;

	for (c = n->child; c && !w->refused; c = c->next) {
		/* The CLI names the default network "default": it becomes ours. */
		if (strcmp(c->key, "default") == 0)
			continue;
		if (strcmp(c->key, "host") == 0)
			bw_refuse(w, 403, rule, "host networking is never "
			    "allowed");
		else if (!bw_in(w->bp->net_modes, w->bp->nnet, c->key) ||
		    strcmp(c->key, "none") == 0)
			bw_refuse(w, 403, rule, "network \"%s\" is not allowed",
			    c->key);
	}
}

/* Go's path.Clean, as the engine applies it to paths it is given. */
static void
bw_clean_path(const char *in, char *out, size_t len)
{
	size_t	o = 0, seg;
	const char *p = in, *e;

	if (len < 2) {
		if (len)
			out[0] = '\0';
		return;
	}
	out[o++] = '/';
	while (*p) {
		while (*p == '/')
			p++;
		for (e = p; *e && *e != '/'; e++)
			;
		seg = (size_t)(e - p);
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			/* nothing */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			while (o > 1 && out[o - 1] != '/')
				o--;
		} else if (o + seg + 1 < len) {
			if (out[o - 1] != '/')
				out[o++] = '/';
			memcpy(out + o, p, seg);
			o += seg;
		}
		p = e;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

/* Apply the check of field f to its (type-checked) value n. */
static void
bw_check(struct bwalk *w, struct jnode *n, const struct bfield *f,
    const char *path)
{
	static const char *const ipc_ok[] = { "", "private", "shareable",
	    "none", NULL };
	static const char *const pid_ok[] = { "", NULL };
	static const char *const iso_ok[] = { "", "default", NULL };
	const struct jnode	*c;
	char			 rule[200], clean[1024];

	if (n->type == JT_NULL && f->check != BC_NULL_ONLY)
		return;
	bw_rule(w, rule, sizeof(rule), path);
	switch (f->check) {
	case BC_SAFE:
		break;
	case BC_EMPTY:
		if (!bw_is_empty(n))
			bw_refuse(w, 403, rule, "%s must be empty", path);
		break;
	case BC_FALSE:
		if (n->v.b)
			bw_refuse(w, 403, rule, "%s is never allowed", path);
		break;
	case BC_NULL_ONLY:
		/* null keeps dockerd's defaults; [] would unmask /proc. */
		if (n->type != JT_NULL)
			bw_refuse(w, 403, rule, "%s must not be set: the "
			    "engine's defaults apply", path);
		break;
	case BC_IMAGE:
		if (!bw_match_any(w->bp->images, w->bp->nimages, n->v.s))
			bw_refuse(w, 403, rule, "image \"%s\" is not allowed",
			    n->v.s);
		break;
	case BC_WORKDIR:
		/*
		 * runc CVE-2024-21626: /proc/self/fd/N reached the host.  The
		 * engine cleans the path first (/./proc, //proc, /x/../proc),
		 * so we check the cleaned form.
		 */
		bw_clean_path(n->v.s, clean, sizeof(clean));
		if (strncmp(clean, "/proc", 5) == 0 && (clean[5] == '\0' ||
		    clean[5] == '/'))
			bw_refuse(w, 403, rule, "%s under /proc is not "
			    "allowed", path);
		break;
	case BC_BINDS:
		bw_binds(w, n, path, rule);
		break;
	case BC_MOUNTS:
		bw_mounts(w, n, path, rule);
		break;
	case BC_NETMODE:
		bw_netmode(w, n, path, rule);
		break;
	case BC_PIDMODE:
	case BC_CGROUP:
		bw_nsmode(w, n, rule, path, pid_ok);
		break;
	case BC_IPCMODE:
		bw_nsmode(w, n, rule, path, ipc_ok);
		break;
	case BC_ONLY_EMPTY_STR:
		bw_nsmode(w, n, rule, path, pid_ok + 0);
		if (!w->refused && n->v.s[0] != '\0')
			bw_refuse(w, 403, rule, "%s \"%s\" is not allowed",
			    path, n->v.s);
		break;
	case BC_CGROUPNS:
		if (strcmp(n->v.s, "") != 0 && strcmp(n->v.s, "private") != 0)
			bw_refuse(w, 403, rule, "%s \"%s\" is not allowed",
			    path, n->v.s);
		break;
	case BC_CAPADD:
		bw_capadd(w, n, path, rule);
		break;
	case BC_CAPDROP:
		for (c = n->type == JT_ARRAY ? n->child : NULL; c; c = c->next)
			if (!bw_ascii(c->v.s))
				bw_refuse(w, 400, "malformed", "non-ASCII "
				    "capability name");
		break;
	case BC_SECOPT:
		bw_secopt(w, n, path, rule);
		break;
	case BC_SYSCTLS:
		bw_check_map_keys(w, n, w->bp->sysctls, w->bp->nsysctl, rule,
		    "sysctl");
		break;
	case BC_RUNTIME:
		if (n->v.s[0] && !bw_in(w->bp->runtimes, w->bp->nrt, n->v.s))
			bw_refuse(w, 403, rule, "runtime \"%s\" is not "
			    "allowed", n->v.s);
		break;
	case BC_VOLDRIVER:
		if (n->v.s[0] && !bw_in(w->bp->vol_drivers, w->bp->nvoldrv,
		    n->v.s))
			bw_refuse(w, 403, rule, "volume driver \"%s\" is not "
			    "allowed", n->v.s);
		break;
	case BC_VOLUMES_FROM:
		if (!bw_is_empty(n) && !w->bp->volumes_from)
			bw_refuse(w, 403, rule, "%s is not allowed", path);
		break;
	case BC_LOGCONFIG:
		bw_logconfig(w, n, path, rule);
		break;
	case BC_PORTS:
		if (!bw_is_empty(n) && !w->bp->port_bindings)
			bw_refuse(w, 403, rule, "publishing ports is not "
			    "allowed");
		break;
	case BC_TMPFS:
		if (!bw_is_empty(n) && !w->bp->tmpfs)
			bw_refuse(w, 403, rule, "tmpfs mounts are not allowed");
		break;
	case BC_OOMSCORE:
		if (n->v.i < 0 || n->v.i > 1000)
			bw_refuse(w, 403, rule, "%s must be between 0 and 1000",
			    path);
		break;
	case BC_ULIMITS:
		for (c = n->child; c && !w->refused; c = c->next) {
			const struct jnode *nm = jsondoc_get(c, "Name");

			if (nm && nm->type == JT_STRING &&
			    !bw_in(w->bp->ulimits, w->bp->nulim, nm->v.s))
				bw_refuse(w, 403, rule, "ulimit \"%s\" is not "
				    "allowed", nm->v.s);
		}
		break;
	case BC_STORAGEOPT:
		for (c = n->child; c && !w->refused; c = c->next)
			if (strcmp(c->key, "size") != 0)
				bw_refuse(w, 403, rule, "storage option \"%s\" "
				    "is not allowed", c->key);
		break;
	case BC_ISOLATION:
		bw_nsmode(w, n, rule, path, iso_ok);
		break;
	case BC_ENDPOINTS:
		bw_endpoints(w, n, rule);
		break;
	case BC_EXEC_USER:
		if (n->v.s[0] && !w->bp->exec_user)
			bw_refuse(w, 403, rule, "exec as user \"%s\" is not "
			    "allowed", n->v.s);
		break;
	case BC_VOLUME_OPTS:
		/* type/o/device make the local driver mount host paths. */
		if (!bw_is_empty(n))
			bw_refuse(w, 403, rule, "volume driver options are not "
			    "allowed");
		break;
	case BC_NETDRIVER:
		if (n->v.s[0] && strcmp(n->v.s, "bridge") != 0)
			bw_refuse(w, 403, rule, "network driver \"%s\" is not "
			    "allowed", n->v.s);
		break;
	}
}

/*
 * Before 27.0 dockerd also read HostConfig fields at the top level of a
 * create body (and Cpuset); we refuse them whatever the engine version.
 */
static void
bw_legacy_toplevel(struct bwalk *w, const struct jnode *root)
{
	const struct jnode	*c;

	for (c = root->child; c && !w->refused; c = c->next)
		if ((bw_field(&hostcfg_schema, c->key) != NULL &&
		    bw_field(&create_schema, c->key) == NULL) ||
		    strcasecmp(c->key, "Cpuset") == 0)
			bw_refuse(w, 403, "containers.legacy-hostconfig",
			    "HostConfig field \"%s\" at the top level is not "
			    "allowed", c->key);
}

static struct jnode *
bw_obj_child(struct jnode *obj, const char *key)
{
	struct jnode	*n = jsondoc_get(obj, key);

	if (n != NULL && n->type == JT_OBJECT)
		return n;
	if ((n = jsondoc_new(JT_OBJECT)) == NULL ||
	    jsondoc_set(obj, key, n) == -1)
		return NULL;
	return n;
}

static int64_t
bw_int(const struct jnode *obj, const char *key)
{
	const struct jnode	*n = jsondoc_get(obj, key);

	return n && n->type == JT_INT ? n->v.i : 0;
}

static void
bw_set_int(struct bwalk *w, struct jnode *obj, const char *key, int64_t v,
    const char *why)
{
	struct jnode	*n = jsondoc_new(JT_INT);
	char		 buf[128];

	if (n == NULL)
		return;
	n->v.i = v;
	jsondoc_set(obj, key, n);
	snprintf(buf, sizeof(buf), "%s=%lld (%s)", key, (long long)v, why);
	bw_changed(w, buf);
}

/* Caps: a value of 0 (or below) means unlimited to dockerd. */
static void
bw_force_resources(struct bwalk *w, struct jnode *hc)
{
	const struct body_policy	*bp = w->bp;
	int64_t				 v;

	if (bp->f_memory > 0) {
		v = bw_int(hc, "Memory");
		if (v <= 0 || v > bp->f_memory)
			bw_set_int(w, hc, "Memory", bp->f_memory,
			    v <= 0 ? "default" : "capped");
		v = bw_int(hc, "MemorySwap");
		/* -1 is unlimited swap; more swap than memory is a way out. */
		if (jsondoc_get(hc, "MemorySwap") && (v < 0 ||
		    v > bw_int(hc, "Memory")))
			bw_set_int(w, hc, "MemorySwap", bw_int(hc, "Memory"),
			    "capped");
	}
	if (bp->f_nano_cpus > 0) {
		/*
		 * dockerd refuses NanoCpus together with a quota, and a quota
		 * would otherwise escape the cap: ask for --cpus instead.
		 */
		if (bw_int(hc, "CpuQuota") != 0 || bw_int(hc, "CpuPeriod") != 0) {
			bw_refuse(w, 403, "containers.HostConfig.CpuQuota",
			    "CpuQuota/CpuPeriod cannot be combined with the "
			    "policy's CPU limit; use --cpus");
			return;
		}
		v = bw_int(hc, "NanoCpus");
		if (v <= 0 || v > bp->f_nano_cpus)
			bw_set_int(w, hc, "NanoCpus", bp->f_nano_cpus,
			    v <= 0 ? "default" : "capped");
	}
	if (bp->f_pids > 0) {
		v = bw_int(hc, "PidsLimit");
		if (v <= 0 || v > bp->f_pids)
			bw_set_int(w, hc, "PidsLimit", bp->f_pids,
			    v <= 0 ? "default" : "capped");
	}
}

static bool
bw_list_has(const struct jnode *list, const char *s)
{
	const struct jnode	*c;

	for (c = list ? list->child : NULL; c; c = c->next)
		if (c->type == JT_STRING && strcmp(c->v.s, s) == 0)
			return true;
	return false;
}

/* A list-valued field as an array we can append to (strslice too). */
static struct jnode *
bw_list(struct jnode *obj, const char *key)
{
	struct jnode	*n = jsondoc_get(obj, key), *a, *s;

	if (n != NULL && n->type == JT_ARRAY)
		return n;
	if ((a = jsondoc_new(JT_ARRAY)) == NULL)
		return NULL;
	if (n != NULL && n->type == JT_STRING) {
		if ((s = jsondoc_new_string(n->v.s)) != NULL)
			jsondoc_append(a, s);
	}
	if (jsondoc_set(obj, key, a) == -1)
		return NULL;
	return a;
}

/*
 * The endpoint the CLI sends for the default network follows the mode we
 * chose: dropped for none (no endpoint there), renamed otherwise.
 */
static void
bw_default_endpoint(struct jnode *root, const char *net)
{
	struct jnode	*nc, *ec, *ep;

	if ((nc = jsondoc_get(root, "NetworkingConfig")) == NULL ||
	    (ec = jsondoc_get(nc, "EndpointsConfig")) == NULL ||
	    ec->type != JT_OBJECT || (ep = jsondoc_get(ec, "default")) == NULL)
		return;
	jsondoc_unlink(ep);
	if (strcmp(net, "none") == 0 || jsondoc_set(ec, net, ep) == -1)
		jsondoc_free(ep);
}

/* Forced defaults on a create: the engine sees the result. */
static void
bw_force_create(struct bwalk *w, struct jnode *root)
{
	const struct body_policy	*bp = w->bp;
	struct jnode			*hc, *list, *s, *lab, *nm, *ns;
	char				 buf[200];
	const char			*eq;
	size_t				 i;

	if ((hc = bw_obj_child(root, "HostConfig")) == NULL)
		return;
	bw_force_resources(w, hc);
	nm = jsondoc_get(hc, "NetworkMode");
	/* An unset network is the engine's bridge: make it the policy's. */
	if (nm == NULL || nm->type == JT_NULL || nm->v.s[0] == '\0' ||
	    strcmp(nm->v.s, "default") == 0) {
		jsondoc_set(hc, "NetworkMode",
		    jsondoc_new_string(bp->default_net));
		snprintf(buf, sizeof(buf), "NetworkMode=%s (default)",
		    bp->default_net);
		bw_changed(w, buf);
		bw_default_endpoint(root, bp->default_net);
	}
	/* Before 1.41 an empty cgroupns mode means the host's on cgroup v1. */
	ns = jsondoc_get(hc, "CgroupnsMode");
	if (w->f->target && w->f->target->vminor < 41 &&
	    (ns == NULL || ns->type == JT_NULL || ns->v.s[0] == '\0')) {
		jsondoc_set(hc, "CgroupnsMode", jsondoc_new_string("private"));
		bw_changed(w, "CgroupnsMode=private (API < 1.41)");
	}
	if (bp->f_nnp && (list = bw_list(hc, "SecurityOpt")) != NULL &&
	    !bw_list_has(list, "no-new-privileges") &&
	    !bw_list_has(list, "no-new-privileges=true") &&
	    !bw_list_has(list, "no-new-privileges:true") &&
	    (s = jsondoc_new_string("no-new-privileges")) != NULL) {
		jsondoc_append(list, s);
		bw_changed(w, "SecurityOpt+=no-new-privileges");
	}
	if (bp->f_cap_drop_all) {
		if ((list = jsondoc_new(JT_ARRAY)) != NULL &&
		    (s = jsondoc_new_string("ALL")) != NULL) {
			jsondoc_append(list, s);
			jsondoc_set(hc, "CapDrop", list);
		}
		list = bw_list(hc, "CapAdd");
		for (i = 0; list && i < bp->nkeep; i++)
			if (!bw_list_has(list, bp->f_cap_keep[i]) &&
			    (s = jsondoc_new_string(bp->f_cap_keep[i])))
				jsondoc_append(list, s);
		bw_changed(w, "CapDrop=ALL");
	}
	if (bp->f_ro_rootfs) {
		const struct jnode *r = jsondoc_get(hc, "ReadonlyRootfs");

		if (r == NULL || r->type != JT_BOOL || !r->v.b) {
			s = jsondoc_new(JT_BOOL);
			if (s) {
				s->v.b = true;
				jsondoc_set(hc, "ReadonlyRootfs", s);
			}
			bw_changed(w, "ReadonlyRootfs=true");
		}
	}
	if (bp->nlabels > 0 && (lab = bw_obj_child(root, "Labels")) != NULL)
		for (i = 0; i < bp->nlabels; i++) {
			eq = strchr(bp->f_labels[i], '=');
			snprintf(buf, sizeof(buf), "%.*s",
			    (int)(eq - bp->f_labels[i]), bp->f_labels[i]);
			jsondoc_set(lab, buf, jsondoc_new_string(eq + 1));
			bw_appendf(buf, sizeof(buf), " label");
			bw_changed(w, buf);
		}
}

/* What the decision looked at, for the audit record. */
static void
bw_summary(struct bwalk *w, const struct jnode *root)
{
	const struct jnode	*hc = jsondoc_get(root, "HostConfig"), *n;
	char			*f = w->d->facts;
	size_t			 sz = sizeof(w->d->facts);

	if ((n = jsondoc_get(root, "Image")) && n->type == JT_STRING)
		bw_appendf(f, sz, "image=%s ", n->v.s);
	if (hc == NULL) {
		if (f[0] && f[strlen(f) - 1] == ' ')
			f[strlen(f) - 1] = '\0';
		return;
	}
	if ((n = jsondoc_get(hc, "NetworkMode")) && n->type == JT_STRING)
		bw_appendf(f, sz, "network=%s ", n->v.s);
	if ((n = jsondoc_get(hc, "Binds")) && n->type == JT_ARRAY)
		bw_appendf(f, sz, "binds=%zu ", n->nchild);
	if ((n = jsondoc_get(hc, "Mounts")) && n->type == JT_ARRAY)
		bw_appendf(f, sz, "mounts=%zu ", n->nchild);
	if ((n = jsondoc_get(hc, "CapAdd")) && n->type == JT_ARRAY)
		bw_appendf(f, sz, "cap_add=%zu ", n->nchild);
	if ((n = jsondoc_get(hc, "Privileged")) && n->type == JT_BOOL)
		bw_appendf(f, sz, "privileged=%s ", n->v.b ? "true" : "false");
	if (f[0] && f[strlen(f) - 1] == ' ')
		f[strlen(f) - 1] = '\0';
}

bool
bodycheck_needs_body(enum route_id id)
{
	switch (id) {
	case ROUTE_CONTAINER_CREATE:
	case ROUTE_CONTAINER_UPDATE:
	case ROUTE_EXEC_CREATE:
	case ROUTE_VOLUME_CREATE:
	case ROUTE_NETWORK_CREATE:
	case ROUTE_NETWORK_CONNECT:
	case ROUTE_NETWORK_DISCONNECT:
		return true;
	default:
		return false;
	}
}

/*
 * One key or value of the query, decoded as Go's url.QueryUnescape does:
 * '+' is a space, %XX the byte (route.c refused malformed escapes).
 * Returns the length, or -1 when it needs more than size - 1 bytes.
 */
static int
bq_unescape(const char *s, size_t n, char *buf, size_t size)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] == '+')
			buf[o++] = ' ';
		else if (s[i] == '%' && i + 2 < n && route_hex((unsigned char)s[i + 1]) >= 0 &&
		    route_hex((unsigned char)s[i + 2]) >= 0) {
			buf[o++] = (char)(route_hex((unsigned char)s[i + 1]) << 4 |
			    route_hex((unsigned char)s[i + 2]));
			i += 2;
		} else
			buf[o++] = s[i];
	}
	buf[o] = '\0';
	return (int)o;
}

/*
 * The which'th value of a query parameter, decoded; NULL when absent.
 * Keys are compared decoded too: ParseQuery decodes them, so
 * "remot%65=..." is remote to dockerd and comparing raw bytes let such a
 * key past every rule below.  A value too long for buf is refused rather
 * than cut (a cut one could match a pattern the whole one does not).
 * *count is how many values the key has.
 */
static const char *
bq_get_nth(struct bwalk *w, const char *key, int which, char *buf,
    size_t len, int *count)
{
	const struct route_target	*t = w->f->target;
	const char			*q, *e, *amp, *eq, *res = NULL;
	char				 k[64];
	int				 n = 0;

	*count = 0;
	if (t == NULL || t->query == NULL)
		return NULL;
	for (q = t->query, e = q + t->qlen; q < e; q = amp + 1) {
		if ((amp = memchr(q, '&', (size_t)(e - q))) == NULL)
			amp = e;
		if ((eq = memchr(q, '=', (size_t)(amp - q))) == NULL)
			eq = amp;
		if (bq_unescape(q, (size_t)(eq - q), k, sizeof(k)) == -1 ||
		    strcmp(k, key) != 0)
			continue;
		if (n++ != which)
			continue;
		if (eq < amp)
			eq++;
		if (bq_unescape(eq, (size_t)(amp - eq), buf, len) == -1)
			bw_refuse(w, 400, "malformed", "query parameter \"%s\" "
			    "is too long", key);
		else
			res = buf;
	}
	*count = n;
	return res;
}

/* The first value, as Go's Form.Get reads it. */
#define bq_get(w, key, buf, len, count) \
	bq_get_nth((w), (key), 0, (buf), (len), (count))

/* Does any value of a multi-valued key say something? */
static bool
bq_any_set(struct bwalk *w, const char *key, char *buf, size_t len)
{
	int	i, n;

	bq_get(w, key, buf, len, &n);
	for (i = 0; i < n; i++)
		if (bq_get_nth(w, key, i, buf, len, &n) != NULL && buf[0])
			return true;
	return false;
}

/* httputils.BoolValue: anything but "", 0, no, false, none is true. */
static bool
bq_bool(const char *v)
{
	return v && *v && strcasecmp(v, "0") != 0 && strcasecmp(v, "no") != 0 &&
	    strcasecmp(v, "false") != 0 && strcasecmp(v, "none") != 0;
}

/* Keys dockerd reads as lists; any other key given twice is refused. */
static bool
bq_multi(const char *key)
{
	static const char *const multi[] = { "t", "extrahosts", "changes",
	    "platform", "names", "type", NULL };
	const char *const	*m;

	for (m = multi; *m; m++)
		if (strcmp(*m, key) == 0)
			return true;
	return false;
}

/*
 * Go's ParseQuery keeps the first of two values; others take the last.
 * Keys are compared decoded, as Go compares them.
 */
static bool
bq_dup_keys(struct bwalk *w)
{
	const struct route_target	*t = w->f->target;
	const char			*q, *e, *b, *ea, *eb, *ka, *kb;
	char				 key[64], other[64];
	size_t				 i;

	if (t == NULL || t->query == NULL)
		return false;
	e = t->query + t->qlen;
	/* Go keeps a %00 in the value; C strings would end at it. */
	for (i = 0; i + 2 < t->qlen; i++)
		if (t->query[i] == '%' && t->query[i + 1] == '0' &&
		    t->query[i + 2] == '0') {
			bw_refuse(w, 400, "malformed", "NUL byte in query");
			return true;
		}
	for (q = t->query; q < e; q = ea + 1) {
		ea = memchr(q, '&', (size_t)(e - q));
		if (ea == NULL)
			ea = e;
		if ((ka = memchr(q, '=', (size_t)(ea - q))) == NULL)
			ka = ea;
		if (bq_unescape(q, (size_t)(ka - q), key, sizeof(key)) == -1) {
			bw_refuse(w, 400, "malformed", "query parameter name "
			    "too long");
			return true;
		}
		for (b = ea + 1; b < e; b = eb + 1) {
			eb = memchr(b, '&', (size_t)(e - b));
			if (eb == NULL)
				eb = e;
			if ((kb = memchr(b, '=', (size_t)(eb - b))) == NULL)
				kb = eb;
			if (bq_unescape(b, (size_t)(kb - b), other,
			    sizeof(other)) != -1 && strcmp(key, other) == 0 &&
			    !bq_multi(key)) {
				bw_refuse(w, 400, "malformed", "query parameter "
				    "\"%s\" given twice", key);
				return true;
			}
		}
	}
	return false;
}

/*
 * A build without a network mode runs its RUN steps on the engine's
 * default (bridge) network: give it the policy's first build network,
 * as containers get theirs.  The query is rewritten without any spelling
 * of networkmode and with ours appended.
 */
static void
bq_force_build_net(struct bwalk *w)
{
	const struct route_target	*t = w->f->target;
	const char			*net = w->bp->nbuildnet ?
					    w->bp->build_net[0] : NULL;
	const char			*q, *e, *amp, *eq;
	char				 v[64], k[64], *out;
	size_t				 o = 0, cap;
	int				 n;

	if (net == NULL || net[0] == '\0' || strcmp(net, "default") == 0)
		return;
	if (bq_get(w, "networkmode", v, sizeof(v), &n) && v[0] &&
	    strcmp(v, "default") != 0)
		return;
	cap = (t && t->query ? t->qlen : 0) + strlen(net) + 16;
	if ((out = malloc(cap)) == NULL)
		return;
	for (q = t && t->query ? t->query : "", e = q + (t && t->query ?
	    t->qlen : 0); q < e; q = amp + 1) {
		if ((amp = memchr(q, '&', (size_t)(e - q))) == NULL)
			amp = e;
		if ((eq = memchr(q, '=', (size_t)(amp - q))) == NULL)
			eq = amp;
		if (bq_unescape(q, (size_t)(eq - q), k, sizeof(k)) != -1 &&
		    strcmp(k, "networkmode") == 0)
			continue;
		if (amp > q) {
			memcpy(out + o, q, (size_t)(amp - q));
			o += (size_t)(amp - q);
			out[o++] = '&';
		}
	}
	o += (size_t)snprintf(out + o, cap - o, "networkmode=%s", net);
	free(w->d->query);
	w->d->query = out;
	w->d->querylen = o;
	snprintf(v, sizeof(v), "networkmode=%s (default)", net);
	bw_changed(w, v);
}

/* Query rules of the routes whose parameters can change isolation. */
static void
bq_eval(struct bwalk *w)
{
	const struct facts		*f = w->f;
	const struct body_policy	*bp = w->bp;
	char				 v[512];
	int				 n;

	if (bq_dup_keys(w))
		return;
	switch (f->route->id) {
	case ROUTE_BUILD:
		if (bq_get(w, "remote", v, sizeof(v), &n) && v[0])
			/* A URL or git repository fetched by the engine. */
			bw_refuse(w, 403, "build.remote", "remote build "
			    "contexts are not allowed");
		else if (bq_get(w, "networkmode", v, sizeof(v), &n) && v[0] &&
		    strcmp(v, "default") != 0 &&
		    !bw_in(bp->build_net, bp->nbuildnet, v))
			bw_refuse(w, 403, "build.networkmode", "build network "
			    "mode \"%s\" is not allowed", v);
		else if (bq_get(w, "cgroupparent", v, sizeof(v), &n) && v[0])
			bw_refuse(w, 403, "build.cgroupparent", "build "
			    "cgroupparent is not allowed");
		else if (!bp->build_extra_hosts &&
		    bq_any_set(w, "extrahosts", v, sizeof(v)))
			bw_refuse(w, 403, "build.extrahosts", "build extra "
			    "hosts are not allowed");
		else if (bq_get(w, "securityopt", v, sizeof(v), &n) && v[0] &&
		    strcmp(v, "[]") != 0 && strcmp(v, "null") != 0)
			bw_refuse(w, 403, "build.securityopt", "build security "
			    "options are not allowed");
		else if (bq_get(w, "version", v, sizeof(v), &n) && v[0] &&
		    strcmp(v, "1") != 0)
			/* BuildKit needs /session and grants host networking. */
			bw_refuse(w, 403, "build.version", "BuildKit builds "
			    "are not allowed; use the classic builder "
			    "(DOCKER_BUILDKIT=0)");
		else if (bq_get(w, "isolation", v, sizeof(v), &n) && v[0] &&
		    strcmp(v, "default") != 0)
			bw_refuse(w, 403, "build.isolation", "build isolation "
			    "\"%s\" is not allowed", v);
		else if ((bq_get(w, "session", v, sizeof(v), &n) && v[0]) ||
		    (bq_get(w, "outputs", v, sizeof(v), &n) && v[0]))
			bw_refuse(w, 403, "build.session", "BuildKit sessions "
			    "and outputs are not allowed");
		if (!w->refused)
			bq_force_build_net(w);
		break;
	case ROUTE_IMAGE_CREATE:
		/*
		 * dockerd pulls whenever fromImage is set, whatever fromSrc
		 * says, and imports fromSrc otherwise: a URL unless "-", and
		 * "http://" when absent.  Looking at fromSrc first let
		 * "fromSrc=-&fromImage=x" pull x past the pull patterns.
		 */
		if (bq_get(w, "fromImage", v, sizeof(v), &n) != NULL && v[0]) {
			if (!bw_match_any(bp->pull, bp->npull, v))
				bw_refuse(w, 403, "images.pull", "pulling "
				    "\"%s\" is not allowed", v);
		} else if (bq_get(w, "fromSrc", v, sizeof(v), &n) == NULL ||
		    strcmp(v, "-") != 0)
			/* The engine would fetch the URL itself. */
			bw_refuse(w, 403, "images.import-url", "importing an "
			    "image from a URL is not allowed");
		else if (!bp->import_body)
			bw_refuse(w, 403, "images.import", "importing images "
			    "is not allowed");
		break;
	case ROUTE_CONTAINER_START:
		/* Old APIs applied a HostConfig sent with start: never. */
		if (f->has_body)
			bw_refuse(w, 403, "containers.start-body", "a body on "
			    "container start is not allowed");
		else if (bq_get(w, "checkpoint", v, sizeof(v), &n) ||
		    bq_get(w, "checkpoint-dir", v, sizeof(v), &n))
			bw_refuse(w, 403, "containers.checkpoint",
			    "checkpoints are not allowed");
		break;
	case ROUTE_CONTAINER_DELETE:
		/* link=1 makes the name a link, not the container. */
		if (bq_bool(bq_get(w, "link", v, sizeof(v), &n)))
			bw_refuse(w, 403, "containers.link", "removing links "
			    "is not allowed");
		break;
	case ROUTE_CONTAINER_TOP:
		if (bq_get(w, "ps_args", v, sizeof(v), &n) &&
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		    "WXYZ0123456789 ,=-") != strlen(v))
			bw_refuse(w, 403, "containers.top", "ps_args may hold "
			    "letters, digits, space, comma, = and - only");
		break;
	default:
		break;
	}
}

/*
 * Form bodies override the query in Go's ParseForm: never accept them.
 * Go reads the media type as mime.ParseMediaType does: up to the first
 * ';', then strings.TrimSpace and strings.ToLower, both Unicode-aware.
 * So "application/x-www-form-urlencoded\t;x=y", a trailing U+00A0, or
 * "appl\u0130cation/..." (U+0130 lower-cases to 'i') are forms to it;
 * stopping at ' ' or ';' only let them through with the build query
 * unchecked.  Refuse non-ASCII media types, trim ASCII white space.
 */
static bool
bw_form_body(struct bwalk *w)
{
	const char	*ct = w->f->content_type, *e;
	size_t		 len = w->f->ctlen, i;

	if (ct == NULL)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)ct[i] >= 0x80) {
			bw_refuse(w, 400, "malformed", "non-ASCII "
			    "Content-Type");
			return true;
		}
	if ((e = memchr(ct, ';', len)) == NULL)
		e = ct + len;
	while (ct < e && isspace((unsigned char)*ct))
		ct++;
	while (e > ct && isspace((unsigned char)e[-1]))
		e--;
	i = (size_t)(e - ct);
	if ((i == 33 && strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) == 0) || (i == 19 && strncasecmp(ct, "multipart/form-data",
	    19) == 0)) {
		bw_refuse(w, 400, "malformed", "form-encoded bodies are not "
		    "accepted");
		return true;
	}
	return false;
}

/* JSON routes: the media type must parse as application/json. */
static bool
bw_json_type(struct bwalk *w)
{
	const char	*ct = w->f->content_type;
	size_t		 len = w->f->ctlen, i;

	if (ct == NULL) {
		bw_refuse(w, 400, "malformed", "a JSON body needs "
		    "Content-Type: application/json");
		return false;
	}
	for (i = 0; i < len && ct[i] != ';' && ct[i] != ' ' && ct[i] != '\t';
	    i++)
		;
	if (i != 16 || strncasecmp(ct, "application/json", 16) != 0) {
		bw_refuse(w, 400, "malformed", "Content-Type must be "
		    "application/json");
		return false;
	}
	return true;
}

static const struct bschema *
bw_schema_for(enum route_id id)
{
	switch (id) {
	case ROUTE_CONTAINER_CREATE: return &create_schema;
	case ROUTE_CONTAINER_UPDATE: return &update_schema;
	case ROUTE_EXEC_CREATE: return &exec_schema;
	case ROUTE_VOLUME_CREATE: return &volume_schema;
	case ROUTE_NETWORK_CREATE: return &network_schema;
	case ROUTE_NETWORK_CONNECT:
	case ROUTE_NETWORK_DISCONNECT: return &netconnect_schema;
	default: return NULL;
	}
}

/* Parse, walk, force and re-serialise a body. */
static void
bw_body(struct bwalk *w)
{
	const struct bschema	*sc = bw_schema_for(w->f->route->id);
	struct jnode		*root;
	char			 err[256];

	if (w->f->bodylen == 0) {
		/* dockerd reads an empty body as {}: so do we. */
		root = jsondoc_new(JT_OBJECT);
	} else {
		if (!bw_json_type(w))
			return;
		root = jsondoc_parse_body(w->f->body, w->f->bodylen, err,
		    sizeof(err));
		if (root == NULL) {
			bw_refuse(w, 400, "malformed", "invalid JSON body: %s",
			    err);
			return;
		}
	}
	if (root == NULL) {
		bw_refuse(w, 500, "internal", "out of memory");
		return;
	}
	if (root->type != JT_OBJECT) {
		bw_refuse(w, 400, "malformed", "the body must be a JSON object");
		jsondoc_free(root);
		return;
	}
	if (w->f->route->id == ROUTE_CONTAINER_CREATE)
		bw_legacy_toplevel(w, root);
	if (!w->refused)
		bw_object(w, root, sc, "");
	if (!w->refused && w->f->route->id == ROUTE_CONTAINER_CREATE)
		bw_force_create(w, root);
	else if (!w->refused && w->f->route->id == ROUTE_CONTAINER_UPDATE)
		bw_force_resources(w, root);
	/* The audit record says what was looked at, refused or not. */
	bw_summary(w, root);
	if (!w->refused) {
		if (jsondoc_gen(root, &w->d->body, &w->d->bodylen) == -1)
			bw_refuse(w, 500, "internal", "cannot serialise body");
	}
	jsondoc_free(root);
}

void
bodycheck_eval(const struct body_policy *bp, const struct facts *f,
    struct decision *d)
{
	struct bwalk	w;

	memset(&w, 0, sizeof(w));
	w.bp = bp;
	w.f = f;
	w.d = d;
	if (f->route == NULL)
		return;
	if (!bw_form_body(&w))
		bq_eval(&w);
	if (!w.refused && bodycheck_needs_body(f->route->id)) {
		if (f->body == NULL && f->has_body) {
			d->verdict = DECISION_NEED_BODY;
			return;
		}
		bw_body(&w);
	}
	if (w.refused) {
		d->verdict = DECISION_DENY;
		free(d->body);
		d->body = NULL;
		d->bodylen = 0;
	} else if (w.logonly)
		d->verdict = DECISION_LOG_ONLY;
	else
		d->verdict = DECISION_ALLOW;
}

/* ---- the body sections of a policy file ---- */

const char *const bodycheck_policy_keys[] = {
	"containers", "force", "exec", "build", "images", "log_only",
	"log_only_rules", NULL
};

static const char *const bp_container_keys[] = {
	"images", "network_modes", "default_network", "container_join",
	"bind_mounts", "named_volumes", "volume_drivers", "tmpfs", "cap_add",
	"sysctls", "runtimes", "log_drivers", "ulimits", "port_bindings",
	"volumes_from", NULL
};
static const char *const bp_force_keys[] = {
	"memory", "nano_cpus", "pids_limit", "no_new_privileges",
	"cap_drop_all", "cap_keep", "read_only_rootfs", "labels", NULL
};
static const char *const bp_exec_keys[] = { "users", NULL };
static const char *const bp_build_keys[] = { "network_modes", "extra_hosts",
    NULL };
static const char *const bp_images_keys[] = { "pull", "import", NULL };

static char **
bp_strv(const char *const *init, size_t *n)
{
	char	**v;
	size_t	  i, k = 0;

	while (init[k])
		k++;
	if ((v = calloc(k + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < k; i++)
		v[i] = strdup(init[i]);
	*n = k;
	return v;
}

static void
bp_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void
bodycheck_policy_defaults(struct body_policy *bp)
{
	static const char *const none[] = { "none", NULL };
	static const char *const local[] = { "local", NULL };
	static const char *const runc[] = { "runc", NULL };
	static const char *const logs[] = { "json-file", "local", "none",
	    NULL };

	memset(bp, 0, sizeof(*bp));
	/* No network unless the admin says so: an unset mode becomes none. */
	bp->net_modes = bp_strv(none, &bp->nnet);
	bp->default_net = strdup("none");
	bp->named_volumes = true;
	bp->vol_drivers = bp_strv(local, &bp->nvoldrv);
	bp->tmpfs = true;
	bp->runtimes = bp_strv(runc, &bp->nrt);
	/* Local log drivers only: the others ship logs to an address. */
	bp->log_drivers = bp_strv(logs, &bp->nlog);
	bp->build_net = bp_strv(none, &bp->nbuildnet);
	bp->import_body = true;
}

void
bodycheck_policy_clear(struct body_policy *bp)
{
	size_t	i;

	bp_strv_free(bp->images, bp->nimages);
	bp_strv_free(bp->net_modes, bp->nnet);
	free(bp->default_net);
	for (i = 0; i < bp->nbinds; i++)
		free(bp->binds[i].prefix);
	free(bp->binds);
	bp_strv_free(bp->vol_drivers, bp->nvoldrv);
	bp_strv_free(bp->cap_add, bp->ncap);
	bp_strv_free(bp->sysctls, bp->nsysctl);
	bp_strv_free(bp->runtimes, bp->nrt);
	bp_strv_free(bp->log_drivers, bp->nlog);
	bp_strv_free(bp->ulimits, bp->nulim);
	bp_strv_free(bp->f_cap_keep, bp->nkeep);
	bp_strv_free(bp->f_labels, bp->nlabels);
	bp_strv_free(bp->build_net, bp->nbuildnet);
	bp_strv_free(bp->pull, bp->npull);
	bp_strv_free(bp->log_only_rules, bp->nlogonly);
	memset(bp, 0, sizeof(*bp));
}

/* Loading context: the file and where errors go. */
struct bpload {
	const char	*file;
	struct diag	*d;
};

static void
bp_list(struct bpload *l, const struct jnode *obj, const char *key,
    const char *what, char ***v, size_t *n)
{
	const struct jnode	*a = jsondoc_get(obj, key), *e;
	size_t			 i = 0;

	if (a == NULL)
		return;
	if (!jsondoc_expect(a, JT_ARRAY, what, l->file, l->d))
		return;
	bp_strv_free(*v, *n);
	*v = calloc(a->nchild + 1, sizeof(char *));
	*n = 0;
	if (*v == NULL)
		return;
	for (e = a->child; e; e = e->next) {
		if (!jsondoc_expect(e, JT_STRING, what, l->file, l->d))
			continue;
		(*v)[i++] = strdup(e->v.s);
	}
	*n = i;
}

static void
bp_bool(struct bpload *l, const struct jnode *obj, const char *key,
    const char *what, bool *out)
{
	const struct jnode	*b = jsondoc_get(obj, key);

	if (b && jsondoc_expect(b, JT_BOOL, what, l->file, l->d))
		*out = b->v.b;
}

/* Sizes as integers of bytes or "512m"-style strings. */
static void
bp_size(struct bpload *l, const struct jnode *obj, const char *key,
    const char *what, int64_t *out)
{
	const struct jnode	*n = jsondoc_get(obj, key);
	char			*end;
	long long		 v;

	if (n == NULL)
		return;
	if (n->type == JT_INT && n->v.i > 0) {
		*out = n->v.i;
		return;
	}
	if (n->type == JT_STRING) {
		v = strtoll(n->v.s, &end, 10);
		if (v > 0 && end != n->v.s) {
			switch (tolower((unsigned char)*end)) {
			case 'k': v <<= 10; end++; break;
			case 'm': v <<= 20; end++; break;
			case 'g': v <<= 30; end++; break;
			default: break;
			}
			if (*end == '\0' || (tolower((unsigned char)*end) == 'b'
			    && end[1] == '\0')) {
				*out = v;
				return;
			}
		}
	}
	diag_add(l->d, l->file, n->line, n->col, "%s must be a positive "
	    "integer or a size like \"512m\"", what);
}

static void
bp_containers(struct bpload *l, struct body_policy *bp, const struct jnode *c)
{
	const struct jnode	*n, *e, *src, *ro;
	size_t			 i;
	char			 cap[64];

	if (!jsondoc_expect(c, JT_OBJECT, "containers", l->file, l->d))
		return;
	jsondoc_check_keys(c, bp_container_keys, "containers", l->file, l->d);
	if (jsondoc_get(c, "images"))
		bp_list(l, c, "images", "containers.images", &bp->images,
		    &bp->nimages);
	bp_list(l, c, "network_modes", "containers.network_modes",
	    &bp->net_modes, &bp->nnet);
	for (i = 0; i < bp->nnet; i++)
		if (strcmp(bp->net_modes[i], "host") == 0 ||
		    strncmp(bp->net_modes[i], "container:", 10) == 0) {
			n = jsondoc_get(c, "network_modes");
			diag_add(l->d, l->file, n->line, n->col, "network mode "
			    "\"%s\" cannot be allowed%s", bp->net_modes[i],
			    strcmp(bp->net_modes[i], "host") == 0 ? ": host "
			    "networking is root on the engine's host" :
			    "; use container_join");
		}
	if ((n = jsondoc_get(c, "default_network")) != NULL &&
	    jsondoc_expect(n, JT_STRING, "containers.default_network",
	    l->file, l->d)) {
		free(bp->default_net);
		bp->default_net = strdup(n->v.s);
	}
	if (!bw_in(bp->net_modes, bp->nnet, bp->default_net)) {
		n = jsondoc_get(c, "default_network");
		if (n == NULL)
			n = c;
		diag_add(l->d, l->file, n->line, n->col, "default_network "
		    "\"%s\" is not in network_modes", bp->default_net);
	}
	bp_bool(l, c, "container_join", "containers.container_join",
	    &bp->container_join);
	if ((n = jsondoc_get(c, "bind_mounts")) != NULL &&
	    jsondoc_expect(n, JT_ARRAY, "containers.bind_mounts", l->file,
	    l->d)) {
		bp->binds = calloc(n->nchild + 1, sizeof(*bp->binds));
		for (e = n->child; e && bp->binds; e = e->next) {
			static const char *const bk[] = { "source",
			    "read_only", NULL };
			struct body_policy tmp;

			if (!jsondoc_expect(e, JT_OBJECT, "a bind_mounts entry",
			    l->file, l->d))
				continue;
			jsondoc_check_keys(e, bk, "a bind_mounts entry",
			    l->file, l->d);
			src = jsondoc_get(e, "source");
			ro = jsondoc_get(e, "read_only");
			if (src == NULL || src->type != JT_STRING) {
				diag_add(l->d, l->file, e->line, e->col,
				    "bind_mounts entries need a \"source\" "
				    "path");
				continue;
			}
			/* A prefix must itself be canonical to mean anything. */
			memset(&tmp, 0, sizeof(tmp));
			tmp.binds = &(struct body_bind){ (char *)"/", false };
			tmp.nbinds = 1;
			if (src->v.s[0] != '/' ||
			    bw_bind_allowed(&tmp, src->v.s) == NULL) {
				diag_add(l->d, l->file, src->line, src->col,
				    "bind source \"%s\" must be a canonical "
				    "absolute path (no //, . or ..)", src->v.s);
				continue;
			}
			/* "/" would allow the engine's whole filesystem. */
			if (strcmp(src->v.s, "/") == 0) {
				diag_add(l->d, l->file, src->line, src->col,
				    "bind source \"/\" cannot be allowed: it is "
				    "the engine's whole filesystem");
				continue;
			}
			bp->binds[bp->nbinds].prefix = strdup(src->v.s);
			bp->binds[bp->nbinds].read_only = ro == NULL ||
			    (ro->type == JT_BOOL && ro->v.b);
			if (ro && ro->type != JT_BOOL)
				jsondoc_expect(ro, JT_BOOL, "read_only",
				    l->file, l->d);
			bp->nbinds++;
		}
	}
	bp_bool(l, c, "named_volumes", "containers.named_volumes",
	    &bp->named_volumes);
	bp_list(l, c, "volume_drivers", "containers.volume_drivers",
	    &bp->vol_drivers, &bp->nvoldrv);
	bp_bool(l, c, "tmpfs", "containers.tmpfs", &bp->tmpfs);
	bp_list(l, c, "cap_add", "containers.cap_add", &bp->cap_add, &bp->ncap);
	for (i = 0; i < bp->ncap; i++) {
		bw_cap_canon(bp->cap_add[i], cap, sizeof(cap));
		free(bp->cap_add[i]);
		bp->cap_add[i] = strdup(cap);
		if (strcmp(cap, "ALL") == 0 || strcmp(cap, "SYS_ADMIN") == 0) {
			n = jsondoc_get(c, "cap_add");
			diag_add(l->d, l->file, n->line, n->col, "capability "
			    "%s cannot be allowed: it is root on the engine's "
			    "host", cap);
		}
	}
	bp_list(l, c, "sysctls", "containers.sysctls", &bp->sysctls,
	    &bp->nsysctl);
	bp_list(l, c, "runtimes", "containers.runtimes", &bp->runtimes,
	    &bp->nrt);
	bp_list(l, c, "log_drivers", "containers.log_drivers",
	    &bp->log_drivers, &bp->nlog);
	bp_list(l, c, "ulimits", "containers.ulimits", &bp->ulimits,
	    &bp->nulim);
	bp_bool(l, c, "port_bindings", "containers.port_bindings",
	    &bp->port_bindings);
	bp_bool(l, c, "volumes_from", "containers.volumes_from",
	    &bp->volumes_from);
}

static void
bp_force(struct bpload *l, struct body_policy *bp, const struct jnode *f)
{
	const struct jnode	*n, *e;
	size_t			 len, i;
	char			 cap[64];

	if (!jsondoc_expect(f, JT_OBJECT, "force", l->file, l->d))
		return;
	jsondoc_check_keys(f, bp_force_keys, "force", l->file, l->d);
	bp_size(l, f, "memory", "force.memory", &bp->f_memory);
	if ((n = jsondoc_get(f, "nano_cpus")) != NULL) {
		if (n->type == JT_INT && n->v.i > 0)
			bp->f_nano_cpus = n->v.i;
		else
			diag_add(l->d, l->file, n->line, n->col, "force."
			    "nano_cpus must be a positive integer (1e9 is "
			    "one CPU)");
	}
	if ((n = jsondoc_get(f, "pids_limit")) != NULL) {
		if (n->type == JT_INT && n->v.i > 0)
			bp->f_pids = n->v.i;
		else
			diag_add(l->d, l->file, n->line, n->col, "force."
			    "pids_limit must be a positive integer");
	}
	bp_bool(l, f, "no_new_privileges", "force.no_new_privileges",
	    &bp->f_nnp);
	bp_bool(l, f, "cap_drop_all", "force.cap_drop_all",
	    &bp->f_cap_drop_all);
	bp_list(l, f, "cap_keep", "force.cap_keep", &bp->f_cap_keep,
	    &bp->nkeep);
	if (bp->nkeep && !bp->f_cap_drop_all) {
		n = jsondoc_get(f, "cap_keep");
		diag_add(l->d, l->file, n->line, n->col, "force.cap_keep "
		    "needs force.cap_drop_all");
	}
	/* What cap_keep adds back is CapAdd the client never asked for. */
	for (i = 0; i < bp->nkeep; i++) {
		bw_cap_canon(bp->f_cap_keep[i], cap, sizeof(cap));
		if (strcmp(cap, "ALL") == 0 || strcmp(cap, "SYS_ADMIN") == 0) {
			n = jsondoc_get(f, "cap_keep");
			diag_add(l->d, l->file, n->line, n->col, "capability "
			    "%s cannot be kept: it is root on the engine's "
			    "host", cap);
		}
	}
	bp_bool(l, f, "read_only_rootfs", "force.read_only_rootfs",
	    &bp->f_ro_rootfs);
	if ((n = jsondoc_get(f, "labels")) != NULL &&
	    jsondoc_expect(n, JT_OBJECT, "force.labels", l->file, l->d)) {
		bp->f_labels = calloc(n->nchild + 1, sizeof(char *));
		for (e = n->child; e && bp->f_labels; e = e->next) {
			if (!jsondoc_expect(e, JT_STRING, "a label value",
			    l->file, l->d))
				continue;
			/* Skipping it silently would leave the label unforced. */
			if (e->key[0] == '\0' || strchr(e->key, '=') != NULL) {
				diag_add(l->d, l->file, e->kline, e->kcol,
				    "force.labels key \"%s\" must be non-empty "
				    "and without '='", e->key);
				continue;
			}
			len = strlen(e->key) + strlen(e->v.s) + 2;
			if ((bp->f_labels[bp->nlabels] = malloc(len)) != NULL)
				snprintf(bp->f_labels[bp->nlabels++], len,
				    "%s=%s", e->key, e->v.s);
		}
	}
}

void
bodycheck_policy_load(struct body_policy *bp, const struct jnode *root,
    const char *file, struct diag *d)
{
	struct bpload		 l = { file, d };
	const struct jnode	*n;
	size_t			 i;

	bodycheck_policy_defaults(bp);
	if ((n = jsondoc_get(root, "containers")) != NULL)
		bp_containers(&l, bp, n);
	if ((n = jsondoc_get(root, "force")) != NULL)
		bp_force(&l, bp, n);
	if ((n = jsondoc_get(root, "exec")) != NULL &&
	    jsondoc_expect(n, JT_OBJECT, "exec", file, d)) {
		jsondoc_check_keys(n, bp_exec_keys, "exec", file, d);
		bp_bool(&l, n, "users", "exec.users", &bp->exec_user);
	}
	if ((n = jsondoc_get(root, "build")) != NULL &&
	    jsondoc_expect(n, JT_OBJECT, "build", file, d)) {
		jsondoc_check_keys(n, bp_build_keys, "build", file, d);
		bp_list(&l, n, "network_modes", "build.network_modes",
		    &bp->build_net, &bp->nbuildnet);
		for (i = 0; i < bp->nbuildnet; i++)
			if (strcmp(bp->build_net[i], "host") == 0)
				diag_add(d, file, n->line, n->col, "build "
				    "network mode host cannot be allowed");
		bp_bool(&l, n, "extra_hosts", "build.extra_hosts",
		    &bp->build_extra_hosts);
	}
	if ((n = jsondoc_get(root, "images")) != NULL &&
	    jsondoc_expect(n, JT_OBJECT, "images", file, d)) {
		jsondoc_check_keys(n, bp_images_keys, "images", file, d);
		if (jsondoc_get(n, "pull"))
			bp_list(&l, n, "pull", "images.pull", &bp->pull,
			    &bp->npull);
		bp_bool(&l, n, "import", "images.import", &bp->import_body);
	}
	bp_bool(&l, root, "log_only", "log_only", &bp->log_only);
	bp_list(&l, root, "log_only_rules", "log_only_rules",
	    &bp->log_only_rules, &bp->nlogonly);
}
