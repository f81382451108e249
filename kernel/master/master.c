/*
 * kernel/master/master.c - the master's start and stop, its MasterInfo,
 * and helpers the other master files share (ids, UUIDs, protobuf copies).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <butte/pbjson.h>

#include "master/master-internal.h"

void
butte_master_uuid(char *text, uint8_t *raw)
{
    uint8_t b[16];
    size_t got = 0;

    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);

        if (n <= 0) {
            /* getrandom only fails before the pool is seeded on ancient
             * kernels; rand() is enough for ids that only need to differ */
            for (; got < sizeof b; got++)
                b[got] = (uint8_t)rand();
            break;
        }
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    if (raw != NULL)
        memcpy(raw, b, sizeof b);
    if (text != NULL)
        snprintf(text, 37,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
}

void *
butte_master_pb_copy(butte_pool_t *pool, const ProtobufCMessage *msg)
{
    butte_pool_t *tmp;
    uint8_t *buf;
    size_t len;
    ProtobufCMessage *out = NULL;

    if (msg == NULL)
        return NULL;
    tmp = butte_pool_create(NULL);
    butte_pb_encode(tmp, msg, &buf, &len);
    /* a message we packed ourselves always unpacks, unless a required
     * field was never set: that is a bug in the caller */
    if (butte_pb_decode(pool, msg->descriptor, buf, len, &out, NULL) != BUTTE_OK)
        abort();
    butte_pool_destroy(tmp);
    return out;
}

const char *
butte_master_id_valid(const char *id)
{
    size_t len = id != NULL ? strlen(id) : 0;

    if (len == 0)
        return "ID must not be empty";
    if (len > 255)
        return "ID must not be longer than 255 characters";
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return "'.' and '..' are disallowed for ID";
    for (const char *p = id; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            return "'/' and '\\' are disallowed for ID";
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "control characters are disallowed for ID";
    }
    return NULL;
}

bool
butte_master_state_terminal(Mesos__V1__TaskState s)
{
    switch (s) {
    case MESOS__V1__TASK_STATE__TASK_FINISHED:
    case MESOS__V1__TASK_STATE__TASK_FAILED:
    case MESOS__V1__TASK_STATE__TASK_KILLED:
    case MESOS__V1__TASK_STATE__TASK_ERROR:
    case MESOS__V1__TASK_STATE__TASK_LOST:
    case MESOS__V1__TASK_STATE__TASK_DROPPED:
    case MESOS__V1__TASK_STATE__TASK_GONE:
    case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR:
        return true;
    default:
        return false;
    }
}

/* The address others reach us at: --advertise_ip, else the bound IP, else
 * (bound to the wildcard) the first IPv4 address of our hostname, as
 * libprocess does; 127.0.0.1 as the last resort. */
static char *
pick_ip(butte_master_t *m, const char *bound)
{
    const char *adv = butte_flags_str(m->flags, "advertise_ip");
    char host[256];
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
    char buf[INET_ADDRSTRLEN] = "127.0.0.1";

    if (adv != NULL && *adv != '\0')
        return butte_pool_strdup(m->pool, adv);
    if (strcmp(bound, "0.0.0.0") != 0 && strcmp(bound, "::") != 0)
        return butte_pool_strdup(m->pool, bound);
    if (gethostname(host, sizeof host) == 0 && getaddrinfo(host, NULL, &hints, &res) == 0) {
        for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;

            inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
            break;
        }
        freeaddrinfo(res);
    }
    return butte_pool_strdup(m->pool, buf);
}

static char *
pick_hostname(butte_master_t *m)
{
    const char *h = butte_flags_str(m->flags, "hostname");
    char host[256];

    if (h != NULL && *h != '\0')
        return butte_pool_strdup(m->pool, h);
    if (butte_flags_bool(m->flags, "hostname_lookup") && gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        return butte_pool_strdup(m->pool, host);
    }
    return m->ip;
}

static void
fill_info(butte_master_t *m)
{
    Mesos__V1__MasterInfo *mi = &m->info;
    Mesos__V1__Address *addr = butte_pool_alloc(m->pool, sizeof *addr);
    struct in_addr in;
    static const Mesos__V1__MasterInfo__Capability__Type caps[] = {
        MESOS__V1__MASTER_INFO__CAPABILITY__TYPE__AGENT_UPDATE,
    };

    mesos__v1__master_info__init(mi);
    mi->id = m->id;
    /* §H: the IPv4 address in network byte order, stored in a uint32 as
     * is (so it reads "byte-swapped" on little-endian hosts) */
    mi->ip = inet_pton(AF_INET, m->ip, &in) == 1 ? in.s_addr : 0;
    mi->port = m->port;
    mi->pid = m->pid;
    mi->hostname = m->hostname;
    mi->version = (char *)"1.12.0";
    mesos__v1__address__init(addr);
    addr->hostname = m->hostname;
    addr->ip = m->ip;
    addr->port = m->port;
    mi->address = addr;
    mi->n_capabilities = sizeof caps / sizeof caps[0];
    mi->capabilities = butte_pool_alloc(m->pool, mi->n_capabilities * sizeof *mi->capabilities);
    for (size_t i = 0; i < mi->n_capabilities; i++) {
        Mesos__V1__MasterInfo__Capability *c = butte_pool_alloc(m->pool, sizeof *c);

        mesos__v1__master_info__capability__init(c);
        c->has_type = true;
        c->type = caps[i];
        mi->capabilities[i] = c;
    }
}

static void
route_both(butte_master_t *m, const char *path, butte_http_handler_fn fn)
{
    butte_http_route(m->http, path, BUTTE_HTTP_POST, false, fn, m);
    butte_http_route(m->http, butte_pool_printf(m->pool, "/master%s", path), BUTTE_HTTP_POST,
                     false, fn, m);
}

int
butte_master_start(butte_role_t *role, void *arg, butte_err_t *err)
{
    butte_master_t *m = butte_pool_alloc(butte_role_pool(role), sizeof *m);
    const char *bound;
    const char *colon;
    const char *adv_port;

    m->role = role;
    m->pool = butte_role_pool(role);
    m->loop = butte_role_loop(role);
    m->log = butte_role_log(role);
    m->http = butte_role_http(role);
    m->flags = butte_role_flags(role);
    butte_strmap_init(&m->fw_by_id, m->pool);
    butte_strmap_init(&m->agent_by_id, m->pool);
    butte_strmap_init(&m->offer_by_id, m->pool);
    butte_strmap_init(&m->gone_by_id, m->pool);
    butte_strmap_init(&m->shapes, m->pool);
    *(butte_master_t **)arg = m;

    butte_master_uuid(m->id, NULL);
    bound = butte_http_address(m->http);
    colon = strrchr(bound, ':');
    m->port = butte_http_port(m->http);
    adv_port = butte_flags_str(m->flags, "advertise_port");
    if (adv_port != NULL && *adv_port != '\0')
        m->port = (uint16_t)atoi(adv_port);
    m->ip = pick_ip(m, colon != NULL ? butte_pool_strndup(m->pool, bound, (size_t)(colon - bound))
                                     : "0.0.0.0");
    m->hostname = pick_hostname(m);
    m->address = butte_pool_printf(m->pool, "%s:%u", m->ip, (unsigned)m->port);
    m->pid = butte_pool_printf(m->pool, "master@%s", m->address);
    fill_info(m);

    m->start_time = butte_loop_now(m->loop);
    m->elected_time = m->start_time; /* without --zk this master leads at once */
    m->heartbeat_interval = butte_flags_double(m->flags, "heartbeat_interval");
    if (m->heartbeat_interval <= 0)
        m->heartbeat_interval = 15;
    m->offer_timeout = butte_flags_is_set(m->flags, "offer_timeout")
                           ? butte_flags_double(m->flags, "offer_timeout")
                           : 0;
    m->ping_timeout = butte_flags_double(m->flags, "agent_ping_timeout");
    if (m->ping_timeout <= 0)
        m->ping_timeout = 15;
    m->max_ping_timeouts = butte_flags_int(m->flags, "max_agent_ping_timeouts");
    if (m->max_ping_timeouts < 1)
        m->max_ping_timeouts = 1;

    if (butte_master_allocator_start(m, err) != BUTTE_OK)
        return err != NULL ? err->code : BUTTE_EINVAL;

    route_both(m, "/api/v1/scheduler", butte_master_scheduler_route);
    butte_http_route(m->http, "/master/link", BUTTE_HTTP_POST, false, butte_master_link_route, m);
    butte_master_routes_state(m);
    butte_master_routes_metrics(m);

    {
        const char *registry = butte_flags_str(m->flags, "registry");

        /* Accepted so Mesos command lines start, but nothing is persisted
         * yet: say so rather than let an operator believe it is. */
        if (registry != NULL && strcmp(registry, "replicated_log") == 0)
            butte_log(m->log, BUTTE_LOG_WARNING,
                      "--registry=replicated_log is not implemented yet: the registry is "
                      "kept in memory, so agents re-register after a master restart");
    }
    butte_log(m->log, BUTTE_LOG_INFO, "master %s (%s) started on %s", m->id, m->hostname,
              m->address);
    return BUTTE_OK;
}

void
butte_master_stop(butte_role_t *role, void *arg)
{
    butte_master_t *m = *(butte_master_t **)arg;

    (void)role;
    if (m == NULL)
        return;
    m->stopping = true;
    /* streams and links die with the HTTP server and the pools; stop the
     * timers first so none fires into freed memory */
    for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next) {
        butte_timer_stop(fw->heartbeat);
        butte_timer_stop(fw->failover);
        fw->heartbeat = fw->failover = NULL;
        fw->stream = NULL;
    }
    for (butte_moffer_t *o = m->offers; o != NULL; o = o->next) {
        butte_timer_stop(o->timeout);
        o->timeout = NULL;
    }
    butte_timer_stop(m->trim);
    m->trim = NULL;
    butte_master_agents_stop(m);
}
