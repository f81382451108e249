/*
 * kernel/master/scheduler-api.c - POST /api/v1/scheduler (and
 * /master/api/v1/scheduler): the HTTP checks of §0.1 and §A.2-A.4 in
 * Mesos' order, then SUBSCRIBE (frameworks.c) or a call (calls.c).
 *
 * Every answer other than SUBSCRIBE's stream is exactly 202 with an empty
 * body, or 4xx/5xx with a short plain-text reason.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <butte/pbjson.h>

#include "master/master-internal.h"

/* The payload a call type needs, by field name, or NULL when none. */
static const char *
missing_payload(const Mesos__V1__Scheduler__Call *c)
{
    switch (c->type) {
    case MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE:
        return c->subscribe == NULL ? "subscribe" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT:
        return c->accept == NULL ? "accept" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE:
        return c->decline == NULL ? "decline" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT_INVERSE_OFFERS:
        return c->accept_inverse_offers == NULL ? "accept_inverse_offers" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS:
        return c->decline_inverse_offers == NULL ? "decline_inverse_offers" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__KILL:
        return c->kill == NULL ? "kill" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__SHUTDOWN:
        return c->shutdown == NULL ? "shutdown" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE:
        return c->acknowledge == NULL ? "acknowledge" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE_OPERATION_STATUS:
        return c->acknowledge_operation_status == NULL ? "acknowledge_operation_status" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE:
        return c->reconcile == NULL ? "reconcile" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE_OPERATIONS:
        return c->reconcile_operations == NULL ? "reconcile_operations" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__MESSAGE:
        return c->message == NULL ? "message" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__REQUEST:
        return c->request == NULL ? "request" : NULL;
    case MESOS__V1__SCHEDULER__CALL__TYPE__UPDATE_FRAMEWORK:
        return c->update_framework == NULL ? "update_framework" : NULL;
    default:
        return NULL; /* TEARDOWN, REVIVE and SUPPRESS may come without one */
    }
}

static void
bad(butte_master_t *m, butte_http_req_t *req, int status, const char *reason)
{
    m->stats.invalid_calls++;
    butte_http_reply(req, status, "text/plain; charset=utf-8", reason, strlen(reason));
}

void
butte_master_scheduler_route(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    const char *ctype = butte_http_req_header(req, "Content-Type");
    const char *accept = butte_http_req_header(req, "Accept");
    const char *sid = butte_http_req_header(req, "Mesos-Stream-Id");
    const char *body;
    size_t len;
    bool json;
    ProtobufCMessage *msg = NULL;
    Mesos__V1__Scheduler__Call *call;
    butte_err_t err;
    butte_mfw_t *fw;
    const char *payload;
    int status;

    /* §0.1: compared byte for byte, no parameters, no case folding */
    if (ctype == NULL)
        return bad(m, req, 400, "Expecting 'Content-Type' to be present");
    if (strcmp(ctype, "application/json") == 0)
        json = true;
    else if (strcmp(ctype, "application/x-protobuf") == 0)
        json = false;
    else
        return bad(m, req, 415,
                   butte_pool_printf(tmp,
                                     "Expecting 'Content-Type' of application/json or "
                                     "application/x-protobuf; got '%s'",
                                     ctype));

    body = butte_http_req_body(req, &len);
    if (json) {
        /* Mesos ignores JSON keys it does not know: not STRICT */
        if (butte_pbjson_decode(tmp, &mesos__v1__scheduler__call__descriptor, body, len, 0, &msg,
                                &err) != BUTTE_OK)
            return bad(m, req, 400,
                       butte_pool_printf(tmp, "Failed to convert JSON into Call protobuf: %s",
                                         err.msg));
    } else if (butte_pb_decode(tmp, &mesos__v1__scheduler__call__descriptor, body, len, &msg,
                               &err) != BUTTE_OK) {
        return bad(m, req, 400,
                   butte_pool_printf(tmp, "Failed to parse body into Call protobuf: %s", err.msg));
    }
    call = (Mesos__V1__Scheduler__Call *)msg;

    if (!call->has_type)
        return bad(m, req, 400, "Expecting 'type' to be present");
    if (call->type == MESOS__V1__SCHEDULER__CALL__TYPE__UNKNOWN)
        return bad(m, req, 501, "Received an unknown call type");
    payload = missing_payload(call);
    if (payload != NULL)
        return bad(m, req, 400,
                   butte_pool_printf(tmp, "Expecting '%s' to be present", payload));

    if (call->type == MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE) {
        const Mesos__V1__FrameworkInfo *info = call->subscribe->framework_info;
        bool out_json;

        if (call->framework_id != NULL &&
            (info->id == NULL || strcmp(info->id->value, call->framework_id->value) != 0))
            return bad(m, req, 400,
                       "'framework_id' differs from 'subscribe.framework_info.id'");
        if (call->framework_id == NULL && info->id != NULL)
            return bad(m, req, 400,
                       "'framework_id' differs from 'subscribe.framework_info.id'");
        if (sid != NULL)
            return bad(m, req, 400,
                       "Subscribe calls should not include the 'Mesos-Stream-Id' header");
        if (butte_http_accepts(accept, "application/json"))
            out_json = true;
        else if (butte_http_accepts(accept, "application/x-protobuf"))
            out_json = false;
        else
            return bad(m, req, 406,
                       "Expecting 'Accept' to allow application/json or "
                       "application/x-protobuf");
        m->stats.valid_calls++;
        butte_master_subscribe(m, req, call->subscribe, out_json);
        return;
    }

    if (call->framework_id == NULL)
        return bad(m, req, 400, "Expecting 'framework_id' to be present");
    fw = butte_master_framework(m, call->framework_id->value);
    if (fw == NULL)
        return bad(m, req, 400, "Framework cannot be found");
    if (fw->stream == NULL)
        return bad(m, req, 403, "Framework is not subscribed");
    if (sid == NULL)
        return bad(m, req, 400,
                   "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (strcmp(sid, fw->stream_id) != 0)
        return bad(m, req, 400,
                   butte_pool_printf(tmp,
                                     "The stream ID '%s' included in this request didn't match "
                                     "the stream ID currently associated with framework ID %s",
                                     sid, fw->id));

    butte_err_clear(&err);
    status = butte_master_call(fw, call, tmp, &err);
    if (status == 202 || status == 200) {
        m->stats.valid_calls++;
        butte_http_reply(req, status, NULL, "", 0);
    } else {
        bad(m, req, status, err.msg);
    }
}
