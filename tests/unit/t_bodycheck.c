/*
 * t_bodycheck: unit tests for src/bodycheck.c, through policy_eval().
 *
 * The policies in tests/data/bodycheck/ (and policy/sandbox.json,
 * last, for any other client) are loaded as one set; each policy is for
 * one certificate CN.  A row is one request as the daemon would build
 * its facts (route_parse_target and route_match on the target, the
 * Content-Type, the buffered body) and states the exact verdict, status
 * and rule id; for what is forwarded, the whole rewritten body or
 * substrings of it, and what the forced defaults changed.
 *
 * In bodies and expected bodies a ' stands for " (rows with R_RAW keep
 * their quotes), so the JSON stays readable.  Bad policy files have a
 * golden .err next to them, as tests/data/bad-policy does.
 *
 * Runs from $top_srcdir (default ".") so file names are stable.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "diag.h"
#include "facts.h"
#include "policy.h"
#include "route.h"
#include "testutil.h"

/* A copy of s[0..len) with ' turned into " unless raw; NUL-terminated. */
static char *
unquote(const char *s, size_t len, bool raw)
{
	char	*o = malloc(len + 1);
	size_t	 i;

	assert_non_null(o);
	for (i = 0; i < len; i++)
		o[i] = !raw && s[i] == '\'' ? '"' : s[i];
	o[len] = '\0';
	return o;
}

/* ------------------------------------------------------------------ */
/* the decision table */

#define R_RAW		0x01	/* keep ' in the body as it is */
#define R_NEEDBODY	0x02	/* a body is coming, not buffered yet */
#define R_NOOUT		0x04	/* no d.body may be forwarded */

struct brow {
	const char	*peer;		/* certificate CN: the policy */
	unsigned	 method;
	const char	*target;
	const char	*ct;		/* NULL: JSON; "": none */
	const char	*body;		/* NULL: no body */
	size_t		 blen;
	unsigned	 flags;		/* R_* */
	enum decision_verdict verdict;
	unsigned	 status;
	const char	*rule;
	const char	*reason;	/* d.reason starts with this */
	const char	*out;		/* the whole forwarded body */
	const char	*has[6];	/* in the forwarded body; "!x": not */
	const char	*changes;	/* d.changes, exactly */
};

/* Peers, i.e. policies. */
#define STRICT		.peer = "strict"
#define OPEN		.peer = "open"
#define MINI		.peer = "minimal"
#define LONLY		.peer = "lonly"
#define LRULE		.peer = "lrule"
#define SANDBOX		.peer = "anyone"

/* Targets, /v1.41 unless said otherwise. */
#define AT(m, p)	.method = (m), .target = p
#define POST(p)		AT(HTTP_POST, "/v1.41" p)
#define CREATE		POST("/containers/create")
#define CREATE_AT(v)	AT(HTTP_POST, v "/containers/create")
#define UPDATE		POST("/containers/c1/update")
#define UPDATE_AT(v)	AT(HTTP_POST, v "/containers/c1/update")
#define EXEC		POST("/containers/c1/exec")
#define VOLUME		POST("/volumes/create")
#define NETWORK		POST("/networks/create")
#define BUILD(q)	POST("/build" q)
#define PULL(q)		POST("/images/create" q)
#define START(q)	POST("/containers/c1/start" q)
#define DELETE(q)	AT(HTTP_DELETE, "/v1.41/containers/c1" q)
#define TOP(q)		AT(HTTP_GET, "/v1.41/containers/c1/top" q)
#define GET(p)		AT(HTTP_GET, p)

/* Bodies. */
#define B(s)		.body = (s), .blen = sizeof(s) - 1
#define HC(x)		B("{'Image':'alpine','HostConfig':{" x "}}")
#define NOCT		.ct = ""

/* Verdicts. */
#define OK(r)		.verdict = DECISION_ALLOW, .status = 0, .rule = (r)
#define NO(s, r)	.verdict = DECISION_DENY, .status = (s), .rule = (r)
#define BAD		NO(400, "malformed")
#define LOG(r)		.verdict = DECISION_LOG_ONLY, .status = 403, \
			.rule = (r)
#define HCR(f)		"containers.HostConfig." f

/* Rule ids of allowed requests: file:line of the route. */
#define S_CREATE	"strict.json:7 POST /containers/create"
#define S_UPDATE	"strict.json:8 POST /containers/{id}/update"
#define S_EXEC		"strict.json:9 POST /containers/{id}/exec"
#define S_VOLUME	"strict.json:10 POST /volumes/create"
#define S_NETWORK	"strict.json:11 POST /networks/create"
#define S_START		"strict.json:12 POST /containers/{id}/start"
#define S_DELETE	"strict.json:13 DELETE /containers/{id}"
#define S_TOP		"strict.json:14 GET /containers/{id}/top"
#define S_BUILD		"strict.json:15 POST /build"
#define S_PULL		"strict.json:16 POST /images/create"
#define S_LIST		"strict.json:17 GET /containers/json"
#define S_SAVE		"strict.json:18 GET /images/get"
#define O_CREATE	"open.json:7 POST /containers/create"
#define O_UPDATE	"open.json:8 POST /containers/{id}/update"
#define O_EXEC		"open.json:9 POST /containers/{id}/exec"
#define O_BUILD		"open.json:10 POST /build"
#define O_PULL		"open.json:11 POST /images/create"
#define M_CREATE	"minimal.json:7 POST /containers/create"
#define M_UPDATE	"minimal.json:8 POST /containers/{id}/update"
#define M_EXEC		"minimal.json:9 POST /containers/{id}/exec"
#define M_VOLUME	"minimal.json:10 POST /volumes/create"
#define M_NETWORK	"minimal.json:11 POST /networks/create"
#define LO_CREATE	"lonly.json:5 POST /containers/create"
#define LR_CREATE	"lrule.json:5 POST /containers/create"
#define LR_BUILD	"lrule.json:5 POST /build"
#define SB_CREATE	"sandbox.json:27 POST /containers/create"

/*
 * What the policies force.  minimal: only the network (sandbox default
 * "none").  strict: memory, CPUs, pids, no-new-privileges and a label.
 */
#define M_OUT(hc)	"{'Image':'alpine','HostConfig':{" hc \
			"'NetworkMode':'none'}}"
#define M_CHG		"NetworkMode=none (default)"
#define S_RES		"'Memory':536870912,'NanoCpus':2000000000," \
			"'PidsLimit':256"
#define S_OUT(hc)	"{'Image':'alpine','HostConfig':{" hc S_RES \
			",'NetworkMode':'none','SecurityOpt':" \
			"['no-new-privileges']},'Labels':" \
			"{'dindgate.owner':'strict'}}"
#define S_RESCHG	"Memory=536870912 (default), NanoCpus=2000000000 " \
			"(default), PidsLimit=256 (default)"
#define S_CHG		S_RESCHG ", NetworkMode=none (default), " \
			"SecurityOpt+=no-new-privileges, dindgate.owner label"
#define O_CHG		"Memory=1073741824 (default), " \
			"NetworkMode=bridge (default), CapDrop=ALL, " \
			"ReadonlyRootfs=true"

/* A HostConfig field allowed (as is) or refused by rule r. */
#define M_PASS(x)	MINI, CREATE, HC(x), OK(M_CREATE), \
			.out = M_OUT(x ","), .changes = M_CHG
#define S_PASS(x)	STRICT, CREATE, HC(x), OK(S_CREATE), \
			.out = S_OUT(x ","), .changes = S_CHG
#define M_DENY(x, r)	MINI, CREATE, HC(x), NO(403, r)
#define S_DENY(x, r)	STRICT, CREATE, HC(x), NO(403, r)
#define M_BAD(x)	MINI, CREATE, HC(x), BAD

/* What docker run alpine echo hi sends (CLI 28, API 1.41 negotiated). */
#define CLI_RUN \
	"{'Hostname':'','Domainname':'','User':'','AttachStdin':false," \
	"'AttachStdout':true,'AttachStderr':true,'Tty':false," \
	"'OpenStdin':false,'StdinOnce':false,'Env':null," \
	"'Cmd':['echo','hi'],'Image':'alpine','Volumes':{},'WorkingDir':''," \
	"'Entrypoint':null,'OnBuild':null,'Labels':{}," \
	"'HostConfig':{'Binds':null,'ContainerIDFile':''," \
	"'LogConfig':{'Type':'','Config':{}},'NetworkMode':'default'," \
	"'PortBindings':{},'RestartPolicy':{'Name':'no'," \
	"'MaximumRetryCount':0},'AutoRemove':false,'VolumeDriver':''," \
	"'VolumesFrom':null,'ConsoleSize':[0,0],'CapAdd':null," \
	"'CapDrop':null,'CgroupnsMode':'','Dns':[],'DnsOptions':[]," \
	"'DnsSearch':[],'ExtraHosts':null,'GroupAdd':null,'IpcMode':''," \
	"'Cgroup':'','Links':null,'OomScoreAdj':0,'PidMode':''," \
	"'Privileged':false,'PublishAllPorts':false,'ReadonlyRootfs':false," \
	"'SecurityOpt':null,'UTSMode':'','UsernsMode':'','ShmSize':0," \
	"'Runtime':'','Isolation':'','CpuShares':0,'Memory':0," \
	"'NanoCpus':0,'CgroupParent':'','BlkioWeight':0," \
	"'BlkioWeightDevice':[],'BlkioDeviceReadBps':[]," \
	"'BlkioDeviceWriteBps':[],'BlkioDeviceReadIOps':[]," \
	"'BlkioDeviceWriteIOps':[],'CpuPeriod':0,'CpuQuota':0," \
	"'CpuRealtimePeriod':0,'CpuRealtimeRuntime':0,'CpusetCpus':''," \
	"'CpusetMems':'','Devices':[],'DeviceCgroupRules':null," \
	"'DeviceRequests':null,'MemoryReservation':0,'MemorySwap':0," \
	"'MemorySwappiness':null,'OomKillDisable':null,'PidsLimit':null," \
	"'Ulimits':[],'CpuCount':0,'CpuPercent':0,'IOMaximumIOps':0," \
	"'IOMaximumBandwidth':0,'MaskedPaths':null,'ReadonlyPaths':null}," \
	"'NetworkingConfig':{'EndpointsConfig':{'default':{" \
	"'IPAMConfig':null,'Links':null,'Aliases':null,'MacAddress':''," \
	"'DriverOpts':null,'GwPriority':0,'NetworkID':'','EndpointID':''," \
	"'Gateway':'','IPAddress':'','IPPrefixLen':0,'IPv6Gateway':''," \
	"'GlobalIPv6Address':'','GlobalIPv6PrefixLen':0,'DNSNames':null}}}}"

/* docker exec -it c1 sh */
#define CLI_EXEC \
	"{'User':'','Privileged':false,'Tty':true,'ConsoleSize':[24,80]," \
	"'AttachStdin':true,'AttachStderr':true,'AttachStdout':true," \
	"'Detach':false,'DetachKeys':'','Env':null,'WorkingDir':''," \
	"'Cmd':['sh']}"

/* docker network create n */
#define CLI_NETWORK \
	"{'Name':'n','CheckDuplicate':true,'Driver':'bridge','Scope':''," \
	"'EnableIPv6':false,'IPAM':{'Driver':'default','Options':{}," \
	"'Config':[]},'Internal':false,'Attachable':false,'Ingress':false," \
	"'ConfigOnly':false,'ConfigFrom':null,'Options':{},'Labels':{}}"

#define EP(x)	B("{'Image':'alpine','HostConfig':" \
		"{'NetworkMode':'bridge'},'NetworkingConfig':" \
		"{'EndpointsConfig':{" x "}}}")
#define EPR	"containers.NetworkingConfig.EndpointsConfig"
#define X16	"aaaaaaaaaaaaaaaa"
#define X64	X16 X16 X16 X16
#define X512	X64 X64 X64 X64 X64 X64 X64 X64

static const struct brow rows[] = {
	/* ---- baselines: what real clients send ---- */
	{ MINI, CREATE, B("{'Image':'alpine'}"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = M_CHG },
	{ STRICT, CREATE, B("{'Image':'alpine'}"), OK(S_CREATE),
	    .out = S_OUT(""), .changes = S_CHG },
	{ STRICT, CREATE, B(CLI_RUN), OK(S_CREATE), .has = {
	    "'HostConfig':{'Binds':null,", "'NetworkMode':'none'",
	    "'EndpointsConfig':{}", "!'default'",
	    "'SecurityOpt':['no-new-privileges']",
	    "'Labels':{'dindgate.owner':'strict'}" }, .changes = S_CHG },
	{ STRICT, CREATE, B(CLI_RUN), OK(S_CREATE), .has = {
	    "'MemorySwap':0,", "'Memory':536870912", "'PidsLimit':256",
	    "'NanoCpus':2000000000", "'Privileged':false" } },
	{ SANDBOX, CREATE, B(CLI_RUN), OK(SB_CREATE), .has = {
	    "'Memory':1073741824", "'PidsLimit':512", "'NetworkMode':'none'",
	    "'SecurityOpt':['no-new-privileges']", "'EndpointsConfig':{}" },
	    .changes = "Memory=1073741824 (default), PidsLimit=512 "
	    "(default), NetworkMode=none (default), "
	    "SecurityOpt+=no-new-privileges" },
	{ SANDBOX, CREATE, HC("'Privileged':true"),
	    NO(403, HCR("Privileged")), .reason = "HostConfig.Privileged is "
	    "never allowed (policy sandbox, rule containers.HostConfig."
	    "Privileged)" },

	/* ---- API versions ---- */
	{ MINI, CREATE_AT("/v1.23"), B("{'Image':'alpine'}"),
	    NO(400, "api-version"),
	    .reason = "API version 1.23 is below the minimum 1.40" },
	{ MINI, CREATE_AT("/v1.39"), B("{'Image':'alpine'}"),
	    NO(400, "api-version"),
	    .reason = "API version 1.39 is below the minimum 1.40" },
	{ MINI, CREATE_AT(""), B("{'Image':'alpine'}"),
	    NO(400, "api-version"), .reason = "unversioned API path "
	    "/containers/create: use /v1.N/" },
	{ MINI, AT(HTTP_POST, "/v1.23/containers/c1/start"),
	    B("{'Binds':['/:/h']}"), NO(400, "api-version") },
	{ MINI, UPDATE_AT(""), B("{}"), NO(400, "api-version") },
	/* cgroupns "" is the host's before 1.41: forced private */
	{ MINI, CREATE_AT("/v1.40"), B("{'Image':'alpine'}"), OK(M_CREATE),
	    .out = "{'Image':'alpine','HostConfig':{'NetworkMode':'none',"
	    "'CgroupnsMode':'private'}}",
	    .changes = M_CHG ", CgroupnsMode=private (API < 1.41)" },
	{ MINI, CREATE_AT("/v1.40"), HC("'CgroupnsMode':''"), OK(M_CREATE),
	    .out = "{'Image':'alpine','HostConfig':{'NetworkMode':'none',"
	    "'CgroupnsMode':'private'}}",
	    .changes = M_CHG ", CgroupnsMode=private (API < 1.41)" },
	{ MINI, CREATE_AT("/v1.40"), HC("'CgroupnsMode':null"), OK(M_CREATE),
	    .out = "{'Image':'alpine','HostConfig':{'NetworkMode':'none',"
	    "'CgroupnsMode':'private'}}" },
	{ MINI, CREATE_AT("/v1.40"), HC("'CgroupnsMode':'private'"),
	    OK(M_CREATE), .out = M_OUT("'CgroupnsMode':'private',"),
	    .changes = M_CHG },
	{ MINI, CREATE_AT("/v1.40"), HC("'CgroupnsMode':'host'"),
	    NO(403, HCR("CgroupnsMode")) },
	{ MINI, CREATE_AT("/v1.41"), HC("'CgroupnsMode':''"), OK(M_CREATE),
	    .out = M_OUT("'CgroupnsMode':'',"), .changes = M_CHG },
	{ MINI, CREATE_AT("/v1.47"), HC("'CgroupnsMode':''"), OK(M_CREATE),
	    .out = M_OUT("'CgroupnsMode':'',"), .changes = M_CHG },
	{ MINI, UPDATE_AT("/v1.40"), B("{}"), OK(M_UPDATE), .out = "{}",
	    .changes = "" },

	/* ---- key matching: ASCII folding, canonical names out ---- */
	{ MINI, CREATE, B("{'image':'alpine','hostconfig':"
	    "{'readonlyrootfs':true}}"), OK(M_CREATE),
	    .out = M_OUT("'ReadonlyRootfs':true,"), .changes = M_CHG },
	{ MINI, CREATE, B("{'IMAGE':'alpine','HOSTCONFIG':"
	    "{'SHMSIZE':67108864}}"), OK(M_CREATE),
	    .out = M_OUT("'ShmSize':67108864,") },
	{ MINI, CREATE, B("{'iMaGe':'alpine','hostConfig':"
	    "{'restartpolicy':{'name':'always','maximumretrycount':0}}}"),
	    OK(M_CREATE), .out = M_OUT("'RestartPolicy':{'Name':'always',"
	    "'MaximumRetryCount':0},") },
	/* docker-py spells the CPU fields as the Go names, not the tags */
	{ MINI, CREATE, HC("'CPUShares':512,'CPUPeriod':100000,"
	    "'CPUQuota':50000,'NanoCPUs':0"), OK(M_CREATE),
	    .out = M_OUT("'CpuShares':512,'CpuPeriod':100000,'CpuQuota':50000,"
	    "'NanoCpus':0,") },
	{ MINI, CREATE, HC("'CPURealtimeRuntime':950000"),
	    NO(403, HCR("CpuRealtimeRuntime")) },
	{ MINI, CREATE, B("{'hostconfig':{'privileged':true}}"),
	    NO(403, HCR("Privileged")) },
	{ MINI, CREATE, B("{'HostConfig':{'PRIVILEGED':true}}"),
	    NO(403, HCR("Privileged")) },
	/* escapes are decoded before matching */
	{ MINI, CREATE, B("{'HostConfig':{'Privil\\u0065ged':true}}"),
	    NO(403, HCR("Privileged")) },
	{ MINI, CREATE, B("{'Image':'alpine','HostConfig':"
	    "{'Readonly\\u0052ootfs':true}}"), OK(M_CREATE),
	    .out = M_OUT("'ReadonlyRootfs':true,") },
	/* Go folds U+017F to s and U+212A to k: refuse non-ASCII keys */
	{ MINI, CREATE, B("{'Image':'alpine','Label\\u017f':{'a':'b'}}"),
	    BAD, .reason = "non-ASCII key in the body" },
	{ MINI, CREATE, B("{'Wor\\u212aingDir':'/proc/self/fd/8'}"), BAD,
	    .reason = "non-ASCII key in the body" },
	{ MINI, CREATE, B("{'HostConfig':{'\xc5\xbf" "ecurityOpt':"
	    "['seccomp=unconfined']}}"), BAD,
	    .reason = "non-ASCII key in HostConfig" },
	{ MINI, CREATE, B("{'HostConfig':{'Networ\xe2\x84\xaaMode':'host'}}"),
	    BAD },
	{ MINI, CREATE, B("{'HostConfig':{'Ma\\u017fkedPath\\u017f':[]}}"),
	    BAD },
	{ MINI, CREATE, B("{'HostConfig':{'Device\xc5\xbf':[{}]}}"), BAD },
	{ MINI, CREATE, HC("'Mounts':[{'Type':'bind','\\u017fource':'/'," 
	    "'Target':'/h'}]"), BAD,
	    .reason = "non-ASCII key in HostConfig.Mounts" },
	{ MINI, CREATE, B("{'NetworkingConfig':{'EndpointsConfig':{'none':"
	    "{'Driver\\u014cpts':{}}}}}"), BAD, .reason = "non-ASCII key "
	    "in NetworkingConfig.EndpointsConfig[none]" },
	{ MINI, EXEC, B("{'Privileged':false,'U\\u017fer':'root'}"), BAD },
	/* map keys are data, not fields: exact and any bytes */
	{ MINI, CREATE, B("{'Image':'alpine','Labels':{'\\u017f':'x',"
	    "'A':'1','a':'2'}}"), OK(M_CREATE),
	    .out = "{'Image':'alpine','Labels':{'\xc5\xbf':'x','A':'1',"
	    "'a':'2'},'HostConfig':{'NetworkMode':'none'}}" },

	/* ---- duplicates, exact and folded, at every level ---- */
	{ MINI, CREATE, B("{'Image':'alpine','Image':'evil'}"), BAD,
	    .reason = "invalid JSON body: duplicate key \"Image\"" },
	{ MINI, CREATE, B("{'Image':'alpine','image':'evil'}"), BAD,
	    .reason = "key \"image\" given twice (as \"Image\") in the body" },
	{ MINI, CREATE, B("{'HostConfig':{'ReadonlyRootfs':true},"
	    "'HostConfig':{'Privileged':true}}"), BAD },
	{ MINI, CREATE, B("{'HostConfig':{},'hostConfig':"
	    "{'Privileged':true}}"), BAD, .reason = "key \"hostConfig\" "
	    "given twice (as \"HostConfig\") in the body" },
	{ MINI, CREATE, B("{'HostConfig':{'ShmSize':1,'ShmSize':7777777}}"),
	    BAD, .reason = "invalid JSON body: duplicate key \"ShmSize\"" },
	{ MINI, CREATE, B("{'HostConfig':{'ShmSize':1,'shmsize':7777777}}"),
	    BAD, .reason = "key \"shmsize\" given twice (as \"ShmSize\") in "
	    "HostConfig" },
	{ MINI, CREATE, HC("'Binds':['v1:/x'],'BINDS':[]"), BAD },
	{ M_BAD("'Mounts':[{'Type':'volume','type':'bind','Target':'/d'}]"),
	    .reason = "key \"type\" given twice (as \"Type\") in "
	    "HostConfig.Mounts" },
	{ M_BAD("'Mounts':[{'Type':'volume','Target':'/d','Target':'/e'}]") },
	{ M_BAD("'LogConfig':{'Type':'json-file','TYPE':'syslog'}") },
	{ M_BAD("'RestartPolicy':{'Name':'no','name':'always'}") },
	{ MINI, CREATE, B("{'NetworkingConfig':{'EndpointsConfig':{'none':"
	    "{'Aliases':[],'aliases':['x']}}}}"), BAD },
	{ MINI, CREATE, B("{'NetworkingConfig':{'EndpointsConfig':{},"
	    "'endpointsconfig':{}}}"), BAD },
	{ MINI, CREATE, B("{'NetworkingConfig':{'EndpointsConfig':{'n':{},"
	    "'n':{}}}}"), BAD },
	{ MINI, CREATE, B("{'Labels':{'a':'1','a':'2'}}"), BAD },
	{ MINI, CREATE, B("{'Healthcheck':{'Test':['NONE'],'test':[]}}"),
	    BAD },
	{ MINI, EXEC, B("{'Privileged':false,'privileged':true}"), BAD },
	{ MINI, EXEC, B("{'Cmd':['a'],'Cmd':['b']}"), BAD },
	{ MINI, UPDATE, B("{'Memory':1,'MEMORY':0}"), BAD },
	{ MINI, VOLUME, B("{'Name':'a','name':'b'}"), BAD },
	{ MINI, NETWORK, B("{'Name':'n','IPAM':{'Driver':'',"
	    "'driver':'x'}}"), BAD },

	/* ---- HostConfig fields at the top level (dockerd <= 26.1) ---- */
	{ MINI, CREATE, B("{'Image':'alpine','Privileged':true}"),
	    NO(403, "containers.legacy-hostconfig"), .reason = "HostConfig "
	    "field \"Privileged\" at the top level is not allowed" },
	{ MINI, CREATE, B("{'Image':'bb','NetworkMode':'none',"
	    "'ReadonlyRootfs':true,'CapAdd':['NET_ADMIN'],"
	    "'ShmSize':3333333}"), NO(403, "containers.legacy-hostconfig"),
	    .reason = "HostConfig field \"NetworkMode\" at the top level" },
	{ MINI, CREATE, B("{'Image':'alpine','Binds':['/:/h']}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','CapAdd':['SYS_ADMIN']}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','HostConfig':{},'Memory':1}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','Cpuset':'0-3'}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','cpuset':''}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','privileged':false}"),
	    NO(403, "containers.legacy-hostconfig"), .reason = "HostConfig "
	    "field \"privileged\" at the top level is not allowed" },
	{ MINI, CREATE, B("{'Image':'alpine','CpuShares':0}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','Mounts':[]}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ MINI, CREATE, B("{'Image':'alpine','PidsLimit':null}"),
	    NO(403, "containers.legacy-hostconfig") },

	/* ---- Privileged ---- */
	{ M_DENY("'Privileged':true", HCR("Privileged")),
	    .reason = "HostConfig.Privileged is never allowed (policy "
	    "minimal, rule containers.HostConfig.Privileged)" },
	{ M_PASS("'Privileged':false") },
	{ M_PASS("'Privileged':null") },
	{ M_BAD("'Privileged':'true'"),
	    .reason = "HostConfig.Privileged must be a boolean" },
	{ M_BAD("'Privileged':1") },
	{ M_BAD("'Privileged':[]") },

	/* ---- CapAdd: dockerd upper-cases and adds CAP_ ---- */
	{ S_PASS("'CapAdd':['NET_BIND_SERVICE']") },
	{ S_PASS("'CapAdd':['net_bind_service','CAP_CHOWN','cap_chown',"
	    "'Cap_Net_Bind_Service']") },
	{ S_DENY("'CapAdd':['cap_sys_admin']", HCR("CapAdd")),
	    .reason = "adding capability SYS_ADMIN is not allowed" },
	{ S_DENY("'CapAdd':['CAP_SYS_ADMIN']", HCR("CapAdd")),
	    .reason = "adding capability SYS_ADMIN is not allowed" },
	{ S_DENY("'CapAdd':['SYS_ADMIN']", HCR("CapAdd")) },
	{ S_DENY("'CapAdd':['ALL']", HCR("CapAdd")),
	    .reason = "adding capability ALL is not allowed" },
	{ S_DENY("'CapAdd':['all']", HCR("CapAdd")),
	    .reason = "adding capability ALL is not allowed" },
	{ S_DENY("'CapAdd':['CAP_ALL']", HCR("CapAdd")) },
	{ S_DENY("'CapAdd':['NET_BIND_SERVICE','NET_ADMIN']", HCR("CapAdd")),
	    .reason = "adding capability NET_ADMIN is not allowed" },
	{ S_DENY("'CapAdd':['BPF']", HCR("CapAdd")) },
	{ S_DENY("'CapAdd':['cap_\\u017fy\\u017flog']", HCR("CapAdd")),
	    .reason = "non-ASCII capability name" },
	{ S_DENY("'CapAdd':['SYS_\xc4\xb1" "DMIN']", HCR("CapAdd")) },
	/* strslice's string form: refused rather than read two ways */
	{ STRICT, CREATE, HC("'CapAdd':'NET_BIND_SERVICE'"), BAD,
	    .reason = "HostConfig.CapAdd must be a list" },
	{ STRICT, CREATE, HC("'CapAdd':'ALL'"), BAD },
	{ M_PASS("'CapAdd':[]") },
	{ M_PASS("'CapAdd':null") },
	{ M_DENY("'CapAdd':['CHOWN']", HCR("CapAdd")) },
	{ M_BAD("'CapAdd':[1]") },
	{ M_PASS("'CapDrop':'ALL'") },
	{ M_PASS("'CapDrop':['NET_RAW','mknod']") },
	{ M_BAD("'CapDrop':['\\u0131']") },

	/* ---- SecurityOpt: no-new-privileges spellings only ---- */
	{ M_PASS("'SecurityOpt':['no-new-privileges']") },
	{ M_PASS("'SecurityOpt':['no-new-privileges=true',"
	    "'no-new-privileges:true']") },
	{ M_PASS("'SecurityOpt':null") },
	{ M_DENY("'SecurityOpt':['seccomp=unconfined']", HCR("SecurityOpt")),
	    .reason = "security option \"seccomp=unconfined\" is not "
	    "allowed" },
	{ M_DENY("'SecurityOpt':['seccomp:unconfined']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['seccomp={\\'defaultAction\\':"
	    "\\'SCMP_ACT_ALLOW\\'}']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['apparmor=unconfined']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['apparmor=docker-default']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['label=disable']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['label:disable']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['disable']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['label=type:spc_t']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['writable-cgroups']", HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['writable-cgroups=true']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['no-new-privileges=false']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['no-new-privileges','Seccomp=unconfined']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['systempaths=unconfined']",
	    HCR("SecurityOpt")) },
	{ M_DENY("'SecurityOpt':['no-new-privileges ']", HCR("SecurityOpt")) },
	{ M_BAD("'SecurityOpt':'no-new-privileges'") },

	/* ---- masked and read-only paths: null means the defaults ---- */
	{ M_DENY("'MaskedPaths':[]", HCR("MaskedPaths")),
	    .reason = "HostConfig.MaskedPaths must not be set: the engine's "
	    "defaults apply" },
	{ M_DENY("'MaskedPaths':['/proc/kcore']", HCR("MaskedPaths")) },
	{ M_DENY("'maskedpaths':[]", HCR("MaskedPaths")) },
	{ M_DENY("'ReadonlyPaths':[]", HCR("ReadonlyPaths")) },
	{ M_DENY("'ReadonlyPaths':['/proc/sys']", HCR("ReadonlyPaths")) },
	{ M_PASS("'MaskedPaths':null,'ReadonlyPaths':null") },
	{ M_BAD("'MaskedPaths':{}") },

	/* ---- devices ---- */
	{ M_PASS("'Devices':[]") },
	{ M_DENY("'Devices':[{'PathOnHost':'/dev/sda','PathInContainer':"
	    "'/dev/sda','CgroupPermissions':'rwm'}]", HCR("Devices")),
	    .reason = "HostConfig.Devices must be empty" },
	{ M_DENY("'Devices':[{}]", HCR("Devices")) },
	{ M_DENY("'DeviceCgroupRules':['b *:* rwm']",
	    HCR("DeviceCgroupRules")) },
	{ M_DENY("'DeviceCgroupRules':['c 1:1 rwm']",
	    HCR("DeviceCgroupRules")) },
	{ M_PASS("'DeviceCgroupRules':null,'DeviceRequests':null") },
	{ M_PASS("'DeviceCgroupRules':[],'DeviceRequests':[]") },
	{ M_DENY("'DeviceRequests':[{'Driver':'nvidia','Count':-1}]",
	    HCR("DeviceRequests")) },
	{ M_DENY("'DeviceRequests':[{'Driver':'cdi','DeviceIDs':"
	    "['vendor.com/dev=x'],'Capabilities':[['gpu']]}]",
	    HCR("DeviceRequests")) },
	{ M_DENY("'BlkioDeviceReadBps':[{'Path':'/dev/sda','Rate':1}]",
	    HCR("BlkioDeviceReadBps")) },
	{ M_DENY("'BlkioWeightDevice':[{'Path':'/dev/sda','Weight':10}]",
	    HCR("BlkioWeightDevice")) },
	{ M_PASS("'BlkioWeightDevice':[],'BlkioDeviceWriteIOps':[]") },

	/* ---- sysctls, runtime, cgroup parent ---- */
	{ S_PASS("'Sysctls':{'net.ipv4.ip_unprivileged_port_start':'0'}") },
	{ S_DENY("'Sysctls':{'kernel.core_pattern':'|/tmp/x'}",
	    HCR("Sysctls")),
	    .reason = "sysctl \"kernel.core_pattern\" is not allowed" },
	{ S_DENY("'Sysctls':{'net.ipv4.ip_unprivileged_port_start':'0',"
	    "'net.ipv4.ip_forward':'1'}", HCR("Sysctls")) },
	{ M_DENY("'Sysctls':{'net.ipv4.ip_forward':'1'}", HCR("Sysctls")) },
	{ M_PASS("'Sysctls':{}") },
	{ M_BAD("'Sysctls':{'a':1}") },
	{ M_PASS("'Runtime':'runc'") },
	{ M_PASS("'Runtime':''") },
	{ M_DENY("'Runtime':'io.containerd.runsc.v1'", HCR("Runtime")),
	    .reason = "runtime \"io.containerd.runsc.v1\" is not allowed" },
	{ M_DENY("'Runtime':'RUNC'", HCR("Runtime")) },
	{ M_DENY("'Runtime':'/usr/local/bin/evil'", HCR("Runtime")) },
	{ OPEN, CREATE, HC("'Runtime':'io.containerd.runc.v2'"),
	    OK(O_CREATE), .changes = O_CHG },
	{ M_DENY("'CgroupParent':'/'", HCR("CgroupParent")),
	    .reason = "HostConfig.CgroupParent must be empty" },
	{ M_DENY("'CgroupParent':'../../system.slice'", HCR("CgroupParent")) },
	{ M_PASS("'CgroupParent':''") },

	/* ---- other containers: volumes-from, links ---- */
	{ M_DENY("'VolumesFrom':['other:ro']", HCR("VolumesFrom")),
	    .reason = "HostConfig.VolumesFrom is not allowed" },
	{ M_PASS("'VolumesFrom':[]") },
	{ M_PASS("'VolumesFrom':null") },
	{ OPEN, CREATE, HC("'VolumesFrom':['mine:ro']"), OK(O_CREATE),
	    .has = { "'VolumesFrom':['mine:ro']" } },
	{ M_DENY("'Links':['db:db']", HCR("Links")) },
	{ OPEN, CREATE, HC("'Links':['db:db']"), NO(403, HCR("Links")) },
	{ M_PASS("'Links':null") },

	/* ---- log drivers and their options ---- */
	{ M_PASS("'LogConfig':{'Type':'json-file','Config':{'max-size':"
	    "'10m','max-file':'3','compress':'true'}}") },
	{ M_PASS("'LogConfig':{'Type':'','Config':{}}") },
	{ M_PASS("'LogConfig':{'Type':'local','Config':{'mode':"
	    "'non-blocking','max-buffer-size':'4m'}}") },
	{ M_PASS("'LogConfig':{'Type':'none'}") },
	{ M_DENY("'LogConfig':{'Type':'syslog','Config':{'syslog-address':"
	    "'unix:///var/run/docker.sock'}}", HCR("LogConfig")),
	    .reason = "log driver \"syslog\" is not allowed" },
	{ M_DENY("'LogConfig':{'Type':'gelf','Config':{'gelf-address':"
	    "'udp://10.0.0.1:12201'}}", HCR("LogConfig")) },
	{ M_DENY("'LogConfig':{'Type':'awslogs'}", HCR("LogConfig")) },
	{ M_DENY("'LogConfig':{'Type':'fluentd'}", HCR("LogConfig")) },
	{ M_DENY("'LogConfig':{'Type':'journald'}", HCR("LogConfig")) },
	{ M_DENY("'LogConfig':{'type':'JSON-FILE'}", HCR("LogConfig")) },
	{ M_DENY("'LogConfig':{'Type':'json-file','Config':{'labels':'a',"
	    "'env':'b'}}", HCR("LogConfig")),
	    .reason = "log option \"labels\" is not allowed" },
	{ M_DENY("'LogConfig':{'Type':'','Config':{'syslog-address':"
	    "'tcp://evil:514'}}", HCR("LogConfig")) },
	{ OPEN, CREATE, HC("'LogConfig':{'Type':'syslog','Config':{}}"),
	    OK(O_CREATE) },
	{ OPEN, CREATE, HC("'LogConfig':{'Type':'syslog','Config':"
	    "{'syslog-address':'udp://10.0.0.1:514'}}"),
	    NO(403, HCR("LogConfig")),
	    .reason = "log option \"syslog-address\" is not allowed" },
	{ M_BAD("'LogConfig':{'Type':'json-file','Config':{'max-size':1}}") },
	{ M_DENY("'LogConfig':{'Type':'json-file','Driver':'x'}",
	    "unknown-field"), .reason = "HostConfig.LogConfig.Driver is not "
	    "a field" },

	/* ---- ports ---- */
	{ M_DENY("'PortBindings':{'80/tcp':[{'HostIp':'','HostPort':"
	    "'8080'}]}", HCR("PortBindings")),
	    .reason = "publishing ports is not allowed" },
	{ M_PASS("'PortBindings':{}") },
	{ M_PASS("'PortBindings':null") },
	{ M_BAD("'PortBindings':[]") },
	{ OPEN, CREATE, HC("'PortBindings':{'80/tcp':[{'HostIp':'127.0.0.1',"
	    "'HostPort':'8080'}]}"), OK(O_CREATE),
	    .has = { "'PortBindings':{'80/tcp':[{'HostIp':'127.0.0.1'," } },
	{ M_DENY("'PublishAllPorts':true", HCR("PublishAllPorts")) },
	{ M_PASS("'PublishAllPorts':false") },
	{ OPEN, CREATE, HC("'PublishAllPorts':true"), OK(O_CREATE) },

	/* ---- OOM ---- */
	{ M_DENY("'OomKillDisable':true", HCR("OomKillDisable")) },
	{ M_PASS("'OomKillDisable':false") },
	{ M_PASS("'OomKillDisable':null") },
	{ M_DENY("'OomScoreAdj':-1", HCR("OomScoreAdj")),
	    .reason = "HostConfig.OomScoreAdj must be between 0 and 1000" },
	{ M_DENY("'OomScoreAdj':-1000", HCR("OomScoreAdj")) },
	{ M_DENY("'OomScoreAdj':1001", HCR("OomScoreAdj")) },
	{ M_PASS("'OomScoreAdj':500") },
	{ M_PASS("'OomScoreAdj':1000") },
	{ M_PASS("'OomScoreAdj':0") },
	{ M_BAD("'OomScoreAdj':1.5") },

	/* ---- network mode: only the exact "host" is the host ---- */
	{ M_DENY("'NetworkMode':'host'", HCR("NetworkMode")),
	    .reason = "host networking is never allowed" },
	{ OPEN, CREATE, HC("'NetworkMode':'host'"),
	    NO(403, HCR("NetworkMode")) },
	{ M_DENY("'NetworkMode':'HOST'", HCR("NetworkMode")),
	    .reason = "network mode \"HOST\" is not allowed" },
	{ M_DENY("'NetworkMode':'container:abc'", HCR("NetworkMode")),
	    .reason = "joining another container's network (container:abc) "
	    "is not allowed" },
	{ OPEN, CREATE, HC("'NetworkMode':'container:abc'"), OK(O_CREATE),
	    .out = "{'Image':'alpine','HostConfig':{'NetworkMode':"
	    "'container:abc','Memory':1073741824,'CapDrop':['ALL'],"
	    "'CapAdd':['CHOWN','NET_BIND_SERVICE'],'ReadonlyRootfs':true}}",
	    .changes = "Memory=1073741824 (default), CapDrop=ALL, "
	    "ReadonlyRootfs=true" },
	{ OPEN, CREATE, HC("'NetworkMode':'container:'"),
	    NO(403, HCR("NetworkMode")) },
	{ M_DENY("'NetworkMode':'bridge'", HCR("NetworkMode")) },
	{ STRICT, CREATE, HC("'NetworkMode':'bridge'"), OK(S_CREATE),
	    .out = "{'Image':'alpine','HostConfig':{'NetworkMode':'bridge',"
	    S_RES ",'SecurityOpt':['no-new-privileges']},'Labels':"
	    "{'dindgate.owner':'strict'}}", .changes = S_RESCHG
	    ", SecurityOpt+=no-new-privileges, dindgate.owner label" },
	{ STRICT, CREATE, HC("'NetworkMode':'mynet'"), OK(S_CREATE),
	    .has = { "'NetworkMode':'mynet'" } },
	{ S_DENY("'NetworkMode':'othernet'", HCR("NetworkMode")),
	    .reason = "network mode \"othernet\" is not allowed" },
	{ MINI, CREATE, HC("'NetworkMode':''"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = M_CHG },
	{ MINI, CREATE, HC("'NetworkMode':'default'"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = M_CHG },
	{ MINI, CREATE, HC("'NetworkMode':null"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = M_CHG },
	{ MINI, CREATE, HC("'NetworkMode':'none'"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = "" },
	{ M_BAD("'NetworkMode':1") },

	/* ---- namespaces ---- */
	{ M_DENY("'PidMode':'host'", HCR("PidMode")),
	    .reason = "HostConfig.PidMode \"host\" is not allowed" },
	{ M_DENY("'PidMode':'container:x'", HCR("PidMode")) },
	{ OPEN, CREATE, HC("'PidMode':'container:x'"), OK(O_CREATE) },
	{ OPEN, CREATE, HC("'PidMode':'host'"), NO(403, HCR("PidMode")) },
	{ M_PASS("'PidMode':''") },
	{ M_DENY("'IpcMode':'host'", HCR("IpcMode")) },
	{ M_PASS("'IpcMode':'private'") },
	{ M_PASS("'IpcMode':'shareable'") },
	{ M_PASS("'IpcMode':'none'") },
	{ M_PASS("'IpcMode':''") },
	{ M_DENY("'IpcMode':'container:x'", HCR("IpcMode")) },
	{ OPEN, CREATE, HC("'IpcMode':'container:x'"), OK(O_CREATE) },
	{ M_DENY("'UTSMode':'host'", HCR("UTSMode")) },
	{ OPEN, CREATE, HC("'UTSMode':'container:x'"),
	    NO(403, HCR("UTSMode")) },
	{ M_PASS("'UTSMode':''") },
	{ M_DENY("'UsernsMode':'host'", HCR("UsernsMode")) },
	{ M_PASS("'UsernsMode':''") },
	{ M_DENY("'CgroupnsMode':'host'", HCR("CgroupnsMode")) },
	{ M_PASS("'CgroupnsMode':'private'") },
	{ M_DENY("'Cgroup':'container:x'", HCR("Cgroup")) },
	{ OPEN, CREATE, HC("'Cgroup':'container:x'"), OK(O_CREATE) },
	{ M_DENY("'Cgroup':'host'", HCR("Cgroup")) },
	{ M_PASS("'Cgroup':''") },

	/* ---- Binds ---- */
	{ M_DENY("'Binds':['/:/h']", HCR("Binds")),
	    .reason = "host bind mount of / is not allowed" },
	{ M_DENY("'Binds':['/var/run/docker.sock:/s']", HCR("Binds")),
	    .reason = "host bind mount of /var/run/docker.sock is not "
	    "allowed" },
	{ M_DENY("'Binds':['vol:/v','/certs:/c:ro']", HCR("Binds")) },
	{ M_PASS("'Binds':['vol:/data']") },
	{ M_PASS("'Binds':['vol:/data:ro','v.2_x-y:/d2:rw','v3:/d3:nocopy']") },
	{ M_PASS("'Binds':['/dst']") },
	{ M_PASS("'Binds':[]") },
	{ M_DENY("'Binds':['dst']", HCR("Binds")), .reason = "HostConfig."
	    "Binds \"dst\" is not an absolute container path" },
	{ M_DENY("'Binds':['a:/data']", HCR("Binds")),
	    .reason = "\"a\" is not a valid volume name" },
	{ M_DENY("'Binds':['-v:/data']", HCR("Binds")) },
	{ M_DENY("'Binds':['../etc:/data']", HCR("Binds")) },
	{ M_DENY("'Binds':['.:/data']", HCR("Binds")) },
	{ M_DENY("'Binds':['dir/sub:/data']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d:ro:x']", HCR("Binds")),
	    .reason = "HostConfig.Binds \"vol:/d:ro:x\" is not of the form "
	    "source:target[:options]" },
	{ M_DENY("'Binds':['vol::/d']", HCR("Binds")) },
	{ M_DENY("'Binds':[':/d']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d::ro']", HCR("Binds")) },
	{ M_DENY("'Binds':['']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d:rshared']", HCR("Binds")),
	    .reason = "HostConfig.Binds option \"rshared\" is not allowed" },
	{ M_DENY("'Binds':['vol:/d:shared']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d:rslave']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d:ro,slave']", HCR("Binds")) },
	{ M_DENY("'Binds':['vol:/d:rbind']", HCR("Binds")) },
	/* SELinux relabelling: of a named volume's own directory only */
	{ M_PASS("'Binds':['vol:/d:z']") },
	{ M_PASS("'Binds':['vol:/d:ro,Z']") },
	{ S_DENY("'Binds':['/srv/data:/d:ro,z']", HCR("Binds")),
	    .reason = "HostConfig.Binds option \"ro,z\" is not allowed" },
	{ S_DENY("'Binds':['/srv/rw:/d:Z']", HCR("Binds")) },
	/* host paths under an allowed prefix, canonical only */
	{ S_PASS("'Binds':['/srv/data:/d:ro']") },
	{ S_PASS("'Binds':['/srv/data/sub/x:/d:ro,rprivate']") },
	{ S_PASS("'Binds':['/srv/rw:/d']") },
	{ S_PASS("'Binds':['/srv/rw/x:/d:rw']") },
	{ S_DENY("'Binds':['/srv/data:/d']", HCR("Binds")),
	    .reason = "host bind mount of /srv/data must be read-only (:ro)" },
	{ S_DENY("'Binds':['/srv/data:/d:rw']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/database:/d:ro']", HCR("Binds")),
	    .reason = "host bind mount of /srv/database is not allowed" },
	{ S_DENY("'Binds':['/srv/data/../../etc:/d:ro']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/data/..:/d:ro']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/data//x:/d:ro']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/data/./x:/d:ro']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/data/:/d:ro']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv/rw:/d:rshared']", HCR("Binds")) },
	{ S_DENY("'Binds':['/srv:/d:ro']", HCR("Binds")) },
	{ M_DENY("'Binds':['/srv/data:/d:ro']", HCR("Binds")) },
	{ OPEN, CREATE, HC("'Binds':['vol:/data']"), NO(403, HCR("Binds")),
	    .reason = "named volumes are not allowed (vol)" },
	{ OPEN, CREATE, HC("'Binds':['/anon']"), OK(O_CREATE) },
	{ M_BAD("'Binds':[1]") },
	{ M_BAD("'Binds':'vol:/d'") },

	/* ---- Mounts ---- */
	{ M_DENY("'Mounts':[{'Type':'bind','Source':'/','Target':'/h'}]",
	    HCR("Mounts")), .reason = "host bind mount of / is not allowed" },
	{ M_DENY("'Mounts':[{'type':'bind','source':'/','target':'/h'}]",
	    HCR("Mounts")), .reason = "host bind mount of / is not allowed" },
	{ M_DENY("'Mounts':[{'Type':'bind','Target':'/h'}]", HCR("Mounts")),
	    .reason = "host bind mount of (none) is not allowed" },
	{ S_PASS("'Mounts':[{'Type':'bind','Source':'/srv/data','Target':"
	    "'/d','ReadOnly':true}]") },
	{ S_DENY("'Mounts':[{'Type':'bind','Source':'/srv/data','Target':"
	    "'/d'}]", HCR("Mounts")),
	    .reason = "host bind mount of /srv/data must be read-only" },
	{ S_DENY("'Mounts':[{'Type':'bind','Source':'/srv/data','Target':"
	    "'/d','ReadOnly':false}]", HCR("Mounts")) },
	{ S_DENY("'Mounts':[{'Type':'bind','Source':'/srv/rw','Target':"
	    "'/d','BindOptions':{'Propagation':'rshared'}}]", HCR("Mounts")),
	    .reason = "bind propagation \"rshared\" is not allowed" },
	{ S_PASS("'Mounts':[{'Type':'bind','Source':'/srv/rw','Target':"
	    "'/d','BindOptions':{'Propagation':'rprivate','NonRecursive':"
	    "true}}]") },
	{ S_DENY("'Mounts':[{'Type':'bind','Source':'/srv/rw/new','Target':"
	    "'/d','BindOptions':{'CreateMountpoint':true}}]",
	    HCR("Mounts.BindOptions.CreateMountpoint")),
	    .reason = "HostConfig.Mounts.BindOptions.CreateMountpoint is "
	    "never allowed" },
	{ S_DENY("'Mounts':[{'Type':'bind','Source':'/srv/rw/../../etc',"
	    "'Target':'/d'}]", HCR("Mounts")) },
	{ M_PASS("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d'}]") },
	{ M_PASS("'Mounts':[{'Type':'volume','Target':'/d'}]") },
	{ M_PASS("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'VolumeOptions':{'NoCopy':true,'Labels':{'a':'b'},'Subpath':"
	    "'x'}}]") },
	{ M_PASS("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'VolumeOptions':{'DriverConfig':null}}]") },
	{ M_DENY("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'VolumeOptions':{'DriverConfig':{'Name':'local','Options':"
	    "{'type':'none','o':'bind','device':'/'}}}}]",
	    HCR("Mounts.VolumeOptions.DriverConfig")),
	    .reason = "HostConfig.Mounts.VolumeOptions.DriverConfig must be "
	    "empty" },
	{ M_DENY("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'VolumeOptions':{'DriverConfig':{'Name':'local'}}}]",
	    HCR("Mounts.VolumeOptions.DriverConfig")) },
	{ M_DENY("'Mounts':[{'Type':'volume','Source':'/etc','Target':"
	    "'/d'}]", HCR("Mounts")),
	    .reason = "\"/etc\" is not a valid volume name" },
	{ M_DENY("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'BindOptions':{'Propagation':'shared'}}]", HCR("Mounts")),
	    .reason = "BindOptions on a volume mount" },
	{ M_DENY("'Mounts':[{'Type':'volume','Source':'vol','Target':'/d',"
	    "'ImageOptions':{'Subpath':'x'}}]", HCR("Mounts.ImageOptions")) },
	{ OPEN, CREATE, HC("'Mounts':[{'Type':'volume','Source':'vol',"
	    "'Target':'/d'}]"), NO(403, HCR("Mounts")),
	    .reason = "named volumes are not allowed" },
	{ M_PASS("'Mounts':[{'Type':'tmpfs','Target':'/t','TmpfsOptions':"
	    "{'SizeBytes':1048576,'Mode':448,'Options':[]}}]") },
	{ M_DENY("'Mounts':[{'Type':'tmpfs','Source':'/x','Target':'/t'}]",
	    HCR("Mounts")), .reason = "a tmpfs mount takes only a Target "
	    "and TmpfsOptions" },
	{ M_DENY("'Mounts':[{'Type':'tmpfs','Target':'/t','VolumeOptions':"
	    "{'NoCopy':true}}]", HCR("Mounts")) },
	{ OPEN, CREATE, HC("'Mounts':[{'Type':'tmpfs','Target':'/t'}]"),
	    NO(403, HCR("Mounts")), .reason = "tmpfs mounts are not allowed" },
	{ M_DENY("'Mounts':[{'Type':'npipe','Source':'docker_engine',"
	    "'Target':'/p'}]", HCR("Mounts")),
	    .reason = "mount type \"npipe\" is not allowed" },
	{ M_DENY("'Mounts':[{'Type':'cluster','Source':'x','Target':'/c'}]",
	    HCR("Mounts")) },
	{ M_DENY("'Mounts':[{'Type':'image','Source':'alpine','Target':"
	    "'/i'}]", HCR("Mounts")) },
	{ M_DENY("'Mounts':[{'Type':'BIND','Source':'/','Target':'/h'}]",
	    HCR("Mounts")), .reason = "mount type \"BIND\" is not allowed" },
	{ M_DENY("'Mounts':[{'Type':'','Target':'/h'}]", HCR("Mounts")) },
	{ M_BAD("'Mounts':[{'Source':'vol','Target':'/d'}]"),
	    .reason = "HostConfig.Mounts needs a Type" },
	{ M_BAD("'Mounts':[{'Type':null,'Source':'vol','Target':'/d'}]") },
	{ M_BAD("'Mounts':[{'Type':1}]") },
	{ M_BAD("'Mounts':{}") },
	{ M_DENY("'Mounts':[{'Type':'volume','Target':'/d','Whatever':'x'}]",
	    "unknown-field"), .reason = "HostConfig.Mounts.Whatever is not a "
	    "field dindgate knows; refused" },

	/* ---- the rest of HostConfig ---- */
	{ M_DENY("'Annotations':{'io.kubernetes.cri-o.Devices':'/dev/sda'}",
	    HCR("Annotations")) },
	{ M_PASS("'Annotations':{}") },
	{ M_DENY("'Isolation':'hyperv'", HCR("Isolation")) },
	{ M_DENY("'Isolation':'process'", HCR("Isolation")) },
	{ M_PASS("'Isolation':'default'") },
	{ M_PASS("'Isolation':''") },
	{ M_PASS("'StorageOpt':{'size':'10G'}") },
	{ M_DENY("'StorageOpt':{'dm.basesize':'1T'}", HCR("StorageOpt")),
	    .reason = "storage option \"dm.basesize\" is not allowed" },
	{ S_PASS("'Ulimits':[{'Name':'nofile','Soft':1024,'Hard':2048}]") },
	{ S_DENY("'Ulimits':[{'Name':'memlock','Soft':-1,'Hard':-1}]",
	    HCR("Ulimits")), .reason = "ulimit \"memlock\" is not allowed" },
	{ S_DENY("'Ulimits':[{'Name':'nofile','Soft':1,'Hard':1},{'Name':"
	    "'rtprio','Soft':99,'Hard':99}]", HCR("Ulimits")) },
	{ M_DENY("'Ulimits':[{'Name':'nofile','Soft':1,'Hard':1}]",
	    HCR("Ulimits")) },
	{ M_PASS("'Ulimits':[]") },
	{ M_BAD("'Ulimits':[{'Name':'nofile','Soft':'1'}]") },
	{ M_PASS("'KernelMemory':0,'KernelMemoryTCP':0") },
	{ M_DENY("'KernelMemory':1048576", HCR("KernelMemory")),
	    .reason = "HostConfig.KernelMemory must be empty" },
	{ M_DENY("'KernelMemoryTCP':1048576", HCR("KernelMemoryTCP")) },
	{ M_DENY("'CpuRealtimeRuntime':950000", HCR("CpuRealtimeRuntime")) },
	{ M_DENY("'CpuRealtimePeriod':1000000", HCR("CpuRealtimePeriod")) },
	{ M_DENY("'CpuCount':1", HCR("CpuCount")) },
	{ M_DENY("'IOMaximumBandwidth':1", HCR("IOMaximumBandwidth")) },
	{ M_PASS("'VolumeDriver':'local'") },
	{ M_PASS("'VolumeDriver':''") },
	{ M_DENY("'VolumeDriver':'convoy'", HCR("VolumeDriver")),
	    .reason = "volume driver \"convoy\" is not allowed" },
	{ M_PASS("'Tmpfs':{'/run':'rw,noexec'}") },
	{ OPEN, CREATE, HC("'Tmpfs':{'/run':''}"), NO(403, HCR("Tmpfs")) },
	{ OPEN, CREATE, HC("'Tmpfs':{}"), OK(O_CREATE) },
	{ M_DENY("'Capabilities':['CAP_SYS_ADMIN']", HCR("Capabilities")) },
	{ M_PASS("'Capabilities':null") },
	{ M_PASS("'Init':true,'ShmSize':67108864,'Dns':['1.1.1.1'],"
	    "'ExtraHosts':['h:10.0.0.1'],'GroupAdd':['audio'],"
	    "'AutoRemove':true,'ContainerIDFile':'','ConsoleSize':[24,80]") },
	{ M_PASS("'CpuShares':512,'CpuPeriod':100000,'CpuQuota':50000,"
	    "'CpusetCpus':'0','CpusetMems':'0','BlkioWeight':300,"
	    "'MemoryReservation':0,'MemorySwappiness':-1") },

	/* ---- Config (top level) ---- */
	{ MINI, CREATE, B("{'Image':'alpine','MacAddress':"
	    "'02:42:ac:11:00:02'}"), NO(403, "containers.MacAddress") },
	{ STRICT, CREATE, B("{'Image':'evil/image'}"),
	    NO(403, "containers.Image"),
	    .reason = "image \"evil/image\" is not allowed" },
	{ STRICT, CREATE, B("{'Image':'alpine:3.19'}"), OK(S_CREATE) },
	{ STRICT, CREATE, B("{'Image':'busybox:latest'}"), OK(S_CREATE) },
	{ STRICT, CREATE, B("{'Image':'alpine/../evil'}"),
	    NO(403, "containers.Image") },
	{ MINI, CREATE, B("{'Image':'anything/at:all'}"), OK(M_CREATE) },
	{ MINI, CREATE, B("{'Image':'alpine','WorkingDir':"
	    "'/proc/self/fd/8'}"), NO(403, "containers.WorkingDir"),
	    .reason = "WorkingDir under /proc is not allowed" },
	{ MINI, CREATE, B("{'Image':'alpine','WorkingDir':'/proc'}"),
	    NO(403, "containers.WorkingDir") },
	{ MINI, CREATE, B("{'Image':'alpine','workingdir':'/proc/1/cwd'}"),
	    NO(403, "containers.WorkingDir") },
	{ MINI, CREATE, B("{'Image':'alpine','WorkingDir':'/process'}"),
	    OK(M_CREATE) },
	{ MINI, CREATE, B("{'Image':'alpine','Healthcheck':{'Test':['CMD',"
	    "'true'],'Interval':1000000000,'Retries':3}}"), OK(M_CREATE) },
	{ MINI, CREATE, B("{'Image':'alpine','Healthcheck':{'Test':['CMD'],"
	    "'Bogus':1}}"), NO(403, "unknown-field"),
	    .reason = "Healthcheck.Bogus is not a field" },
	{ MINI, CREATE, B("{'Image':'alpine','Cmd':'echo hi','Entrypoint':"
	    "['sh','-c'],'Shell':null,'ExposedPorts':{'80/tcp':{}},"
	    "'Volumes':{'/v':{}},'StopSignal':'SIGTERM','StopTimeout':5}"),
	    OK(M_CREATE) },

	/* ---- NetworkingConfig.EndpointsConfig ---- */
	/* the CLI's "default" endpoint follows the network we force */
	{ STRICT, CREATE, B("{'Image':'alpine','NetworkingConfig':"
	    "{'EndpointsConfig':{'default':{'Aliases':null}}}}"),
	    OK(S_CREATE), .has = { "'EndpointsConfig':{}",
	    "'NetworkMode':'none'", "!default" }, .changes = S_CHG },
	{ OPEN, CREATE, B("{'Image':'alpine','NetworkingConfig':"
	    "{'EndpointsConfig':{'default':{'Aliases':['web']}}}}"),
	    OK(O_CREATE), .has = {
	    "'EndpointsConfig':{'bridge':{'Aliases':['web']}}",
	    "'NetworkMode':'bridge'", "!default" }, .changes = O_CHG },
	{ STRICT, CREATE, EP("'host':{}"), NO(403, EPR),
	    .reason = "host networking is never allowed" },
	{ STRICT, CREATE, EP("'none':{}"), NO(403, EPR),
	    .reason = "network \"none\" is not allowed" },
	{ STRICT, CREATE, EP("'HOST':{}"), NO(403, EPR) },
	{ STRICT, CREATE, EP("'othernet':{}"), NO(403, EPR),
	    .reason = "network \"othernet\" is not allowed" },
	{ STRICT, CREATE, EP("'bridge':{'DriverOpts':{"
	    "'com.docker.network.endpoint.sysctls':"
	    "'net.ipv4.conf.IFNAME.forwarding=1'}}"),
	    NO(403, EPR "[].DriverOpts") },
	{ STRICT, CREATE, EP("'bridge':{'IPAMConfig':{'IPv4Address':"
	    "'172.17.0.9'}}"), NO(403, EPR "[].IPAMConfig.IPv4Address") },
	{ STRICT, CREATE, EP("'bridge':{'IPAMConfig':{'LinkLocalIPs':"
	    "['169.254.0.9']}}"),
	    NO(403, EPR "[].IPAMConfig.LinkLocalIPs") },
	{ STRICT, CREATE, EP("'bridge':{'Links':['x:y']}"),
	    NO(403, EPR "[].Links") },
	{ STRICT, CREATE, EP("'mynet':{'MacAddress':'02:42:ac:11:00:02'}"),
	    NO(403, EPR "[].MacAddress") },
	{ STRICT, CREATE, EP("'bridge':{'NetworkID':'abc'}"),
	    NO(403, EPR "[].NetworkID") },
	{ STRICT, CREATE, EP("'bridge':{'Unknown':'x'}"),
	    NO(403, "unknown-field"), .reason = "NetworkingConfig."
	    "EndpointsConfig[bridge].Unknown is not a field" },
	{ STRICT, CREATE, EP("'bridge':'x'"), BAD, .reason = "NetworkingConfig"
	    ".EndpointsConfig.bridge must be an object" },
	{ STRICT, CREATE, EP("'bridge':{'IPAMConfig':null,'Aliases':['web'],"
	    "'DNSNames':['web'],'GwPriority':1}"), OK(S_CREATE), .has = {
	    "'EndpointsConfig':{'bridge':{'IPAMConfig':null," } },
	{ STRICT, CREATE, EP("'bridge':null"), OK(S_CREATE) },
	{ STRICT, CREATE, EP(""), OK(S_CREATE) },
	{ STRICT, CREATE, B("{'Image':'alpine','NetworkingConfig':null}"),
	    OK(S_CREATE) },
	{ STRICT, CREATE, B("{'Image':'alpine','NetworkingConfig':"
	    "{'EndpointsConfig':[]}}"), BAD },

	/* ---- exec create ---- */
	{ STRICT, EXEC, B(CLI_EXEC), OK(S_EXEC), .out = CLI_EXEC,
	    .changes = "" },
	{ STRICT, EXEC, B("{'Privileged':true,'Cmd':['sh']}"),
	    NO(403, "exec.Privileged"),
	    .reason = "Privileged is never allowed" },
	{ STRICT, EXEC, B("{'privileged':true}"), NO(403, "exec.Privileged") },
	{ STRICT, EXEC, B("{'User':'root','Cmd':['id']}"),
	    NO(403, "exec.User"),
	    .reason = "exec as user \"root\" is not allowed" },
	{ STRICT, EXEC, B("{'User':'0:0'}"), NO(403, "exec.User") },
	{ OPEN, EXEC, B("{'User':'root','Cmd':['id']}"), OK(O_EXEC),
	    .out = "{'User':'root','Cmd':['id']}" },
	{ OPEN, EXEC, B("{'Privileged':true}"), NO(403, "exec.Privileged") },
	{ STRICT, EXEC, B("{'WorkingDir':'/proc/self/fd/7','Cmd':['sh']}"),
	    NO(403, "exec.WorkingDir") },
	{ STRICT, EXEC, B("{'WorkingDir':'/tmp','Cmd':['sh']}"), OK(S_EXEC) },
	/* docker-py sends the old ExecConfig's Container */
	{ STRICT, EXEC, B("{'Container':'c1','Cmd':['ls'],"
	    "'AttachStdout':true}"), OK(S_EXEC),
	    .out = "{'Container':'c1','Cmd':['ls'],'AttachStdout':true}" },
	{ STRICT, EXEC, B("{'cmd':'ls'}"), OK(S_EXEC), .out = "{'Cmd':'ls'}" },
	{ STRICT, EXEC, B("{'Cmd':['ls'],'Foo':'x'}"),
	    NO(403, "unknown-field"),
	    .reason = "Foo is not a field dindgate knows; refused" },
	{ STRICT, EXEC, B("{'Cmd':['ls'],'HostConfig':{}}"), OK(S_EXEC),
	    .out = "{'Cmd':['ls']}" },
	{ STRICT, EXEC, B("{'Privileged':'false'}"), BAD },
	{ STRICT, EXEC, B(""), OK(S_EXEC), .out = "{}" },
	{ STRICT, EXEC, B("[]"), BAD },

	/* ---- volume create ---- */
	{ STRICT, VOLUME, B("{'Name':'vol','Driver':'local','DriverOpts':{},"
	    "'Labels':{'a':'b'}}"), OK(S_VOLUME),
	    .out = "{'Name':'vol','Driver':'local','DriverOpts':{},"
	    "'Labels':{'a':'b'}}", .changes = "" },
	{ STRICT, VOLUME, B("{'Name':'vol','DriverOpts':{'type':'none',"
	    "'o':'bind','device':'/'}}"), NO(403, "volumes.DriverOpts"),
	    .reason = "volume driver options are not allowed" },
	{ STRICT, VOLUME, B("{'Name':'vol','DriverOpts':{'size':'1G'}}"),
	    NO(403, "volumes.DriverOpts") },
	{ STRICT, VOLUME, B("{'Name':'vol','Driver':'convoy'}"),
	    NO(403, "volumes.Driver") },
	{ STRICT, VOLUME, B("{'Name':'v','ClusterVolumeSpec':{'Group':'x'}}"),
	    NO(403, "volumes.ClusterVolumeSpec") },
	{ STRICT, VOLUME, B("{'name':'vol','driveropts':null}"), OK(S_VOLUME),
	    .out = "{'Name':'vol','DriverOpts':null}" },
	{ MINI, VOLUME, B(""), OK(M_VOLUME), .out = "{}" },

	/* ---- network create ---- */
	{ STRICT, NETWORK, B(CLI_NETWORK), OK(S_NETWORK), .out = CLI_NETWORK,
	    .changes = "" },
	{ STRICT, NETWORK, B("{'Name':'n','Driver':'macvlan','Options':"
	    "{'parent':'eth0'}}"), NO(403, "networks.Driver"),
	    .reason = "network driver \"macvlan\" is not allowed" },
	{ STRICT, NETWORK, B("{'Name':'n','Driver':'ipvlan'}"),
	    NO(403, "networks.Driver") },
	{ STRICT, NETWORK, B("{'Name':'n','Driver':'host'}"),
	    NO(403, "networks.Driver") },
	{ STRICT, NETWORK, B("{'Name':'n','Driver':'overlay'}"),
	    NO(403, "networks.Driver") },
	{ STRICT, NETWORK, B("{'Name':'n','Options':"
	    "{'com.docker.network.bridge.name':'docker0'}}"),
	    NO(403, "networks.Options") },
	{ STRICT, NETWORK, B("{'Name':'n','IPAM':{'Driver':'other'}}"),
	    NO(403, "networks.IPAM.Driver") },
	{ STRICT, NETWORK, B("{'Name':'n','IPAM':{'Config':"
	    "[{'Subnet':'10.0.0.0/8'}]}}"),
	    NO(403, "networks.IPAM.Config.Subnet") },
	{ STRICT, NETWORK, B("{'Name':'n','IPAM':{'Options':{'a':'b'}}}"),
	    NO(403, "networks.IPAM.Options") },
	{ STRICT, NETWORK, B("{'Name':'n','Attachable':true}"),
	    NO(403, "networks.Attachable") },
	{ STRICT, NETWORK, B("{'Name':'n','Scope':'swarm'}"),
	    NO(403, "networks.Scope") },
	{ STRICT, NETWORK, B("{'Name':'n','Ingress':true}"),
	    NO(403, "networks.Ingress") },
	{ STRICT, NETWORK, B("{'Name':'n','ConfigOnly':true}"),
	    NO(403, "networks.ConfigOnly") },
	{ STRICT, NETWORK, B("{'Name':'n','ConfigFrom':{'Network':'x'}}"),
	    NO(403, "networks.ConfigFrom") },
	{ STRICT, NETWORK, B("{'Name':'n','Driver':'bridge',"
	    "'Internal':true,'EnableIPv4':true}"), OK(S_NETWORK) },

	/* ---- container update: the create caps again ---- */
	{ STRICT, UPDATE, B("{'RestartPolicy':{'Name':'always',"
	    "'MaximumRetryCount':0}}"), OK(S_UPDATE),
	    .out = "{'RestartPolicy':{'Name':'always','MaximumRetryCount':0},"
	    S_RES "}", .changes = S_RESCHG },
	{ STRICT, UPDATE, B("{'Memory':4294967296,'MemorySwap':-1}"),
	    OK(S_UPDATE), .out = "{'Memory':536870912,'MemorySwap':536870912,"
	    "'NanoCpus':2000000000,'PidsLimit':256}",
	    .changes = "Memory=536870912 (capped), MemorySwap=536870912 "
	    "(capped), NanoCpus=2000000000 (default), PidsLimit=256 "
	    "(default)" },
	{ STRICT, UPDATE, B("{'Memory':104857600,'MemorySwap':209715200,"
	    "'NanoCpus':1000000000,'PidsLimit':100}"), OK(S_UPDATE),
	    .out = "{'Memory':104857600,'NanoCpus':1000000000,'PidsLimit':100,"
	    "'MemorySwap':104857600}",
	    .changes = "MemorySwap=104857600 (capped)" },
	{ STRICT, UPDATE, B("{'Memory':104857600,'MemorySwap':104857600}"),
	    OK(S_UPDATE), .out = "{'Memory':104857600,'MemorySwap':104857600,"
	    "'NanoCpus':2000000000,'PidsLimit':256}",
	    .changes = "NanoCpus=2000000000 (default), PidsLimit=256 "
	    "(default)" },
	{ STRICT, UPDATE, B("{'PidsLimit':0}"), OK(S_UPDATE),
	    .out = "{" S_RES "}", .changes = S_RESCHG },
	{ STRICT, UPDATE, B("{'PidsLimit':-1}"), OK(S_UPDATE),
	    .out = "{" S_RES "}", .changes = S_RESCHG },
	{ STRICT, UPDATE, B("{'PidsLimit':null}"), OK(S_UPDATE),
	    .out = "{" S_RES "}", .changes = S_RESCHG },
	{ STRICT, UPDATE, B("{'PidsLimit':99999999}"), OK(S_UPDATE),
	    .out = "{" S_RES "}", .changes = "Memory=536870912 (default), "
	    "NanoCpus=2000000000 (default), PidsLimit=256 (capped)" },
	{ STRICT, UPDATE, B("{'NanoCpus':4000000000}"), OK(S_UPDATE),
	    .out = "{" S_RES "}", .changes = "Memory=536870912 (default), "
	    "NanoCpus=2000000000 (capped), PidsLimit=256 (default)" },
	{ STRICT, UPDATE, B("{'memory':1}"), OK(S_UPDATE),
	    .out = "{'Memory':1,'NanoCpus':2000000000,'PidsLimit':256}" },
	{ STRICT, UPDATE, B(""), OK(S_UPDATE), .out = "{" S_RES "}",
	    .changes = S_RESCHG },
	{ STRICT, UPDATE, B("{'CpuRealtimePeriod':1000000}"),
	    NO(403, "containers.CpuRealtimePeriod") },
	{ STRICT, UPDATE, B("{'KernelMemory':1}"),
	    NO(403, "containers.KernelMemory") },
	{ STRICT, UPDATE, B("{'Devices':[{'PathOnHost':'/dev/sda'}]}"),
	    NO(403, "containers.Devices") },
	{ STRICT, UPDATE, B("{'CgroupParent':'/'}"),
	    NO(403, "containers.CgroupParent") },
	{ STRICT, UPDATE, B("{'Privileged':true}"), NO(403, "unknown-field"),
	    .reason = "Privileged is not a field dindgate knows; refused" },
	{ STRICT, UPDATE, B("{'NanoCpus':1e9}"), BAD },
	{ MINI, UPDATE, B("{}"), OK(M_UPDATE), .out = "{}", .changes = "" },
	{ OPEN, UPDATE, B("{'Memory':0}"), OK(O_UPDATE),
	    .out = "{'Memory':1073741824}",
	    .changes = "Memory=1073741824 (default)" },

	/* ---- unknown fields: refused with a value, dropped empty ---- */
	{ MINI, CREATE, B("{'Image':'alpine','Foo':'bar'}"),
	    NO(403, "unknown-field"),
	    .reason = "Foo is not a field dindgate knows; refused" },
	{ M_DENY("'FutureKnob':true", "unknown-field"),
	    .reason = "HostConfig.FutureKnob is not a field dindgate knows; "
	    "refused" },
	{ MINI, CREATE, B("{'Image':'alpine','NetworkingConfig':{'Extra':"
	    "{'a':1}}}"), NO(403, "unknown-field"),
	    .reason = "NetworkingConfig.Extra is not a field" },
	{ MINI, CREATE, B("{'Image':'alpine','Foo':'','Bar':null,'Baz':[],"
	    "'Qux':{},'N':0,'F':false,'D':0.0}"), OK(M_CREATE),
	    .out = M_OUT(""), .changes = M_CHG },
	{ MINI, CREATE, HC("'Unknown':0,'Other':''"), OK(M_CREATE),
	    .out = M_OUT("") },
	{ MINI, CREATE, B("{'Image':'alpine','HostConfig':{'Mounts':[{"
	    "'Type':'volume','Target':'/d','Future':null}]}}"), OK(M_CREATE),
	    .out = M_OUT("'Mounts':[{'Type':'volume','Target':'/d'}],") },

	/* ---- types as Go decodes them ---- */
	{ M_BAD("'ShmSize':1.5"),
	    .reason = "HostConfig.ShmSize must be an integer" },
	{ M_BAD("'ShmSize':1e6") },
	{ M_BAD("'ShmSize':1E6") },
	{ M_BAD("'ShmSize':1.0") },
	{ M_BAD("'ShmSize':'1000'") },
	{ M_BAD("'ShmSize':true") },
	{ M_BAD("'Memory':99999999999999999999"),
	    .reason = "invalid JSON body: integer out of range" },
	{ M_BAD("'ConsoleSize':[0,'x']") },
	{ M_BAD("'RestartPolicy':'always'") },
	{ M_BAD("'Binds':'/:/h'") },
	{ MINI, CREATE, B("{'Image':1}"), BAD,
	    .reason = "Image must be a string" },
	{ MINI, CREATE, B("{'Env':'A=1'}"), BAD,
	    .reason = "Env must be a list of strings" },
	{ MINI, CREATE, B("{'Env':[1]}"), BAD },
	{ MINI, CREATE, B("{'HostConfig':[]}"), BAD,
	    .reason = "HostConfig must be an object" },
	{ MINI, CREATE, B("{'HostConfig':'x'}"), BAD },
	{ MINI, CREATE, B("{'Labels':{'a':1}}"), BAD,
	    .reason = "Labels must be an object of strings" },
	{ MINI, CREATE, B("{'Cmd':{}}"), BAD },
	{ MINI, CREATE, B("{'ExposedPorts':['80/tcp']}"), BAD },
	{ MINI, CREATE, B("{'Tty':'true'}"), BAD },
	{ MINI, CREATE, B("{'StopTimeout':1.5}"), BAD },

	/* ---- JSON itself ---- */
	{ MINI, CREATE, B("{'Image':'alpine'} {'HostConfig':"
	    "{'Privileged':true}}"), BAD, .reason = "invalid JSON body:" },
	{ MINI, CREATE, B("{'Image':'alpine'}x"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine'}{}"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine'}\n"), OK(M_CREATE),
	    .out = M_OUT("") },
	{ MINI, CREATE, B(" \r\n\t{'Image':'alpine'}\r\n\t "), OK(M_CREATE),
	    .out = M_OUT("") },
	{ MINI, CREATE, B("{'Image':"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine'}"), .flags = R_RAW, BAD },
	{ MINI, CREATE, B("{/*x*/'Image':'alpine'}"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine'} // x"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine',}"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine\\u0000evil'}"), BAD,
	    .reason = "invalid JSON body: NUL character in string" },
	{ MINI, CREATE, B("{'Ima\\u0000ge':'x'}"), BAD,
	    .reason = "invalid JSON body: NUL character in key" },
	{ MINI, CREATE, B("{'Image':'alp\0ine'}"), BAD },
	{ MINI, CREATE, B("{'Image':'alpine'}\0"), BAD },
	{ MINI, CREATE, B("{'Image':'\xff'}"), BAD },
	{ MINI, CREATE, B("{'Image':'\xc5'}"), BAD },
	{ MINI, CREATE, B("{'\xc0\xaf':1}"), BAD },
	{ MINI, CREATE, B("[]"), BAD,
	    .reason = "the body must be a JSON object" },
	{ MINI, CREATE, B("'x'"), BAD },
	{ MINI, CREATE, B("null"), BAD },
	{ MINI, CREATE, B("1"), BAD },
	{ MINI, CREATE, B(" "), BAD },
	/* Content-Length: 0 and an empty chunked body both mean {} */
	{ MINI, CREATE, B(""), OK(M_CREATE),
	    .out = "{'HostConfig':{'NetworkMode':'none'}}", .changes = M_CHG },
	{ MINI, CREATE, OK(M_CREATE),
	    .out = "{'HostConfig':{'NetworkMode':'none'}}" },
	{ MINI, CREATE, .ct = "text/plain", OK(M_CREATE),
	    .out = "{'HostConfig':{'NetworkMode':'none'}}" },
	/* the headers came first: decide again once the body is in */
	{ MINI, CREATE, .flags = R_NEEDBODY | R_NOOUT,
	    .verdict = DECISION_NEED_BODY, .rule = "" },

	/* ---- Content-Type ---- */
	{ MINI, CREATE, .ct = "Application/JSON", B("{'Image':'alpine'}"),
	    OK(M_CREATE) },
	{ MINI, CREATE, .ct = "application/json; charset=utf-8",
	    B("{'Image':'alpine'}"), OK(M_CREATE) },
	{ MINI, CREATE, .ct = "application/json;charset=utf-8",
	    B("{'Image':'alpine'}"), OK(M_CREATE) },
	{ MINI, CREATE, .ct = "text/plain", B("{'Image':'alpine'}"), BAD,
	    .reason = "Content-Type must be application/json" },
	{ MINI, CREATE, NOCT, B("{'Image':'alpine'}"), BAD,
	    .reason = "a JSON body needs Content-Type: application/json" },
	{ MINI, CREATE, .ct = "application/jsonx", B("{}"), BAD },
	{ MINI, CREATE, .ct = "application/json-seq", B("{}"), BAD },
	{ MINI, CREATE, .ct = "json", B("{}"), BAD },
	/* form bodies override the query in Go: never, on any route */
	{ MINI, CREATE, .ct = "application/x-www-form-urlencoded",
	    B("Image=alpine"), BAD,
	    .reason = "form-encoded bodies are not accepted" },
	{ MINI, CREATE, .ct = "multipart/form-data; boundary=x",
	    B("--x--"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "Application/X-WWW-Form-Urlencoded",
	    B("remote=https://example.com/x.git"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "application/x-www-form-urlencoded;",
	    B("networkmode=host"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "application/x-www-form-urlencoded"
	    "\t;charset=utf-8", B("networkmode=host"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "application/x-www-form-urlencoded"
	    "\xc2\xa0;a=b", B("networkmode=host"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "appl\xc4\xb0"
	    "cation/x-www-form-urlencoded", B("networkmode=host"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "MULTIPART/FORM-DATA\t; boundary=x",
	    B("--x--"), BAD },
	{ STRICT, BUILD("?t=x"), .ct = "application/x-tar", B("tar"),
	    OK(S_BUILD), .flags = R_NOOUT },
	{ STRICT, GET("/v1.41/containers/json"),
	    .ct = "application/x-www-form-urlencoded", BAD },
	{ STRICT, START(""), .ct = "text/plain", OK(S_START),
	    .flags = R_NOOUT },

	/* ---- build parameters ---- */
	{ STRICT, BUILD("?t=img&networkmode=host"),
	    NO(403, "build.networkmode"),
	    .reason = "build network mode \"host\" is not allowed" },
	{ STRICT, BUILD("?networkmode=none"), OK(S_BUILD) },
	{ STRICT, BUILD("?networkmode=default"), OK(S_BUILD) },
	{ STRICT, BUILD("?networkmode="), OK(S_BUILD) },
	{ STRICT, BUILD("?networkmode=bridge"), NO(403, "build.networkmode") },
	{ OPEN, BUILD("?networkmode=bridge"), OK(O_BUILD) },
	{ OPEN, BUILD("?networkmode=host"), NO(403, "build.networkmode") },
	{ OPEN, BUILD("?networkmode=container:x"),
	    NO(403, "build.networkmode") },
	{ STRICT, BUILD("?remote=https://example.com/ctx.tar"),
	    NO(403, "build.remote"),
	    .reason = "remote build contexts are not allowed" },
	{ STRICT, BUILD("?remote=git%40github.com%3Ax%2Fy.git"),
	    NO(403, "build.remote") },
	{ STRICT, BUILD("?version=2"), NO(403, "build.version") },
	{ STRICT, BUILD("?version=1"), OK(S_BUILD) },
	{ STRICT, BUILD("?extrahosts=evil%3A1.2.3.4"),
	    NO(403, "build.extrahosts") },
	{ OPEN, BUILD("?extrahosts=a%3A1.2.3.4&extrahosts=b%3A1.2.3.5"),
	    OK(O_BUILD) },
	{ STRICT, BUILD("?cgroupparent=%2F"), NO(403, "build.cgroupparent") },
	{ STRICT, BUILD("?securityopt=%5B%22seccomp%3Dunconfined%22%5D"),
	    NO(403, "build.securityopt") },
	{ STRICT, BUILD("?securityopt=%5B%5D"), OK(S_BUILD) },
	{ STRICT, BUILD("?securityopt=null"), OK(S_BUILD) },
	{ STRICT, BUILD("?isolation=hyperv"), NO(403, "build.isolation") },
	{ STRICT, BUILD("?isolation=default"), OK(S_BUILD) },
	{ STRICT, BUILD("?session=abc"), NO(403, "build.session") },
	{ STRICT, BUILD("?outputs=%5B%5D"), NO(403, "build.session") },
	{ STRICT, BUILD("?t=a&t=b&buildargs=%7B%7D&labels=%7B%7D&q=1"),
	    OK(S_BUILD) },
	/* Go reads the first of two values: single keys only once */
	{ STRICT, BUILD("?networkmode=none&networkmode=host"), BAD,
	    .reason = "query parameter \"networkmode\" given twice" },
	/* ...and decodes keys as well as values */
	{ STRICT, BUILD("?remot%65=https://evil.example/x.git"),
	    NO(403, "build.remote") },
	{ STRICT, BUILD("?network%6Dode=host"), NO(403, "build.networkmode") },
	{ STRICT, BUILD("?networkmode=none&network%6dode=host"), BAD },
	/* every value of a multi-valued key */
	{ STRICT, BUILD("?extrahosts=&extrahosts=evil%3A1.2.3.4"),
	    NO(403, "build.extrahosts") },
	{ STRICT, BUILD("?networkmode=none%00host"), BAD,
	    .reason = "NUL byte in query" },
	{ STRICT, BUILD("?t=x%00"), BAD },
	/* keys are case-sensitive in Go: this one means nothing to dockerd */
	{ STRICT, BUILD("?NetworkMode=host"), OK(S_BUILD) },
	/* too long to compare: refused, not cut */
	{ STRICT, PULL("?fromImage=alpine" X512), BAD,
	    .reason = "query parameter \"fromImage\" is too long" },
	{ STRICT, BUILD("?" X64 "=1"), BAD,
	    .reason = "query parameter name too long" },
	{ STRICT, PULL("?fromImage=alpine" X64 X64 X64), OK(S_PULL) },

	/* ---- image create: pull or import ---- */
	{ STRICT, PULL("?fromImage=alpine&tag=3.19"), OK(S_PULL) },
	{ STRICT, PULL("?fromImage=docker.io%2Flibrary%2Fubuntu&tag=22.04"),
	    OK(S_PULL) },
	{ STRICT, PULL("?fromImage=evil%2Fx"), NO(403, "images.pull"),
	    .reason = "pulling \"evil/x\" is not allowed" },
	{ STRICT, PULL("?fromSrc=-&repo=mine&tag=1"), OK(S_PULL) },
	{ STRICT, PULL("?fromSrc=http%3A%2F%2Fevil%2Fx.tar"),
	    NO(403, "images.import-url") },
	{ STRICT, PULL("?fromSrc=evil.example%2Fx.tar"),
	    NO(403, "images.import-url") },
	/* dockerd pulls when fromImage is set, whatever fromSrc says */
	{ STRICT, PULL("?fromSrc=-&fromImage=evil%2Fx"),
	    NO(403, "images.pull") },
	{ STRICT, PULL("?fromImage=&fromSrc=-"), OK(S_PULL) },
	{ STRICT, PULL("?repo=x"), NO(403, "images.import-url") },
	{ STRICT, PULL("?fromImage=alpine&fromImage=evil"), BAD },
	{ OPEN, PULL("?fromSrc=-"), NO(403, "images.import") },
	{ OPEN, PULL("?fromImage=anything%2Fat&tag=all"), OK(O_PULL) },

	/* ---- start, delete, top, lists ---- */
	{ STRICT, START(""), B("{}"), .flags = R_NOOUT,
	    NO(403, "containers.start-body"),
	    .reason = "a body on container start is not allowed" },
	{ STRICT, START(""), B("{'Binds':['/:/h'],'NetworkMode':'host'}"),
	    NO(403, "containers.start-body") },
	{ STRICT, START(""), OK(S_START), .flags = R_NOOUT },
	{ STRICT, START("?detachKeys=ctrl-p"), OK(S_START) },
	{ STRICT, START("?checkpoint=c1"), NO(403, "containers.checkpoint") },
	{ STRICT, START("?checkpoint-dir=%2Ftmp"),
	    NO(403, "containers.checkpoint") },
	{ STRICT, DELETE("?link=1"), NO(403, "containers.link") },
	{ STRICT, DELETE("?link=true"), NO(403, "containers.link") },
	{ STRICT, DELETE("?link=TRUE"), NO(403, "containers.link") },
	{ STRICT, DELETE("?link=yes"), NO(403, "containers.link") },
	{ STRICT, DELETE("?link=false"), OK(S_DELETE) },
	{ STRICT, DELETE("?link=0"), OK(S_DELETE) },
	{ STRICT, DELETE("?link=no"), OK(S_DELETE) },
	{ STRICT, DELETE("?link=None"), OK(S_DELETE) },
	{ STRICT, DELETE("?link="), OK(S_DELETE) },
	{ STRICT, DELETE("?v=1&force=1"), OK(S_DELETE) },
	{ STRICT, DELETE("?link=0&link=1"), BAD },
	{ STRICT, TOP("?ps_args=aux"), OK(S_TOP) },
	{ STRICT, TOP("?ps_args=-eo%20pid,comm"), OK(S_TOP) },
	{ STRICT, TOP("?ps_args=a+x"), OK(S_TOP) },
	{ STRICT, TOP("?ps_args=a%2Bx"), NO(403, "containers.top") },
	{ STRICT, TOP("?ps_args=aux%3Bid"), NO(403, "containers.top") },
	{ STRICT, TOP("?ps_args=$(id)"), NO(403, "containers.top") },
	{ STRICT, TOP(""), OK(S_TOP) },
	{ STRICT, GET("/v1.41/containers/json?all=1&all=0"), BAD },
	{ STRICT, GET("/v1.41/containers/json?all=1&limit=5"), OK(S_LIST) },
	{ STRICT, GET("/v1.41/images/get?names=a&names=b"), OK(S_SAVE) },
	/* the route is checked first */
	{ MINI, GET("/v1.41/info?x=1&x=2"), NO(403, "default-deny") },

	/* ---- forced defaults ---- */
	{ STRICT, CREATE, HC("'Memory':1073741824"), OK(S_CREATE),
	    .has = { "'Memory':536870912", "!1073741824" },
	    .changes = "Memory=536870912 (capped), NanoCpus=2000000000 "
	    "(default), PidsLimit=256 (default), NetworkMode=none (default), "
	    "SecurityOpt+=no-new-privileges, dindgate.owner label" },
	{ STRICT, CREATE, HC("'Memory':104857600"), OK(S_CREATE),
	    .has = { "'Memory':104857600", "!536870912" },
	    .changes = "NanoCpus=2000000000 (default), PidsLimit=256 "
	    "(default), NetworkMode=none (default), "
	    "SecurityOpt+=no-new-privileges, dindgate.owner label" },
	{ STRICT, CREATE, HC("'Memory':-1"), OK(S_CREATE),
	    .has = { "'Memory':536870912" } },
	{ STRICT, CREATE, HC("'Memory':104857600,'MemorySwap':-1"),
	    OK(S_CREATE), .has = { "'MemorySwap':104857600", "!-1" } },
	{ STRICT, CREATE, HC("'MemorySwap':-1"), OK(S_CREATE),
	    .has = { "'Memory':536870912,", "'MemorySwap':536870912" } },
	{ STRICT, CREATE, HC("'PidsLimit':0"), OK(S_CREATE),
	    .has = { "'PidsLimit':256" }, .changes = S_CHG },
	{ STRICT, CREATE, HC("'PidsLimit':-1"), OK(S_CREATE),
	    .has = { "'PidsLimit':256", "!-1" }, .changes = S_CHG },
	{ STRICT, CREATE, HC("'PidsLimit':9223372036854775807"),
	    OK(S_CREATE), .has = { "'PidsLimit':256" } },
	{ STRICT, CREATE, HC("'PidsLimit':100"), OK(S_CREATE),
	    .has = { "'PidsLimit':100", "!256" } },
	{ STRICT, CREATE, HC("'NanoCpus':500000000"), OK(S_CREATE),
	    .has = { "'NanoCpus':500000000", "!2000000000" } },
	{ STRICT, CREATE, HC("'NanoCpus':4000000000"), OK(S_CREATE),
	    .has = { "'NanoCpus':2000000000", "!4000000000" } },
	/* no-new-privileges: added once, whatever spelling is there */
	{ STRICT, CREATE, HC("'SecurityOpt':['no-new-privileges']"),
	    OK(S_CREATE), .out = "{'Image':'alpine','HostConfig':"
	    "{'SecurityOpt':['no-new-privileges']," S_RES ",'NetworkMode':"
	    "'none'},'Labels':{'dindgate.owner':'strict'}}",
	    .changes = S_RESCHG ", NetworkMode=none (default), "
	    "dindgate.owner label" },
	{ STRICT, CREATE, HC("'SecurityOpt':['no-new-privileges:true']"),
	    OK(S_CREATE), .has = { "'SecurityOpt':['no-new-privileges:true']"
	    } },
	{ STRICT, CREATE, HC("'SecurityOpt':['no-new-privileges=true']"),
	    OK(S_CREATE), .has = { "'SecurityOpt':['no-new-privileges=true']"
	    } },
	{ STRICT, CREATE, HC("'SecurityOpt':[]"), OK(S_CREATE),
	    .has = { "{'SecurityOpt':['no-new-privileges']," } },
	/* cap_drop_all and cap_keep; a read-only root */
	{ OPEN, CREATE, B("{'Image':'x'}"), OK(O_CREATE),
	    .out = "{'Image':'x','HostConfig':{'Memory':1073741824,"
	    "'NetworkMode':'bridge','CapDrop':['ALL'],'CapAdd':['CHOWN',"
	    "'NET_BIND_SERVICE'],'ReadonlyRootfs':true}}", .changes = O_CHG },
	{ OPEN, CREATE, B("{'Image':'x','HostConfig':{'CapDrop':['NET_RAW'],"
	    "'CapAdd':null,'ReadonlyRootfs':false}}"), OK(O_CREATE),
	    .out = "{'Image':'x','HostConfig':{'Memory':1073741824,"
	    "'NetworkMode':'bridge','CapDrop':['ALL'],'CapAdd':['CHOWN',"
	    "'NET_BIND_SERVICE'],'ReadonlyRootfs':true}}", .changes = O_CHG },
	{ OPEN, CREATE, B("{'Image':'x','HostConfig':{'CapDrop':'NET_RAW',"
	    "'CapAdd':[]}}"), OK(O_CREATE), .has = { "'CapDrop':['ALL']",
	    "'CapAdd':['CHOWN','NET_BIND_SERVICE']", "!NET_RAW" } },
	{ OPEN, CREATE, HC("'ReadonlyRootfs':true"), OK(O_CREATE),
	    .has = { "'ReadonlyRootfs':true" },
	    .changes = "Memory=1073741824 (default), NetworkMode=bridge "
	    "(default), CapDrop=ALL" },
	{ OPEN, CREATE, HC("'CapAdd':['CHOWN']"), NO(403, HCR("CapAdd")) },
	/* the owner label wins over the client's */
	{ STRICT, CREATE, B("{'Image':'alpine','Labels':{'dindgate.owner':"
	    "'me','app':'web'}}"), OK(S_CREATE),
	    .has = { "'Labels':{'app':'web','dindgate.owner':'strict'}",
	    "!'me'" } },
	{ STRICT, CREATE, B("{'Image':'alpine','Labels':null}"), OK(S_CREATE),
	    .has = { "'Labels':{'dindgate.owner':'strict'}" } },
	{ STRICT, CREATE, B("{'Image':'alpine','labels':{'a':'b'}}"),
	    OK(S_CREATE), .has = { "'Labels':{'a':'b','dindgate.owner':"
	    "'strict'}", "!'labels'" } },

	/* ---- log_only: the whole policy ---- */
	{ LONLY, CREATE, HC("'Privileged':true"),
	    LOG(HCR("Privileged")), .reason = "HostConfig.Privileged is "
	    "never allowed (policy lonly, rule containers.HostConfig."
	    "Privileged)", .out = "{'Image':'alpine','HostConfig':"
	    "{'Privileged':true,'NetworkMode':'none'}}", .changes = M_CHG },
	{ LONLY, CREATE, HC("'Privileged':true,'NetworkMode':'host'"),
	    LOG(HCR("Privileged")),
	    .has = { "'NetworkMode':'host'", "'Privileged':true" } },
	{ LONLY, CREATE, B("{'Image':'alpine','Foo':1}"),
	    LOG("unknown-field"), .has = { "'Foo':1" } },
	{ LONLY, BUILD("?networkmode=host"), LOG("build.networkmode"),
	    .flags = R_NOOUT },
	/* malformed bodies, versions and routes are never log-only */
	{ LONLY, CREATE, HC("'Privileged':'yes'"), BAD, .flags = R_NOOUT },
	{ LONLY, CREATE, B("{'Image':'a','image':'b'}"), BAD },
	{ LONLY, CREATE_AT("/v1.39"), B("{}"), NO(400, "api-version") },
	{ LONLY, GET("/v1.41/info"), NO(403, "default-deny") },
	{ LONLY, CREATE, B("{'Image':'alpine'}"), OK(LO_CREATE),
	    .out = M_OUT("") },

	/* ---- log_only_rules: those rules only ---- */
	{ LRULE, CREATE, HC("'Privileged':true"), LOG(HCR("Privileged")),
	    .has = { "'Privileged':true" } },
	{ LRULE, CREATE_AT("/v1.40"), HC("'Privileged':true"),
	    LOG(HCR("Privileged")), .has = { "'CgroupnsMode':'private'" } },
	{ LRULE, CREATE, HC("'Privileged':true,'CapAdd':['SYS_ADMIN']"),
	    NO(403, HCR("CapAdd")), .flags = R_NOOUT },
	{ LRULE, CREATE, HC("'CapAdd':['SYS_ADMIN'],'Privileged':true"),
	    NO(403, HCR("CapAdd")) },
	{ LRULE, CREATE, HC("'NetworkMode':'host'"),
	    NO(403, HCR("NetworkMode")) },
	{ LRULE, CREATE, B("{'Image':'alpine','Foo':1}"),
	    LOG("unknown-field") },
	{ LRULE, CREATE, B("{'Image':'alpine','Foo':1,'HostConfig':"
	    "{'Binds':['/:/h']}}"), NO(403, HCR("Binds")) },
	{ LRULE, CREATE, B("{'Image':'alpine','Privileged':true}"),
	    NO(403, "containers.legacy-hostconfig") },
	{ LRULE, BUILD("?networkmode=host"), LOG("build.networkmode") },
	{ LRULE, BUILD("?remote=x"), NO(403, "build.remote") },
	{ LRULE, BUILD("?networkmode=none"), OK(LR_BUILD) },
	{ LRULE, CREATE, B("{'Image':'alpine'}"), OK(LR_CREATE) },
};

static struct policyset *
row_set(struct diag *d)
{
	char	*files[] = {
		"tests/data/bodycheck/strict.json",
		"tests/data/bodycheck/open.json",
		"tests/data/bodycheck/minimal.json",
		"tests/data/bodycheck/lonly.json",
		"tests/data/bodycheck/lrule.json",
		"policy/sandbox.json",
	};

	return policyset_load(files, sizeof(files) / sizeof(files[0]), 40, d);
}

/* Build the facts the way session_decide() does, then decide. */
static void
run_row(const struct policyset *ps, const struct brow *r, size_t idx)
{
	struct peer_id		 peer;
	struct route_target	 t;
	struct facts		 f;
	struct decision		 dec;
	enum decision_verdict	 v;
	const char		*err = NULL, *got;
	char			 buf[512], name[200], *body = NULL, *want;
	bool			 raw = (r->flags & R_RAW) != 0, neg;
	size_t			 i;

	snprintf(name, sizeof(name), "row %zu: %s %s %s %.60s", idx, r->peer,
	    http_method_str(r->method), r->target, r->body ? r->body : "");
	memset(&peer, 0, sizeof(peer));
	peer.cn = (char *)r->peer;
	peer.has_cert = true;
	peer.uid = -1;
	memset(&f, 0, sizeof(f));
	memset(&dec, 0, sizeof(dec));
	if (route_parse_target(r->target, strlen(r->target), buf, &t,
	    &err) == -1) {
		expect_str(name, "target", err, NULL);
		return;
	}
	f.peer = &peer;
	f.method = r->method;
	f.method_name = http_method_str(r->method);
	f.target = &t;
	f.route = route_match(r->method, t.path, t.plen, &f.obj, &f.objlen);
	f.content_type = r->ct == NULL ? "application/json" :
	    r->ct[0] ? r->ct : NULL;
	f.ctlen = f.content_type ? strlen(f.content_type) : 0;
	if (r->flags & R_NEEDBODY)
		f.has_body = true;
	else if (r->body != NULL) {
		body = unquote(r->body, r->blen, raw);
		f.has_body = true;
		f.body = body;
		f.bodylen = r->blen;
	}
	v = policy_eval(ps, &f, &dec);
	expect_int(name, "returned verdict", v, r->verdict);
	expect_int(name, "verdict", dec.verdict, r->verdict);
	expect_int(name, "status", dec.status, r->status);
	expect_str(name, "rule", dec.rule, r->rule);
	if (r->reason != NULL &&
	    strncmp(dec.reason, r->reason, strlen(r->reason)) != 0)
		expect_str(name, "reason", dec.reason, r->reason);
	/* Nothing is forwarded for a refusal. */
	if (r->verdict == DECISION_DENY || (r->flags & R_NOOUT)) {
		expect_str(name, "forwarded body", dec.body, NULL);
		expect_int(name, "forwarded length", (long long)dec.bodylen, 0);
	}
	if (dec.body != NULL)
		expect_int(name, "body length", (long long)strlen(dec.body),
		    (long long)dec.bodylen);
	if (r->out != NULL) {
		want = unquote(r->out, strlen(r->out), raw);
		expect_str(name, "forwarded body", dec.body, want);
		free(want);
	}
	for (i = 0; i < sizeof(r->has) / sizeof(r->has[0]) && r->has[i];
	    i++) {
		neg = r->has[i][0] == '!';
		want = unquote(r->has[i] + neg, strlen(r->has[i] + neg), raw);
		got = dec.body ? strstr(dec.body, want) : NULL;
		if ((got != NULL) == neg) {
			print_error("[%s] forwarded body %s \"%s\":\n%s\n",
			    name, neg ? "has" : "lacks", want,
			    dec.body ? dec.body : "(null)");
			failures++;
		}
		free(want);
	}
	if (r->changes != NULL)
		expect_str(name, "changes", dec.changes, r->changes);
	decision_clear(&dec);
	free(body);
}

static void
test_rows(void **state)
{
	struct diag		 d;
	struct policyset	*ps;
	char			*text;
	size_t			 i;

	diag_init(&d);
	ps = row_set(&d);
	text = diag_text(&d);
	assert_string_equal(text, "");
	free(text);
	assert_non_null(ps);
	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(ps, &rows[i], i);
	policyset_free(ps);
	diag_clear(&d);
	assert_int_equal(failures, 0);
}

/* Nesting deeper than the parser allows is refused, not truncated. */
static void
test_depth(void **state)
{
	struct diag		 d;
	struct policyset	*ps;
	struct peer_id		 peer = { .cn = "minimal",
				    .has_cert = true, .uid = -1 };
	struct route_target	 t;
	struct facts		 f;
	struct decision		 dec;
	const char		*err;
	char			 buf[64], *body;
	size_t			 i, n, depth;

	diag_init(&d);
	ps = row_set(&d);
	assert_non_null(ps);
	assert_int_equal(route_parse_target("/v1.41/containers/create", 24,
	    buf, &t, &err), 0);
	for (depth = 60; depth <= 1000; depth += 470) {
		body = malloc(2 * depth + 32);
		assert_non_null(body);
		n = (size_t)sprintf(body, "{\"Image\":\"a\",\"X\":");
		for (i = 0; i < depth; i++)
			body[n++] = '[';
		for (i = 0; i < depth; i++)
			body[n++] = ']';
		body[n++] = '}';
		memset(&f, 0, sizeof(f));
		memset(&dec, 0, sizeof(dec));
		f.peer = &peer;
		f.method = HTTP_POST;
		f.method_name = "POST";
		f.target = &t;
		f.route = route_match(HTTP_POST, t.path, t.plen, NULL, NULL);
		f.content_type = "application/json";
		f.ctlen = 16;
		f.has_body = true;
		f.body = body;
		f.bodylen = n;
		/* 60 deep is only an unknown field with a value. */
		if (depth == 60) {
			assert_int_equal(policy_eval(ps, &f, &dec),
			    DECISION_DENY);
			assert_string_equal(dec.rule, "unknown-field");
		} else {
			assert_int_equal(policy_eval(ps, &f, &dec),
			    DECISION_DENY);
			assert_int_equal(dec.status, 400);
			assert_string_equal(dec.rule, "malformed");
			assert_non_null(strstr(dec.reason,
			    "nesting deeper than 64"));
		}
		assert_null(dec.body);
		decision_clear(&dec);
		free(body);
	}
	policyset_free(ps);
}

/* ------------------------------------------------------------------ */
/* loading: tests/data/bodycheck/bad-*.json with golden .err files */

static void
test_load_errors(void **state)
{
	const char	*dir = "tests/data/bodycheck";
	char		*names[64];
	size_t		 n;

	n = dir_names(dir, "bad-", ".json", names, 64);
	assert_true(n >= 8);

	failures = 0;
	golden_errors(dir, ".json", names, n, golden_load_policy);
	assert_int_equal(failures, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_load_errors),
	};

	if (enter_top_srcdir("t_bodycheck") == -1)
		return 99;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
