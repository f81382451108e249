/*
 * tests/unit/pbjson.c - JSON <-> protobuf as Mesos clients send and expect
 * it: scheduler calls from Python/Go clients, events, the mapping's corner
 * cases (enums, bytes, numbers in strings, maps, defaults) and the binary
 * form.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <butte/error.h>
#include <butte/pbjson.h>
#include <butte/pool.h>
#include <butte/recordio.h>

#include "butte/internal.pb-c.h"
#include "mesos/v1/executor.pb-c.h"
#include "mesos/v1/master.pb-c.h"
#include "mesos/v1/scheduler.pb-c.h"

#define CALL_DESC (&mesos__v1__scheduler__call__descriptor)

static butte_pool_t *pool;

static void
setup(void)
{
    pool = butte_pool_create(NULL);
}

static void
teardown(void)
{
    butte_pool_destroy(pool);
}

/* Decode text as desc, failing the test with the error on failure. */
static void *
decode(const ProtobufCMessageDescriptor *desc, const char *text, unsigned flags)
{
    ProtobufCMessage *msg = NULL;
    butte_err_t err = { 0 };
    int rc = butte_pbjson_decode(pool, desc, text, strlen(text), flags, &msg, &err);

    ck_assert_msg(rc == 0, "decode failed: %s", err.msg);
    ck_assert_ptr_nonnull(msg);
    return msg;
}

/* Decode text as desc, expect failure with want in the message. */
static void
decode_fails(const ProtobufCMessageDescriptor *desc, const char *text, unsigned flags,
             const char *want)
{
    ProtobufCMessage *msg = NULL;
    butte_err_t err = { 0 };
    int rc = butte_pbjson_decode(pool, desc, text, strlen(text), flags, &msg, &err);

    ck_assert_int_eq(rc, BUTTE_EINVAL);
    ck_assert_ptr_null(msg);
    ck_assert_msg(strstr(err.msg, want) != NULL, "\"%s\" lacks \"%s\"", err.msg, want);
}

static const char *
encode(const void *msg, unsigned flags)
{
    return butte_pbjson_encode_string(pool, msg, flags, NULL);
}

/* Encoding, decoding the result and encoding again gives the same text. */
static void
assert_json_round_trip(const ProtobufCMessage *msg)
{
    const char *once = encode(msg, 0);
    const char *twice = encode(decode(msg->descriptor, once, BUTTE_PBJSON_STRICT), 0);

    ck_assert_str_eq(once, twice);
}

/* As a Python client (mesos-http, pymesos) sends it. */
static const char subscribe_json[] =
    "{\"type\": \"SUBSCRIBE\", \"subscribe\": {\"framework_info\": {"
    "\"user\": \"root\", \"name\": \"pyfw\", \"roles\": [\"web\", \"batch\"],"
    " \"capabilities\": [{\"type\": \"MULTI_ROLE\"}, {\"type\": \"PARTITION_AWARE\"}],"
    " \"failover_timeout\": 604800.0, \"hostname\": \"h1\","
    " \"labels\": {\"labels\": [{\"key\": \"team\", \"value\": \"infra\"}]}}}}";

START_TEST(subscribe_from_python_client)
{
    Mesos__V1__Scheduler__Call *call = decode(CALL_DESC, subscribe_json, BUTTE_PBJSON_STRICT);
    Mesos__V1__FrameworkInfo *fi;

    ck_assert(call->has_type);
    ck_assert_int_eq(call->type, MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
    ck_assert_ptr_null(call->framework_id);
    ck_assert_ptr_nonnull(call->subscribe);
    fi = call->subscribe->framework_info;
    ck_assert_str_eq(fi->user, "root");
    ck_assert_str_eq(fi->name, "pyfw");
    ck_assert_uint_eq(fi->n_roles, 2);
    ck_assert_str_eq(fi->roles[1], "batch");
    ck_assert_uint_eq(fi->n_capabilities, 2);
    ck_assert_int_eq(fi->capabilities[0]->type, MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE);
    ck_assert(fi->has_failover_timeout);
    ck_assert(fi->failover_timeout == 604800.0);
    ck_assert(!fi->has_checkpoint);
    ck_assert_str_eq(fi->labels->labels[0]->value, "infra");
    /* Unset deprecated role keeps protobuf-c's default, "*". */
    ck_assert_str_eq(fi->role, "*");

    /* Field-number order; checkpoint's default written, role's not. */
    ck_assert_str_eq(encode(call, 0),
        "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{"
        "\"user\":\"root\",\"name\":\"pyfw\",\"failover_timeout\":604800.0,"
        "\"checkpoint\":false,\"hostname\":\"h1\","
        "\"capabilities\":[{\"type\":\"MULTI_ROLE\"},{\"type\":\"PARTITION_AWARE\"}],"
        "\"labels\":{\"labels\":[{\"key\":\"team\",\"value\":\"infra\"}]},"
        "\"roles\":[\"web\",\"batch\"]}}}");
    assert_json_round_trip(&call->base);
}
END_TEST

/* As a Go client may send it: integers for doubles, numbers in strings,
 * explicit nulls, a framework_id on re-subscription. */
START_TEST(subscribe_from_go_client)
{
    Mesos__V1__Scheduler__Call *call = decode(CALL_DESC,
        "{\"framework_id\":{\"value\":\"abc-0001\"},\"type\":\"SUBSCRIBE\","
        "\"subscribe\":{\"framework_info\":{\"user\":\"u\",\"name\":\"n\","
        "\"id\":{\"value\":\"abc-0001\"},\"failover_timeout\":3600,"
        "\"checkpoint\":\"true\",\"principal\":null,\"role\":\"dev\"},"
        "\"suppressed_roles\":[]}}", BUTTE_PBJSON_STRICT);
    Mesos__V1__FrameworkInfo *fi = call->subscribe->framework_info;

    ck_assert_str_eq(call->framework_id->value, "abc-0001");
    ck_assert(fi->failover_timeout == 3600.0);
    ck_assert(fi->has_checkpoint && fi->checkpoint);
    ck_assert_ptr_null(fi->principal);
    ck_assert_str_eq(fi->role, "dev");
    ck_assert_uint_eq(call->subscribe->n_suppressed_roles, 0);
    /* A role that was set is written, deprecated or not. */
    ck_assert_ptr_nonnull(strstr(encode(call, 0), "\"role\":\"dev\""));
}
END_TEST

static const char accept_json[] =
    "{\"framework_id\":{\"value\":\"fw-0001\"},\"type\":\"ACCEPT\",\"accept\":{"
    "\"offer_ids\":[{\"value\":\"m-O1\"}],"
    "\"operations\":[{\"type\":\"LAUNCH\",\"launch\":{\"task_infos\":[{"
    "\"name\":\"web-1\",\"task_id\":{\"value\":\"web-1\"},\"agent_id\":{\"value\":\"m-S0\"},"
    "\"resources\":["
    "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5},"
    "\"allocation_info\":{\"role\":\"web\"}},"
    "{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":["
    "{\"begin\":31000,\"end\":31001},{\"begin\":31005,\"end\":31005}]}}],"
    "\"command\":{\"value\":\"python3 -m http.server $PORT0\","
    "\"environment\":{\"variables\":[{\"name\":\"MODE\",\"value\":\"prod\"}]}},"
    "\"limits\":{\"cpus\":\"Infinity\",\"mem\":512}}]}}],"
    "\"filters\":{\"refuse_seconds\":\"5\"}}}";

START_TEST(accept_with_launch)
{
    Mesos__V1__Scheduler__Call *call = decode(CALL_DESC, accept_json, BUTTE_PBJSON_STRICT);
    Mesos__V1__Offer__Operation *op;
    Mesos__V1__TaskInfo *task;
    Mesos__V1__Value__Ranges *ports;
    const char *out;

    ck_assert_int_eq(call->type, MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
    ck_assert_uint_eq(call->accept->n_offer_ids, 1);
    ck_assert_str_eq(call->accept->offer_ids[0]->value, "m-O1");
    ck_assert_uint_eq(call->accept->n_operations, 1);
    op = call->accept->operations[0];
    ck_assert_int_eq(op->type, MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH);
    task = op->launch->task_infos[0];
    ck_assert_str_eq(task->agent_id->value, "m-S0");
    ck_assert_uint_eq(task->n_resources, 2);
    ck_assert_int_eq(task->resources[0]->type, MESOS__V1__VALUE__TYPE__SCALAR);
    ck_assert(task->resources[0]->scalar->value == 0.5);
    ck_assert_str_eq(task->resources[0]->allocation_info->role, "web");
    ports = task->resources[1]->ranges;
    ck_assert_int_eq(task->resources[1]->type, MESOS__V1__VALUE__TYPE__RANGES);
    ck_assert_uint_eq(ports->n_range, 2);
    ck_assert_uint_eq(ports->range[0]->begin, 31000);
    ck_assert_uint_eq(ports->range[1]->end, 31005);
    ck_assert(!task->command->has_shell);
    ck_assert(task->command->shell); /* protobuf-c's default */
    ck_assert_str_eq(task->command->environment->variables[0]->value, "prod");
    /* "Infinity" and a bare number for a map<string, Value.Scalar>. */
    ck_assert_uint_eq(task->n_limits, 2);
    ck_assert_str_eq(task->limits[0]->key, "cpus");
    ck_assert(isinf(task->limits[0]->value->value) && task->limits[0]->value->value > 0);
    ck_assert_str_eq(task->limits[1]->key, "mem");
    ck_assert(task->limits[1]->value->value == 512.0);
    ck_assert(call->accept->filters->has_refuse_seconds);
    ck_assert(call->accept->filters->refuse_seconds == 5.0);

    out = encode(call, 0);
    /* Defaults of unset fields written, deprecated Resource.role not. */
    ck_assert_ptr_nonnull(strstr(out, "\"shell\":true"));
    ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"MODE\",\"value\":\"prod\",\"type\":\"VALUE\"}"));
    ck_assert_ptr_null(strstr(out, "\"role\":\"*\""));
    ck_assert_ptr_nonnull(strstr(out, "\"limits\":{\"cpus\":{\"value\":\"Infinity\"},"
                                      "\"mem\":{\"value\":512.0}}"));
    ck_assert_ptr_nonnull(strstr(out, "\"scalar\":{\"value\":0.5}"));
    ck_assert_ptr_nonnull(strstr(out, "\"filters\":{\"refuse_seconds\":5.0}"));
    assert_json_round_trip(&call->base);
}
END_TEST

START_TEST(heartbeat_event)
{
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    size_t len;
    const char *json;
    char *record;

    ev.has_type = 1;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT;
    json = butte_pbjson_encode_string(pool, &ev.base, 0, &len);
    ck_assert_str_eq(json, "{\"type\":\"HEARTBEAT\"}");
    ck_assert_uint_eq(len, 20);
    record = butte_recordio_encode(pool, json, len, &len);
    ck_assert_uint_eq(len, 23);
    ck_assert(memcmp(record, "20\n{\"type\":\"HEARTBEAT\"}", 23) == 0);
}
END_TEST

START_TEST(enums)
{
    Mesos__V1__Scheduler__Event *ev;
    Mesos__V1__FrameworkInfo *fi;

    decode_fails(&mesos__v1__scheduler__event__descriptor, "{\"type\":8}", 0,
                 "field \"type\": expected an enum name string");
    /* Unknown name: dropped in an optional field ... */
    ev = decode(&mesos__v1__scheduler__event__descriptor, "{\"type\":\"FROM_THE_FUTURE\"}", 0);
    ck_assert(!ev->has_type);
    ck_assert_str_eq(encode(ev, 0), "{}");
    /* ... and in a message of a repeated field (the element stays) ... */
    fi = decode(&mesos__v1__framework_info__descriptor,
                "{\"user\":\"u\",\"name\":\"n\",\"capabilities\":[{\"type\":\"NEW\"},"
                "{\"type\":\"GPU_RESOURCES\"}]}", 0);
    ck_assert_uint_eq(fi->n_capabilities, 2);
    ck_assert(!fi->capabilities[0]->has_type);
    ck_assert(fi->capabilities[1]->has_type);
    /* ... an error in a required one. */
    decode_fails(&mesos__v1__resource__descriptor, "{\"name\":\"cpus\",\"type\":\"FLOAT\"}", 0,
                 "field \"type\": \"FLOAT\" is not a mesos.v1.Value.Type value");
}
END_TEST

START_TEST(bytes_uuid_base64)
{
    static const uint8_t raw[16] = { 0x00, 0xff, 0x10, 0x20, 0xfe, 0x3e, 0x3f, 0x80,
                                     0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xfb };
    Mesos__V1__Scheduler__Call__Acknowledge ack = MESOS__V1__SCHEDULER__CALL__ACKNOWLEDGE__INIT;
    Mesos__V1__AgentID agent = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__TaskID task = MESOS__V1__TASK_ID__INIT;
    Mesos__V1__Scheduler__Call__Acknowledge *back;
    const char *json, *b64;

    agent.value = "S1";
    task.value = "t1";
    ack.agent_id = &agent;
    ack.task_id = &task;
    ack.uuid.data = (uint8_t *)raw;
    ack.uuid.len = sizeof raw;
    json = encode(&ack, 0);
    b64 = strstr(json, "\"uuid\":\"");
    ck_assert_ptr_nonnull(b64);
    b64 += 8;
    ck_assert_uint_eq(strchr(b64, '"') - b64, 24);
    ck_assert(strncmp(b64, "AP8QIP4+P4ABAgMEBQYH+w==", 24) == 0);
    back = decode(&mesos__v1__scheduler__call__acknowledge__descriptor, json, BUTTE_PBJSON_STRICT);
    ck_assert_uint_eq(back->uuid.len, 16);
    ck_assert(memcmp(back->uuid.data, raw, 16) == 0);

    decode_fails(&mesos__v1__scheduler__call__acknowledge__descriptor,
                 "{\"agent_id\":{\"value\":\"S\"},\"task_id\":{\"value\":\"t\"},\"uuid\":\"AP8Q*\"}",
                 0, "field \"uuid\": invalid base64");
    decode_fails(&mesos__v1__scheduler__call__acknowledge__descriptor,
                 "{\"agent_id\":{\"value\":\"S\"},\"task_id\":{\"value\":\"t\"},\"uuid\":16}",
                 0, "field \"uuid\": expected a base64 string");
}
END_TEST

START_TEST(numbers_in_strings_and_infinity)
{
    Mesos__V1__Filters *f = decode(&mesos__v1__filters__descriptor, "{\"refuse_seconds\":\"5\"}", 0);
    Mesos__V1__Value__Scalar *s;
    Mesos__V1__Address *a;

    ck_assert(f->refuse_seconds == 5.0);
    s = decode(&mesos__v1__value__scalar__descriptor, "{\"value\":\"-Infinity\"}", 0);
    ck_assert(isinf(s->value) && s->value < 0);
    ck_assert_str_eq(encode(s, 0), "{\"value\":\"-Infinity\"}");
    a = decode(&mesos__v1__address__descriptor, "{\"port\":\"5050\",\"ip\":\"10.0.0.1\"}", 0);
    ck_assert_int_eq(a->port, 5050);
    a = decode(&mesos__v1__address__descriptor, "{\"port\":5051.0}", 0);
    ck_assert_int_eq(a->port, 5051);
    decode_fails(&mesos__v1__address__descriptor, "{\"port\":4294967296}", 0,
                 "field \"port\": 4294967296 is out of range for int32");
    decode_fails(&mesos__v1__address__descriptor, "{\"port\":\"50x\"}", 0,
                 "field \"port\": \"50x\" is not a valid int32");
    decode_fails(&mesos__v1__address__descriptor, "{\"port\":1.5}", 0,
                 "field \"port\": 1.5 is not a valid int32");
    decode_fails(&mesos__v1__address__descriptor, "{\"port\":true}", 0,
                 "field \"port\": expected an integer (int32)");
    decode_fails(&mesos__v1__value__range__descriptor, "{\"begin\":\"-1\",\"end\":2}", 0,
                 "field \"begin\": \"-1\" is not a valid uint64");
    decode_fails(&mesos__v1__filters__descriptor, "{\"refuse_seconds\":\"soon\"}", 0,
                 "field \"refuse_seconds\": \"soon\" is not a valid number");
    decode_fails(&mesos__v1__framework_info__descriptor,
                 "{\"user\":\"u\",\"name\":\"n\",\"checkpoint\":1}", 0,
                 "field \"checkpoint\": expected a boolean");
}
END_TEST

START_TEST(int64_and_uint64_extremes)
{
    Mesos__V1__TimeInfo *t = decode(&mesos__v1__time_info__descriptor,
                                    "{\"nanoseconds\":9007199254740993}", 0);
    Mesos__V1__Value__Range *r;

    /* 2^53 + 1: not representable in a double, so not passed through one. */
    ck_assert_int_eq(t->nanoseconds, 9007199254740993LL);
    ck_assert_str_eq(encode(t, 0), "{\"nanoseconds\":9007199254740993}");
    t = decode(&mesos__v1__time_info__descriptor, "{\"nanoseconds\":\"-9223372036854775808\"}", 0);
    ck_assert(t->nanoseconds == INT64_MIN);
    ck_assert_str_eq(encode(t, 0), "{\"nanoseconds\":-9223372036854775808}");
    r = decode(&mesos__v1__value__range__descriptor,
               "{\"begin\":0,\"end\":\"18446744073709551615\"}", 0);
    ck_assert(r->end == UINT64_MAX);
    ck_assert_str_eq(encode(r, 0), "{\"begin\":0,\"end\":\"18446744073709551615\"}");
}
END_TEST

START_TEST(map_fields_as_objects)
{
    Mesos__V1__FrameworkInfo *fi = decode(&mesos__v1__framework_info__descriptor,
        "{\"user\":\"u\",\"name\":\"n\",\"offer_filters\":{\"web\":{"
        "\"min_allocatable_resources\":{\"quantities\":[{\"quantities\":"
        "{\"cpus\":{\"value\":1.0},\"mem\":{\"value\":64}}}]}},\"batch\":{}}}", BUTTE_PBJSON_STRICT);
    Mesos__V1__OfferFilters__ResourceQuantities *q;
    Mesos__V1__TaskInfo *task;

    ck_assert_uint_eq(fi->n_offer_filters, 2);
    ck_assert_str_eq(fi->offer_filters[0]->key, "web");
    ck_assert_str_eq(fi->offer_filters[1]->key, "batch");
    q = fi->offer_filters[0]->value->min_allocatable_resources->quantities[0];
    ck_assert_uint_eq(q->n_quantities, 2);
    ck_assert_str_eq(q->quantities[1]->key, "mem");
    ck_assert(q->quantities[1]->value->value == 64.0);
    ck_assert_ptr_nonnull(strstr(encode(fi, 0),
        "\"offer_filters\":{\"web\":{\"min_allocatable_resources\":{\"quantities\":"
        "[{\"quantities\":{\"cpus\":{\"value\":1.0},\"mem\":{\"value\":64.0}}}]}},"
        "\"batch\":{}}"));
    assert_json_round_trip(&fi->base);

    /* The wire form (an array of entries) is accepted too. */
    task = decode(&mesos__v1__task_info__descriptor,
                  "{\"name\":\"t\",\"task_id\":{\"value\":\"t\"},\"agent_id\":{\"value\":\"a\"},"
                  "\"limits\":[{\"key\":\"mem\",\"value\":{\"value\":128}}]}", 0);
    ck_assert_uint_eq(task->n_limits, 1);
    ck_assert(task->limits[0]->value->value == 128.0);
    decode_fails(&mesos__v1__task_info__descriptor,
                 "{\"name\":\"t\",\"task_id\":{\"value\":\"t\"},\"agent_id\":{\"value\":\"a\"},"
                 "\"limits\":{\"cpus\":true}}", 0, "field \"limits.cpus\": expected an object");
}
END_TEST

START_TEST(missing_required_fields)
{
    decode_fails(CALL_DESC,
                 "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"name\":\"n\"}}}", 0,
                 "missing required field \"subscribe.framework_info.user\"");
    decode_fails(CALL_DESC,
                 "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"user\":null,"
                 "\"name\":\"n\"}}}", 0,
                 "missing required field \"subscribe.framework_info.user\"");
    decode_fails(CALL_DESC,
                 "{\"type\":\"ACCEPT\",\"accept\":{\"operations\":[{\"type\":\"LAUNCH\","
                 "\"launch\":{\"task_infos\":[{\"name\":\"t\",\"agent_id\":{\"value\":\"a\"}}]}}]}}",
                 0, "missing required field \"accept.operations[0].launch.task_infos[0].task_id\"");
    decode_fails(&mesos__v1__executor__call__descriptor, "{\"type\":\"HEARTBEAT\"}", 0,
                 "missing required field \"executor_id\"");
}
END_TEST

START_TEST(unknown_fields)
{
    static const char text[] =
        "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"foo\":{\"bar\":1},"
        "\"framework_info\":{\"user\":\"u\",\"name\":\"n\"}},\"bogus\":[]}";
    Mesos__V1__Scheduler__Call *call = decode(CALL_DESC, text, 0);

    ck_assert_str_eq(call->subscribe->framework_info->user, "u");
    decode_fails(CALL_DESC, text, BUTTE_PBJSON_STRICT, "unknown field \"subscribe.foo\"");
    /* §H: "role" is not a Revive field: ignored, so all roles revive. */
    call = decode(CALL_DESC, "{\"type\":\"REVIVE\",\"revive\":{\"role\":\"web\"}}", 0);
    ck_assert_uint_eq(call->revive->n_roles, 0);
}
END_TEST

START_TEST(type_errors_and_bad_json)
{
    decode_fails(CALL_DESC, "{\"type\":\"ACCEPT\",\"accept\":{\"offer_ids\":{\"value\":\"o\"}}}",
                 0, "field \"accept.offer_ids\": expected an array");
    decode_fails(CALL_DESC, "{\"framework_id\":\"fw\"}", 0,
                 "field \"framework_id\": expected an object");
    decode_fails(CALL_DESC, "{\"framework_id\":{\"value\":7}}", 0,
                 "field \"framework_id.value\": expected a string");
    decode_fails(CALL_DESC, "{\"type\":\"ACCEPT\",\"accept\":{\"offer_ids\":[null]}}", 0,
                 "field \"accept.offer_ids[0]\": null is not allowed");
    decode_fails(CALL_DESC, "[]", 0, "expected an object");
    decode_fails(CALL_DESC, "{\"type\":", 0, "invalid JSON at line 1");
    decode_fails(CALL_DESC, "{\"framework_id\":{\"value\":\"a\\u0000b\"}}", 0, "invalid JSON");
}
END_TEST

START_TEST(defaults_written)
{
    Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;
    Mesos__V1__HealthCheck hc = MESOS__V1__HEALTH_CHECK__INIT;
    Mesos__V1__Resource res = MESOS__V1__RESOURCE__INIT;

    ck_assert_str_eq(encode(&filters, 0), "{\"refuse_seconds\":5.0}");
    ck_assert_str_eq(encode(&filters, BUTTE_PBJSON_NO_DEFAULTS), "{}");
    filters.has_refuse_seconds = 1;
    filters.refuse_seconds = 0.1;
    ck_assert_str_eq(encode(&filters, 0), "{\"refuse_seconds\":0.1}");
    ck_assert_str_eq(encode(&hc, 0),
                     "{\"delay_seconds\":15.0,\"interval_seconds\":10.0,\"timeout_seconds\":20.0,"
                     "\"consecutive_failures\":3,\"grace_period_seconds\":10.0}");
    /* Resource.role (deprecated, default "*") stays out. */
    res.name = "mem";
    res.type = MESOS__V1__VALUE__TYPE__SCALAR;
    ck_assert_str_eq(encode(&res, 0), "{\"name\":\"mem\",\"type\":\"SCALAR\"}");
}
END_TEST

START_TEST(oneof_fields)
{
    Mesos__V1__Scheduler__OfferConstraints *oc = decode(
        &mesos__v1__scheduler__offer_constraints__descriptor,
        "{\"role_constraints\":{\"web\":{\"groups\":[{\"attribute_constraints\":["
        "{\"selector\":{\"attribute_name\":\"rack\"},\"predicate\":{\"text_equals\":{\"value\":\"r1\"}}},"
        "{\"selector\":{\"pseudoattribute_type\":\"HOSTNAME\"},\"predicate\":{\"exists\":{}}}]}]}}}",
        BUTTE_PBJSON_STRICT);
    Mesos__V1__Scheduler__AttributeConstraint **ac =
        oc->role_constraints[0]->value->groups[0]->attribute_constraints;

    ck_assert_int_eq(ac[0]->selector->selector_case,
                     MESOS__V1__SCHEDULER__ATTRIBUTE_CONSTRAINT__SELECTOR__SELECTOR_ATTRIBUTE_NAME);
    ck_assert_str_eq(ac[0]->selector->attribute_name, "rack");
    ck_assert_str_eq(ac[0]->predicate->text_equals->value, "r1");
    ck_assert_int_eq(ac[1]->selector->pseudoattribute_type,
                     MESOS__V1__SCHEDULER__ATTRIBUTE_CONSTRAINT__SELECTOR__PSEUDOATTRIBUTE_TYPE__HOSTNAME);
    ck_assert_int_eq(ac[1]->predicate->predicate_case,
                     MESOS__V1__SCHEDULER__ATTRIBUTE_CONSTRAINT__PREDICATE__PREDICATE_EXISTS);
    assert_json_round_trip(&oc->base);
}
END_TEST

/* Decoding JSON, packing, unpacking and encoding gives the JSON a direct
 * JSON round trip gives; the packed bytes are stable too. */
static void
assert_binary_round_trip(const ProtobufCMessageDescriptor *desc, const char *text)
{
    ProtobufCMessage *msg = decode(desc, text, BUTTE_PBJSON_STRICT), *back = NULL;
    butte_err_t err = { 0 };
    uint8_t *buf, *buf2;
    size_t len, len2;

    butte_pb_encode(pool, msg, &buf, &len);
    ck_assert_int_eq(butte_pb_decode(pool, desc, buf, len, &back, &err), 0);
    ck_assert_str_eq(encode(back, 0), encode(msg, 0));
    butte_pb_encode(pool, back, &buf2, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(buf, buf2, len) == 0);
}

START_TEST(binary_round_trip)
{
    ProtobufCMessage *msg = NULL;
    butte_err_t err = { 0 };
    static const uint8_t junk[] = { 0x0a, 0xff, 0x01 };

    assert_binary_round_trip(CALL_DESC, subscribe_json);
    assert_binary_round_trip(CALL_DESC, accept_json);
    assert_binary_round_trip(&butte__internal__envelope__descriptor,
        "{\"type\":\"PING\",\"ping\":{\"sequence\":\"12345678901\",\"connected\":false}}");
    ck_assert_int_eq(butte_pb_decode(pool, CALL_DESC, junk, sizeof junk, &msg, &err), BUTTE_EINVAL);
    ck_assert_ptr_null(msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "mesos.v1.scheduler.Call"));
    /* Required field missing on the wire: TaskID without value. */
    ck_assert_int_eq(butte_pb_decode(pool, &mesos__v1__task_id__descriptor, "", 0, &msg, &err),
                     BUTTE_EINVAL);
}
END_TEST

/* The first bytes of msg packed: the wire tag of its first field. */
static const uint8_t *
packed(const void *msg)
{
    uint8_t *buf;
    size_t len;

    butte_pb_encode(pool, msg, &buf, &len);
    ck_assert_uint_gt(len, 1);
    return buf;
}

/* The numbers §H warns about, checked on the wire (tag = number << 3 | 2
 * for a length-delimited field). */
START_TEST(easy_to_get_wrong_numbers)
{
    Mesos__V1__Attribute attr = MESOS__V1__ATTRIBUTE__INIT;
    Mesos__V1__Value__Text text = MESOS__V1__VALUE__TEXT__INIT;
    Mesos__V1__Value__Set set = MESOS__V1__VALUE__SET__INIT;
    Mesos__V1__Master__Response__GetOperations ops =
        MESOS__V1__MASTER__RESPONSE__GET_OPERATIONS__INIT;
    Mesos__V1__Master__Response resp = MESOS__V1__MASTER__RESPONSE__INIT;
    ProtobufCMessage *m;

    /* Attribute.text is 5 and .set is 6 (swapped relative to Value).  The
     * name is required, so it comes first: 0a 01 'n', type 10 00. */
    attr.name = "n";
    attr.text = &text;
    text.value = "x";
    ck_assert_uint_eq(packed(&attr)[5], 5 << 3 | 2);
    attr.text = NULL;
    attr.set = &set;
    ck_assert_uint_eq(packed(&attr)[5], 6 << 3 | 2);

    m = decode(&mesos__v1__executor__call__message__descriptor, "{\"data\":\"aGk=\"}", 0);
    ck_assert_uint_eq(packed(m)[0], 2 << 3 | 2);
    m = decode(&mesos__v1__executor__event__descriptor,
               "{\"acknowledged\":{\"task_id\":{\"value\":\"t\"},\"uuid\":\"\"}}", 0);
    ck_assert_uint_eq(packed(m)[0], 3 << 3 | 2);
    m = decode(&mesos__v1__executor__event__descriptor,
               "{\"launch\":{\"task\":{\"name\":\"t\",\"task_id\":{\"value\":\"t\"},"
               "\"agent_id\":{\"value\":\"a\"}}}}", 0);
    ck_assert_uint_eq(packed(m)[0], 4 << 3 | 2);

    /* Response.get_operations is 20: a two-byte tag, a2 01. */
    resp.get_operations = &ops;
    ck_assert_uint_eq(packed(&resp)[0], 0xa2);
    ck_assert_uint_eq(packed(&resp)[1], 0x01);
}
END_TEST

START_TEST(json_value_variant_and_allocator)
{
    json_t *j = json_pack("{s:s, s:{s:{s:f}}}", "type", "DECLINE", "decline", "filters",
                          "refuse_seconds", 30.0);
    ProtobufCMessage *msg = NULL;
    Mesos__V1__Scheduler__Call *call;
    butte_err_t err = { 0 };
    ProtobufCAllocator a;

    ck_assert_ptr_nonnull(j);
    ck_assert_msg(butte_pbjson_decode_json(pool, CALL_DESC, j, 0, &msg, &err) == 0, "%s", err.msg);
    json_decref(j);
    call = (Mesos__V1__Scheduler__Call *)msg;
    ck_assert(call->decline->filters->refuse_seconds == 30.0);
    j = butte_pbjson_encode(msg, 0);
    ck_assert(json_real_value(json_object_get(json_object_get(json_object_get(j, "decline"),
                                                              "filters"), "refuse_seconds")) == 30.0);
    json_decref(j);
    butte_pb_allocator(pool, &a);
    ck_assert_ptr_nonnull(a.alloc(a.allocator_data, 10));
}
END_TEST

/* ------------------------------------------------------------------
 * Binary protobuf that does not unpack: butte_pb_decode names the field
 * (kernel/core/pbcheck.c), worded as the JSON converter words it.  The
 * bytes are written by hand, field numbers looked up by name. */

typedef struct {
    uint8_t b[2048];
    size_t n;
} wire_t;

static void
w_varint(wire_t *w, uint64_t v)
{
    do {
        ck_assert_uint_lt(w->n, sizeof w->b);
        w->b[w->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v != 0);
}

static uint32_t
fid(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);

    ck_assert_msg(f != NULL, "%s has no field %s", d->name, name);
    return f->id;
}

/* A length-delimited field (string, bytes, message) of d named name. */
static void
w_bytes(wire_t *w, const ProtobufCMessageDescriptor *d, const char *name, const void *data,
        size_t len)
{
    w_varint(w, (uint64_t)fid(d, name) << 3 | 2);
    w_varint(w, len);
    ck_assert_uint_le(w->n + len, sizeof w->b);
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

static void
w_str(wire_t *w, const ProtobufCMessageDescriptor *d, const char *name, const char *s)
{
    w_bytes(w, d, name, s, strlen(s));
}

static void
w_msg(wire_t *w, const ProtobufCMessageDescriptor *d, const char *name, const wire_t *sub)
{
    w_bytes(w, d, name, sub->b, sub->n);
}

/* An enum or integer field. */
static void
w_int(wire_t *w, const ProtobufCMessageDescriptor *d, const char *name, uint64_t v)
{
    w_varint(w, (uint64_t)fid(d, name) << 3);
    w_varint(w, v);
}

/* A message {value: v} (TaskID, AgentID, OfferID, FrameworkID). */
static wire_t
w_id(const ProtobufCMessageDescriptor *d, const char *v)
{
    wire_t w = { .n = 0 };

    w_str(&w, d, "value", v);
    return w;
}

/* butte_pb_decode of w as desc fails with exactly want. */
static void
pb_fails_with(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
              const char *want)
{
    ProtobufCMessage *msg = NULL;
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_pb_decode(pool, desc, data, len, &msg, &err), BUTTE_EINVAL);
    ck_assert_ptr_null(msg);
    ck_assert_str_eq(err.msg, want);
}

/* butte_pb_decode of w as desc fails with every one of the parts. */
static void
pb_fails_naming(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                const char *part1, const char *part2)
{
    ProtobufCMessage *msg = NULL;
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_pb_decode(pool, desc, data, len, &msg, &err), BUTTE_EINVAL);
    ck_assert_ptr_null(msg);
    ck_assert_msg(strstr(err.msg, part1) != NULL, "\"%s\" lacks \"%s\"", err.msg, part1);
    ck_assert_msg(part2 == NULL || strstr(err.msg, part2) != NULL, "\"%s\" lacks \"%s\"",
                  err.msg, part2);
}

#define ACK_DESC (&mesos__v1__scheduler__call__acknowledge__descriptor)
#define TASK_DESC (&mesos__v1__task_info__descriptor)
#define OP_DESC (&mesos__v1__offer__operation__descriptor)

START_TEST(pb_missing_required_nested)
{
    wire_t call = { .n = 0 }, ack = { .n = 0 }, sub = { .n = 0 }, fi = { .n = 0 };
    wire_t agent = w_id(&mesos__v1__agent_id__descriptor, "a1");
    wire_t taskid = w_id(&mesos__v1__task_id__descriptor, "t1");
    wire_t fw = w_id(&mesos__v1__framework_id__descriptor, "f1");

    /* ACKNOWLEDGE without acknowledge.uuid: the JSON wording, exactly */
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE);
    w_msg(&call, CALL_DESC, "framework_id", &fw);
    w_msg(&ack, ACK_DESC, "agent_id", &agent);
    w_msg(&ack, ACK_DESC, "task_id", &taskid);
    w_msg(&call, CALL_DESC, "acknowledge", &ack);
    pb_fails_with(CALL_DESC, call.b, call.n, "missing required field \"acknowledge.uuid\"");
    decode_fails(CALL_DESC,
                 "{\"type\":\"ACKNOWLEDGE\",\"framework_id\":{\"value\":\"f1\"},"
                 "\"acknowledge\":{\"agent_id\":{\"value\":\"a1\"},\"task_id\":{\"value\":\"t1\"}}}",
                 0, "missing required field \"acknowledge.uuid\"");

    /* two levels down: subscribe.framework_info.user */
    call.n = 0;
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
    w_str(&fi, &mesos__v1__framework_info__descriptor, "name", "no-user");
    w_msg(&sub, &mesos__v1__scheduler__call__subscribe__descriptor, "framework_info", &fi);
    w_msg(&call, CALL_DESC, "subscribe", &sub);
    pb_fails_with(CALL_DESC, call.b, call.n,
                  "missing required field \"subscribe.framework_info.user\"");

    /* a required sub-message missing entirely, and an empty one (its own
     * required field is then the missing one) */
    call.n = 0;
    sub.n = 0;
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
    w_msg(&call, CALL_DESC, "subscribe", &sub);
    pb_fails_with(CALL_DESC, call.b, call.n,
                  "missing required field \"subscribe.framework_info\"");
    pb_fails_with(&mesos__v1__task_id__descriptor, "", 0, "missing required field \"value\"");

    /* a singular message sent twice: protobuf-c unpacks (and checks) each
     * occurrence before merging them, so a half without its uuid is named
     * even when the other half carries one */
    {
        wire_t a1 = { .n = 0 }, a2 = { .n = 0 };

        call.n = 0;
        w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE);
        w_msg(&a1, ACK_DESC, "agent_id", &agent);
        w_msg(&a1, ACK_DESC, "task_id", &taskid);
        w_msg(&a2, ACK_DESC, "agent_id", &agent);
        w_msg(&a2, ACK_DESC, "task_id", &taskid);
        w_str(&a2, ACK_DESC, "uuid", "0123456789abcdef");
        w_msg(&call, CALL_DESC, "acknowledge", &a2);
        w_msg(&call, CALL_DESC, "acknowledge", &a1);
        pb_fails_with(CALL_DESC, call.b, call.n, "missing required field \"acknowledge.uuid\"");
    }
}
END_TEST

START_TEST(pb_missing_required_repeated)
{
    wire_t call = { .n = 0 }, accept = { .n = 0 }, op = { .n = 0 }, launch = { .n = 0 };
    wire_t t0 = { .n = 0 }, t1 = { .n = 0 };
    wire_t agent = w_id(&mesos__v1__agent_id__descriptor, "a1");
    wire_t taskid = w_id(&mesos__v1__task_id__descriptor, "t0");
    wire_t offer = w_id(&mesos__v1__offer_id__descriptor, "o1");
    wire_t fw = w_id(&mesos__v1__framework_id__descriptor, "f1");

    /* task_infos[0] is complete, task_infos[1] lacks its task_id */
    w_str(&t0, TASK_DESC, "name", "t0");
    w_msg(&t0, TASK_DESC, "task_id", &taskid);
    w_msg(&t0, TASK_DESC, "agent_id", &agent);
    w_str(&t1, TASK_DESC, "name", "t1");
    w_msg(&t1, TASK_DESC, "agent_id", &agent);
    w_msg(&launch, &mesos__v1__offer__operation__launch__descriptor, "task_infos", &t0);
    w_msg(&launch, &mesos__v1__offer__operation__launch__descriptor, "task_infos", &t1);
    w_int(&op, OP_DESC, "type", MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH);
    w_msg(&op, OP_DESC, "launch", &launch);
    w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "offer_ids", &offer);
    w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "operations", &op);
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
    w_msg(&call, CALL_DESC, "framework_id", &fw);
    w_msg(&call, CALL_DESC, "accept", &accept);
    pb_fails_with(CALL_DESC, call.b, call.n,
                  "missing required field \"accept.operations[0].launch.task_infos[1].task_id\"");

    /* the same launch as the second operation: the index follows */
    accept.n = 0;
    call.n = 0;
    {
        wire_t ok_op = { .n = 0 }, ok_launch = { .n = 0 };

        w_msg(&ok_launch, &mesos__v1__offer__operation__launch__descriptor, "task_infos", &t0);
        w_int(&ok_op, OP_DESC, "type", MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH);
        w_msg(&ok_op, OP_DESC, "launch", &ok_launch);
        w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "operations", &ok_op);
    }
    w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "operations", &op);
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
    w_msg(&call, CALL_DESC, "accept", &accept);
    pb_fails_with(CALL_DESC, call.b, call.n,
                  "missing required field \"accept.operations[1].launch.task_infos[1].task_id\"");

    /* a repeated message inside a repeated message: resources[2].name */
    {
        wire_t t = { .n = 0 }, r = { .n = 0 }, bad = { .n = 0 };

        w_str(&r, &mesos__v1__resource__descriptor, "name", "cpus");
        w_int(&r, &mesos__v1__resource__descriptor, "type", MESOS__V1__VALUE__TYPE__SCALAR);
        w_int(&bad, &mesos__v1__resource__descriptor, "type", MESOS__V1__VALUE__TYPE__SCALAR);
        w_str(&t, TASK_DESC, "name", "t");
        w_msg(&t, TASK_DESC, "task_id", &taskid);
        w_msg(&t, TASK_DESC, "agent_id", &agent);
        w_msg(&t, TASK_DESC, "resources", &r);
        w_msg(&t, TASK_DESC, "resources", &r);
        w_msg(&t, TASK_DESC, "resources", &bad);
        pb_fails_with(TASK_DESC, t.b, t.n, "missing required field \"resources[2].name\"");
    }
}
END_TEST

START_TEST(pb_malformed_and_truncated)
{
    static const uint8_t junk[] = { 0x0a, 0xff, 0x01 };
    static const uint8_t huge[] = { 0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01 };
    static const uint8_t wire7[] = { 0x0f, 0x01, 0x02 };
    static const uint8_t endless[] = { 0x10, 0xff, 0xff };
    static const uint8_t tagcut[] = { 0x10, 0x01, 0x80 };
    static const uint8_t fixedcut[] = { 0x09, 0x01, 0x02 };
    /* framework_id (a message) sent as a varint */
    static const uint8_t wrongwt[] = { 0x08, 0x03, 0x10, 0x01 };
    wire_t call = { .n = 0 }, accept = { .n = 0 }, op = { .n = 0 };
    size_t cut;

    /* the Call's first field (framework_id) claims 255 bytes, 1 is there */
    pb_fails_naming(CALL_DESC, junk, sizeof junk, "mesos.v1.scheduler.Call",
                    "field \"framework_id\": length 255 runs past the end (0 bytes left)");
    pb_fails_naming(CALL_DESC, huge, sizeof huge, "field \"framework_id\"", "runs past the end");
    pb_fails_naming(CALL_DESC, wire7, sizeof wire7, "field \"framework_id\"",
                    "invalid wire type 7");
    pb_fails_naming(CALL_DESC, endless, sizeof endless, "field \"type\"",
                    "a varint runs past the end");
    pb_fails_naming(CALL_DESC, tagcut, sizeof tagcut, "a field tag runs past the end", NULL);
    pb_fails_naming(&mesos__v1__value__scalar__descriptor, fixedcut, sizeof fixedcut,
                    "field \"value\"", "8-byte value runs past the end (2 bytes left)");
    pb_fails_naming(&mesos__v1__task_id__descriptor, wrongwt, sizeof wrongwt,
                    "field \"value\"", "wire type 0 where the field's type needs 2");

    /* truncated deep inside: the outer lengths are right, the operation's
     * launch claims more than the operation holds */
    w_int(&op, OP_DESC, "type", MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH);
    w_varint(&op, (uint64_t)fid(OP_DESC, "launch") << 3 | 2);
    w_varint(&op, 40);
    w_varint(&op, 0x0a);
    w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "operations", &op);
    w_msg(&accept, &mesos__v1__scheduler__call__accept__descriptor, "operations", &op);
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
    w_msg(&call, CALL_DESC, "accept", &accept);
    pb_fails_naming(CALL_DESC, call.b, call.n,
                    "field \"accept.operations[0].launch\": length 40 runs past the end", NULL);

    /* a valid message cut short anywhere fails, never crashes, and never
     * blames a field that is not in the Call */
    call.n = 0;
    w_int(&call, CALL_DESC, "type", MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE);
    {
        wire_t ack = { .n = 0 };
        wire_t agent = w_id(&mesos__v1__agent_id__descriptor, "agent-1");
        wire_t taskid = w_id(&mesos__v1__task_id__descriptor, "task-1");

        w_msg(&ack, ACK_DESC, "agent_id", &agent);
        w_msg(&ack, ACK_DESC, "task_id", &taskid);
        w_str(&ack, ACK_DESC, "uuid", "0123456789abcdef");
        w_msg(&call, CALL_DESC, "acknowledge", &ack);
    }
    for (cut = 1; cut < call.n; cut++) {
        ProtobufCMessage *msg = NULL;
        butte_err_t err = { 0 };

        if (butte_pb_decode(pool, CALL_DESC, call.b, cut, &msg, &err) == 0)
            continue; /* cut between fields: a valid (shorter) Call */
        ck_assert_msg(strstr(err.msg, "acknowledge") != NULL || strstr(err.msg, "type") != NULL,
                      "cut at %zu: %s", cut, err.msg);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("pbjson");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, subscribe_from_python_client);
    tcase_add_test(tc, subscribe_from_go_client);
    tcase_add_test(tc, accept_with_launch);
    tcase_add_test(tc, heartbeat_event);
    tcase_add_test(tc, enums);
    tcase_add_test(tc, bytes_uuid_base64);
    tcase_add_test(tc, numbers_in_strings_and_infinity);
    tcase_add_test(tc, int64_and_uint64_extremes);
    tcase_add_test(tc, map_fields_as_objects);
    tcase_add_test(tc, missing_required_fields);
    tcase_add_test(tc, unknown_fields);
    tcase_add_test(tc, type_errors_and_bad_json);
    tcase_add_test(tc, defaults_written);
    tcase_add_test(tc, oneof_fields);
    tcase_add_test(tc, binary_round_trip);
    tcase_add_test(tc, easy_to_get_wrong_numbers);
    tcase_add_test(tc, json_value_variant_and_allocator);
    tcase_add_test(tc, pb_missing_required_nested);
    tcase_add_test(tc, pb_missing_required_repeated);
    tcase_add_test(tc, pb_malformed_and_truncated);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
