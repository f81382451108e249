"""pyproto - a small hand-written proto2 wire encoder/decoder.

Written for the integration tests from the public Mesos v1 protocol facts
(field numbers, types and labels of the scheduler Call/Event messages and the
mesos.v1 messages they carry), using only the Python standard library.

Messages are plain dicts shaped like Mesos' JSON form: keys are the proto
field names, enums are their name strings, bytes are standard base64 strings,
repeated fields are lists, sub-messages are dicts.  So the same scheduler
logic runs on JSON and on protobuf bodies:

    data = encode("mesos.v1.scheduler.Call", {"type": "TEARDOWN", ...})
    event = decode("mesos.v1.scheduler.Event", data)

The schema is one dict: message name -> {field number: (name, type, label,
sub)}; type is a scalar type name, "enum" (sub names an enum in ENUMS) or
"message" (sub names a message in MESSAGES); label is "optional",
"required" or "repeated".  Unknown fields are skipped when decoding; unknown
keys are refused when encoding (a typo in a test must not pass silently).
"""

import base64
import struct

__all__ = ["MESSAGES", "ENUMS", "encode", "decode", "DecodeError", "EncodeError",
           "missing_required"]


class DecodeError(ValueError):
    pass


class EncodeError(ValueError):
    pass


OPT, REQ, REP = "optional", "required", "repeated"

ENUMS = {
    "mesos.v1.scheduler.Call.Type": {
        "UNKNOWN": 0, "SUBSCRIBE": 1, "TEARDOWN": 2, "ACCEPT": 3, "DECLINE": 4,
        "REVIVE": 5, "KILL": 6, "SHUTDOWN": 7, "ACKNOWLEDGE": 8, "RECONCILE": 9,
        "MESSAGE": 10, "REQUEST": 11, "SUPPRESS": 12, "ACCEPT_INVERSE_OFFERS": 13,
        "DECLINE_INVERSE_OFFERS": 14, "ACKNOWLEDGE_OPERATION_STATUS": 15,
        "RECONCILE_OPERATIONS": 16, "UPDATE_FRAMEWORK": 17,
    },
    "mesos.v1.scheduler.Event.Type": {
        "UNKNOWN": 0, "SUBSCRIBED": 1, "OFFERS": 2, "RESCIND": 3, "UPDATE": 4,
        "MESSAGE": 5, "FAILURE": 6, "ERROR": 7, "HEARTBEAT": 8,
        "INVERSE_OFFERS": 9, "RESCIND_INVERSE_OFFER": 10,
        "UPDATE_OPERATION_STATUS": 11,
    },
    "mesos.v1.Value.Type": {"SCALAR": 0, "RANGES": 1, "SET": 2, "TEXT": 3},
    "mesos.v1.FrameworkInfo.Capability.Type": {
        "UNKNOWN": 0, "REVOCABLE_RESOURCES": 1, "TASK_KILLING_STATE": 2,
        "GPU_RESOURCES": 3, "SHARED_RESOURCES": 4, "PARTITION_AWARE": 5,
        "MULTI_ROLE": 6, "RESERVATION_REFINEMENT": 7, "REGION_AWARE": 8,
    },
    "mesos.v1.MasterInfo.Capability.Type": {
        "UNKNOWN": 0, "AGENT_UPDATE": 1, "AGENT_DRAINING": 2, "QUOTA_V2": 3,
    },
    "mesos.v1.Resource.ReservationInfo.Type": {"UNKNOWN": 0, "STATIC": 1, "DYNAMIC": 2},
    "mesos.v1.Offer.Operation.Type": {
        "UNKNOWN": 0, "LAUNCH": 1, "RESERVE": 2, "UNRESERVE": 3, "CREATE": 4,
        "DESTROY": 5, "LAUNCH_GROUP": 6, "GROW_VOLUME": 11, "SHRINK_VOLUME": 12,
        "CREATE_DISK": 13, "DESTROY_DISK": 14,
    },
    "mesos.v1.ExecutorInfo.Type": {"UNKNOWN": 0, "DEFAULT": 1, "CUSTOM": 2},
    "mesos.v1.Environment.Variable.Type": {"UNKNOWN": 0, "VALUE": 1, "SECRET": 2},
    "mesos.v1.TaskState": {
        "TASK_STAGING": 6, "TASK_STARTING": 0, "TASK_RUNNING": 1, "TASK_KILLING": 8,
        "TASK_FINISHED": 2, "TASK_FAILED": 3, "TASK_KILLED": 4, "TASK_ERROR": 7,
        "TASK_LOST": 5, "TASK_DROPPED": 9, "TASK_UNREACHABLE": 10, "TASK_GONE": 11,
        "TASK_GONE_BY_OPERATOR": 12, "TASK_UNKNOWN": 13,
    },
    "mesos.v1.TaskStatus.Source": {
        "SOURCE_MASTER": 0, "SOURCE_AGENT": 1, "SOURCE_EXECUTOR": 2,
    },
    "mesos.v1.TaskStatus.Reason": dict((("REASON_" + n), i) for i, n in enumerate([
        "COMMAND_EXECUTOR_FAILED", "EXECUTOR_TERMINATED", "EXECUTOR_UNREGISTERED",
        "FRAMEWORK_REMOVED", "GC_ERROR", "INVALID_FRAMEWORKID", "INVALID_OFFERS",
        "MASTER_DISCONNECTED", "CONTAINER_LIMITATION_MEMORY", "RECONCILIATION",
        "AGENT_DISCONNECTED", "AGENT_REMOVED", "AGENT_RESTARTED", "AGENT_UNKNOWN",
        "TASK_INVALID", "TASK_UNAUTHORIZED", "TASK_UNKNOWN", "CONTAINER_PREEMPTED",
        "RESOURCES_UNKNOWN", "CONTAINER_LIMITATION", "CONTAINER_LIMITATION_DISK",
        "CONTAINER_LAUNCH_FAILED", "CONTAINER_UPDATE_FAILED",
        "EXECUTOR_REGISTRATION_TIMEOUT", "EXECUTOR_REREGISTRATION_TIMEOUT",
        "TASK_GROUP_INVALID", "TASK_GROUP_UNAUTHORIZED", "IO_SWITCHBOARD_EXITED",
        "TASK_CHECK_STATUS_UPDATED", "TASK_HEALTH_CHECK_STATUS_UPDATED",
        "TASK_KILLED_DURING_LAUNCH", "AGENT_REMOVED_BY_OPERATOR", "AGENT_REREGISTERED",
        "MAX_COMPLETION_TIME_REACHED", "AGENT_DRAINING",
    ])),
}

V1 = "mesos.v1."
S = "mesos.v1.scheduler."


def _id():
    return {1: ("value", "string", REQ, None)}


MESSAGES = {
    # --- identifiers and small types (C.1)
    V1 + "FrameworkID": _id(),
    V1 + "OfferID": _id(),
    V1 + "AgentID": _id(),
    V1 + "TaskID": _id(),
    V1 + "ExecutorID": _id(),
    V1 + "OperationID": _id(),
    V1 + "ResourceProviderID": _id(),
    V1 + "TimeInfo": {1: ("nanoseconds", "int64", REQ, None)},
    V1 + "DurationInfo": {1: ("nanoseconds", "int64", REQ, None)},
    V1 + "Address": {
        1: ("hostname", "string", OPT, None),
        2: ("ip", "string", OPT, None),
        3: ("port", "int32", REQ, None),
    },
    V1 + "Parameter": {
        1: ("key", "string", REQ, None),
        2: ("value", "string", REQ, None),
    },
    V1 + "URL": {
        1: ("scheme", "string", REQ, None),
        2: ("address", "message", REQ, V1 + "Address"),
        3: ("path", "string", OPT, None),
        4: ("query", "message", REP, V1 + "Parameter"),
        5: ("fragment", "string", OPT, None),
    },
    V1 + "Label": {
        1: ("key", "string", REQ, None),
        2: ("value", "string", OPT, None),
    },
    V1 + "Labels": {1: ("labels", "message", REP, V1 + "Label")},
    V1 + "Unavailability": {
        1: ("start", "message", REQ, V1 + "TimeInfo"),
        2: ("duration", "message", OPT, V1 + "DurationInfo"),
    },
    V1 + "DomainInfo": {1: ("fault_domain", "message", OPT, V1 + "DomainInfo.FaultDomain")},
    V1 + "DomainInfo.FaultDomain": {
        1: ("region", "message", REQ, V1 + "DomainInfo.FaultDomain.RegionInfo"),
        2: ("zone", "message", REQ, V1 + "DomainInfo.FaultDomain.ZoneInfo"),
    },
    V1 + "DomainInfo.FaultDomain.RegionInfo": {1: ("name", "string", REQ, None)},
    V1 + "DomainInfo.FaultDomain.ZoneInfo": {1: ("name", "string", REQ, None)},
    V1 + "Filters": {1: ("refuse_seconds", "double", OPT, None)},
    V1 + "KillPolicy": {1: ("grace_period", "message", OPT, V1 + "DurationInfo")},

    # --- Value, Attribute, Resource (C.2)
    V1 + "Value.Scalar": {1: ("value", "double", REQ, None)},
    V1 + "Value.Range": {
        1: ("begin", "uint64", REQ, None),
        2: ("end", "uint64", REQ, None),
    },
    V1 + "Value.Ranges": {1: ("range", "message", REP, V1 + "Value.Range")},
    V1 + "Value.Set": {1: ("item", "string", REP, None)},
    V1 + "Value.Text": {1: ("value", "string", REQ, None)},
    V1 + "Attribute": {
        1: ("name", "string", REQ, None),
        2: ("type", "enum", REQ, V1 + "Value.Type"),
        3: ("scalar", "message", OPT, V1 + "Value.Scalar"),
        4: ("ranges", "message", OPT, V1 + "Value.Ranges"),
        6: ("set", "message", OPT, V1 + "Value.Set"),
        5: ("text", "message", OPT, V1 + "Value.Text"),
    },
    V1 + "Resource": {
        12: ("provider_id", "message", OPT, V1 + "ResourceProviderID"),
        1: ("name", "string", REQ, None),
        2: ("type", "enum", REQ, V1 + "Value.Type"),
        3: ("scalar", "message", OPT, V1 + "Value.Scalar"),
        4: ("ranges", "message", OPT, V1 + "Value.Ranges"),
        5: ("set", "message", OPT, V1 + "Value.Set"),
        6: ("role", "string", OPT, None),
        11: ("allocation_info", "message", OPT, V1 + "Resource.AllocationInfo"),
        8: ("reservation", "message", OPT, V1 + "Resource.ReservationInfo"),
        13: ("reservations", "message", REP, V1 + "Resource.ReservationInfo"),
        9: ("revocable", "message", OPT, V1 + "Resource.RevocableInfo"),
        10: ("shared", "message", OPT, V1 + "Resource.SharedInfo"),
    },
    V1 + "Resource.AllocationInfo": {1: ("role", "string", OPT, None)},
    V1 + "Resource.ReservationInfo": {
        4: ("type", "enum", OPT, V1 + "Resource.ReservationInfo.Type"),
        3: ("role", "string", OPT, None),
        1: ("principal", "string", OPT, None),
        2: ("labels", "message", OPT, V1 + "Labels"),
    },
    V1 + "Resource.RevocableInfo": {},
    V1 + "Resource.SharedInfo": {},

    # --- FrameworkInfo, MasterInfo (C.3)
    V1 + "FrameworkInfo": {
        1: ("user", "string", REQ, None),
        2: ("name", "string", REQ, None),
        3: ("id", "message", OPT, V1 + "FrameworkID"),
        4: ("failover_timeout", "double", OPT, None),
        5: ("checkpoint", "bool", OPT, None),
        6: ("role", "string", OPT, None),
        12: ("roles", "string", REP, None),
        7: ("hostname", "string", OPT, None),
        8: ("principal", "string", OPT, None),
        9: ("webui_url", "string", OPT, None),
        10: ("capabilities", "message", REP, V1 + "FrameworkInfo.Capability"),
        11: ("labels", "message", OPT, V1 + "Labels"),
    },
    V1 + "FrameworkInfo.Capability": {
        1: ("type", "enum", OPT, V1 + "FrameworkInfo.Capability.Type"),
    },
    V1 + "MasterInfo": {
        1: ("id", "string", REQ, None),
        2: ("ip", "uint32", REQ, None),
        3: ("port", "uint32", REQ, None),
        4: ("pid", "string", OPT, None),
        5: ("hostname", "string", OPT, None),
        6: ("version", "string", OPT, None),
        7: ("address", "message", OPT, V1 + "Address"),
        8: ("domain", "message", OPT, V1 + "DomainInfo"),
        9: ("capabilities", "message", REP, V1 + "MasterInfo.Capability"),
    },
    V1 + "MasterInfo.Capability": {
        1: ("type", "enum", OPT, V1 + "MasterInfo.Capability.Type"),
    },

    # --- Offer and operations (C.4)
    V1 + "Offer": {
        1: ("id", "message", REQ, V1 + "OfferID"),
        2: ("framework_id", "message", REQ, V1 + "FrameworkID"),
        3: ("agent_id", "message", REQ, V1 + "AgentID"),
        4: ("hostname", "string", REQ, None),
        8: ("url", "message", OPT, V1 + "URL"),
        11: ("domain", "message", OPT, V1 + "DomainInfo"),
        5: ("resources", "message", REP, V1 + "Resource"),
        7: ("attributes", "message", REP, V1 + "Attribute"),
        6: ("executor_ids", "message", REP, V1 + "ExecutorID"),
        9: ("unavailability", "message", OPT, V1 + "Unavailability"),
        10: ("allocation_info", "message", OPT, V1 + "Resource.AllocationInfo"),
    },
    V1 + "Offer.Operation": {
        1: ("type", "enum", OPT, V1 + "Offer.Operation.Type"),
        12: ("id", "message", OPT, V1 + "OperationID"),
        2: ("launch", "message", OPT, V1 + "Offer.Operation.Launch"),
    },
    V1 + "Offer.Operation.Launch": {
        1: ("task_infos", "message", REP, V1 + "TaskInfo"),
    },

    # --- tasks and executors (C.5)
    V1 + "TaskInfo": {
        1: ("name", "string", REQ, None),
        2: ("task_id", "message", REQ, V1 + "TaskID"),
        3: ("agent_id", "message", REQ, V1 + "AgentID"),
        4: ("resources", "message", REP, V1 + "Resource"),
        5: ("executor", "message", OPT, V1 + "ExecutorInfo"),
        7: ("command", "message", OPT, V1 + "CommandInfo"),
        12: ("kill_policy", "message", OPT, V1 + "KillPolicy"),
        6: ("data", "bytes", OPT, None),
        10: ("labels", "message", OPT, V1 + "Labels"),
        14: ("max_completion_time", "message", OPT, V1 + "DurationInfo"),
    },
    V1 + "ExecutorInfo": {
        15: ("type", "enum", OPT, V1 + "ExecutorInfo.Type"),
        1: ("executor_id", "message", REQ, V1 + "ExecutorID"),
        8: ("framework_id", "message", OPT, V1 + "FrameworkID"),
        7: ("command", "message", OPT, V1 + "CommandInfo"),
        5: ("resources", "message", REP, V1 + "Resource"),
        9: ("name", "string", OPT, None),
        4: ("data", "bytes", OPT, None),
        14: ("labels", "message", OPT, V1 + "Labels"),
    },
    V1 + "CommandInfo": {
        1: ("uris", "message", REP, V1 + "CommandInfo.URI"),
        2: ("environment", "message", OPT, V1 + "Environment"),
        6: ("shell", "bool", OPT, None),
        3: ("value", "string", OPT, None),
        7: ("arguments", "string", REP, None),
        5: ("user", "string", OPT, None),
    },
    V1 + "CommandInfo.URI": {
        1: ("value", "string", REQ, None),
        2: ("executable", "bool", OPT, None),
        3: ("extract", "bool", OPT, None),
        4: ("cache", "bool", OPT, None),
        5: ("output_file", "string", OPT, None),
    },
    V1 + "Environment": {
        1: ("variables", "message", REP, V1 + "Environment.Variable"),
    },
    V1 + "Environment.Variable": {
        1: ("name", "string", REQ, None),
        3: ("type", "enum", OPT, V1 + "Environment.Variable.Type"),
        2: ("value", "string", OPT, None),
    },
    V1 + "TaskStatus": {
        1: ("task_id", "message", REQ, V1 + "TaskID"),
        2: ("state", "enum", REQ, V1 + "TaskState"),
        4: ("message", "string", OPT, None),
        9: ("source", "enum", OPT, V1 + "TaskStatus.Source"),
        10: ("reason", "enum", OPT, V1 + "TaskStatus.Reason"),
        3: ("data", "bytes", OPT, None),
        5: ("agent_id", "message", OPT, V1 + "AgentID"),
        7: ("executor_id", "message", OPT, V1 + "ExecutorID"),
        6: ("timestamp", "double", OPT, None),
        11: ("uuid", "bytes", OPT, None),
        8: ("healthy", "bool", OPT, None),
        12: ("labels", "message", OPT, V1 + "Labels"),
        14: ("unreachable_time", "message", OPT, V1 + "TimeInfo"),
    },

    # --- scheduler Call (A.4)
    S + "Call": {
        1: ("framework_id", "message", OPT, V1 + "FrameworkID"),
        2: ("type", "enum", OPT, S + "Call.Type"),
        3: ("subscribe", "message", OPT, S + "Call.Subscribe"),
        4: ("accept", "message", OPT, S + "Call.Accept"),
        5: ("decline", "message", OPT, S + "Call.Decline"),
        6: ("kill", "message", OPT, S + "Call.Kill"),
        7: ("shutdown", "message", OPT, S + "Call.Shutdown"),
        8: ("acknowledge", "message", OPT, S + "Call.Acknowledge"),
        9: ("reconcile", "message", OPT, S + "Call.Reconcile"),
        10: ("message", "message", OPT, S + "Call.Message"),
        15: ("revive", "message", OPT, S + "Call.Revive"),
        16: ("suppress", "message", OPT, S + "Call.Suppress"),
    },
    S + "Call.Subscribe": {
        1: ("framework_info", "message", REQ, V1 + "FrameworkInfo"),
        2: ("suppressed_roles", "string", REP, None),
    },
    S + "Call.Accept": {
        1: ("offer_ids", "message", REP, V1 + "OfferID"),
        2: ("operations", "message", REP, V1 + "Offer.Operation"),
        3: ("filters", "message", OPT, V1 + "Filters"),
    },
    S + "Call.Decline": {
        1: ("offer_ids", "message", REP, V1 + "OfferID"),
        2: ("filters", "message", OPT, V1 + "Filters"),
    },
    S + "Call.Revive": {1: ("roles", "string", REP, None)},
    S + "Call.Suppress": {1: ("roles", "string", REP, None)},
    S + "Call.Kill": {
        1: ("task_id", "message", REQ, V1 + "TaskID"),
        2: ("agent_id", "message", OPT, V1 + "AgentID"),
        3: ("kill_policy", "message", OPT, V1 + "KillPolicy"),
    },
    S + "Call.Shutdown": {
        1: ("executor_id", "message", REQ, V1 + "ExecutorID"),
        2: ("agent_id", "message", REQ, V1 + "AgentID"),
    },
    S + "Call.Acknowledge": {
        1: ("agent_id", "message", REQ, V1 + "AgentID"),
        2: ("task_id", "message", REQ, V1 + "TaskID"),
        3: ("uuid", "bytes", REQ, None),
    },
    S + "Call.Reconcile": {
        1: ("tasks", "message", REP, S + "Call.Reconcile.Task"),
    },
    S + "Call.Reconcile.Task": {
        1: ("task_id", "message", REQ, V1 + "TaskID"),
        2: ("agent_id", "message", OPT, V1 + "AgentID"),
    },
    S + "Call.Message": {
        1: ("agent_id", "message", REQ, V1 + "AgentID"),
        2: ("executor_id", "message", REQ, V1 + "ExecutorID"),
        3: ("data", "bytes", REQ, None),
    },

    # --- scheduler Event (A.5)
    S + "Event": {
        1: ("type", "enum", OPT, S + "Event.Type"),
        2: ("subscribed", "message", OPT, S + "Event.Subscribed"),
        3: ("offers", "message", OPT, S + "Event.Offers"),
        4: ("rescind", "message", OPT, S + "Event.Rescind"),
        5: ("update", "message", OPT, S + "Event.Update"),
        6: ("message", "message", OPT, S + "Event.Message"),
        7: ("failure", "message", OPT, S + "Event.Failure"),
        8: ("error", "message", OPT, S + "Event.Error"),
    },
    S + "Event.Subscribed": {
        1: ("framework_id", "message", REQ, V1 + "FrameworkID"),
        2: ("heartbeat_interval_seconds", "double", OPT, None),
        3: ("master_info", "message", OPT, V1 + "MasterInfo"),
    },
    S + "Event.Offers": {1: ("offers", "message", REP, V1 + "Offer")},
    S + "Event.Rescind": {1: ("offer_id", "message", REQ, V1 + "OfferID")},
    S + "Event.Update": {1: ("status", "message", REQ, V1 + "TaskStatus")},
    S + "Event.Message": {
        1: ("agent_id", "message", REQ, V1 + "AgentID"),
        2: ("executor_id", "message", REQ, V1 + "ExecutorID"),
        3: ("data", "bytes", REQ, None),
    },
    S + "Event.Failure": {
        1: ("agent_id", "message", OPT, V1 + "AgentID"),
        2: ("executor_id", "message", OPT, V1 + "ExecutorID"),
        3: ("status", "int32", OPT, None),
    },
    S + "Event.Error": {1: ("message", "string", REQ, None)},
}

# wire types
VARINT, I64, LEN, I32 = 0, 1, 2, 5

_VARINT_TYPES = ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "enum")


def _by_name(msg):
    fields = MESSAGES[msg]
    return dict((f[0], (num,) + f) for num, f in fields.items())


# ---------------------------------------------------------------- encoding

def _varint(n):
    if n < 0:
        n += 1 << 64  # negative int32/int64: ten-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(num, wire):
    return _varint((num << 3) | wire)


def _enum_number(enum, value, where):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EncodeError("%s: enum value must be a name" % where)
    if isinstance(value, int):
        return value
    try:
        return ENUMS[enum][value]
    except KeyError:
        raise EncodeError("%s: '%s' is not a value of %s" % (where, value, enum))


def _int(value, where):
    if isinstance(value, str):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodeError("%s: expected an integer" % where)
    return value


def _encode_scalar(ftype, value, sub, where):
    """(wire type, payload bytes) of one scalar value."""
    if ftype == "string":
        if not isinstance(value, str):
            raise EncodeError("%s: expected a string" % where)
        data = value.encode("utf-8")
        return LEN, _varint(len(data)) + data
    if ftype == "bytes":
        if isinstance(value, str):
            value = base64.b64decode(value, validate=True)
        if not isinstance(value, (bytes, bytearray)):
            raise EncodeError("%s: expected bytes or base64" % where)
        return LEN, _varint(len(value)) + bytes(value)
    if ftype == "bool":
        if isinstance(value, str):
            value = {"true": True, "false": False}[value]
        return VARINT, _varint(1 if value else 0)
    if ftype == "enum":
        return VARINT, _varint(_enum_number(sub, value, where))
    if ftype in ("int32", "int64", "uint32", "uint64"):
        return VARINT, _varint(_int(value, where))
    if ftype == "double":
        return I64, struct.pack("<d", float(value))
    if ftype == "float":
        return I32, struct.pack("<f", float(value))
    raise EncodeError("%s: unsupported type %s" % (where, ftype))


def encode(msg, obj, where=None):
    """Serialize the dict obj as message type msg; returns bytes."""
    where = where or msg.rsplit(".", 1)[-1]
    if not isinstance(obj, dict):
        raise EncodeError("%s: expected an object" % where)
    byname = _by_name(msg)
    out = bytearray()
    for key, value in obj.items():
        if value is None:
            continue
        if key not in byname:
            raise EncodeError("%s: no field '%s' in %s" % (where, key, msg))
        num, name, ftype, label, sub = byname[key]
        here = where + "." + name
        values = value if label == REP else [value]
        if label == REP and not isinstance(value, list):
            raise EncodeError("%s: expected a list" % here)
        for v in values:
            if ftype == "message":
                data = encode(sub, v, here)
                out += _key(num, LEN) + _varint(len(data)) + data
            else:
                wire, data = _encode_scalar(ftype, v, sub, here)
                out += _key(num, wire) + data
    return bytes(out)


# ---------------------------------------------------------------- decoding

def _read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint too long")


def _signed(n, bits):
    n &= (1 << 64) - 1
    if n >= 1 << 63:
        n -= 1 << 64
    if bits == 32:
        n &= 0xFFFFFFFF
        if n >= 1 << 31:
            n -= 1 << 32
    return n


def _decode_varint_value(ftype, n, sub):
    if ftype == "bool":
        return n != 0
    if ftype == "int32":
        return _signed(n, 32)
    if ftype == "int64":
        return _signed(n, 64)
    if ftype == "uint32":
        return n & 0xFFFFFFFF
    if ftype == "enum":
        n = _signed(n, 32)
        for name, value in ENUMS[sub].items():
            if value == n:
                return name
        return None  # unknown enum value: dropped, as Mesos does
    return n


def missing_required(msg, obj, where=""):
    """Names (dotted paths) of required fields missing in obj."""
    missing = []
    for num, (name, ftype, label, sub) in MESSAGES[msg].items():
        path = where + name
        if label == REQ and name not in obj:
            missing.append(path)
        if ftype == "message" and name in obj:
            values = obj[name] if label == REP else [obj[name]]
            for i, v in enumerate(values):
                p = "%s[%d]." % (path, i) if label == REP else path + "."
                missing += missing_required(sub, v, p)
    return missing


def decode(msg, buf, check_required=True):
    """Parse bytes buf as message type msg into a JSON-shaped dict.

    Raises DecodeError on malformed input or (with check_required) when a
    required field is missing."""
    obj = _decode(msg, memoryview(bytes(buf)))
    if check_required:
        missing = missing_required(msg, obj)
        if missing:
            raise DecodeError("missing required fields: " + ", ".join(missing))
    return obj


def _decode(msg, buf):
    fields = MESSAGES[msg]
    obj = {}
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _read_varint(buf, pos)
        num, wire = key >> 3, key & 7
        if num == 0:
            raise DecodeError("field number 0")
        if wire == VARINT:
            raw, pos = _read_varint(buf, pos)
            payload = None
        elif wire == I64:
            if pos + 8 > end:
                raise DecodeError("truncated fixed64")
            payload = bytes(buf[pos:pos + 8])
            pos += 8
        elif wire == I32:
            if pos + 4 > end:
                raise DecodeError("truncated fixed32")
            payload = bytes(buf[pos:pos + 4])
            pos += 4
        elif wire == LEN:
            n, pos = _read_varint(buf, pos)
            if pos + n > end:
                raise DecodeError("truncated length-delimited field")
            payload = buf[pos:pos + n]
            pos += n
        else:
            raise DecodeError("unsupported wire type %d" % wire)
        if num not in fields:
            continue  # unknown field: skipped
        name, ftype, label, sub = fields[num]
        values = []
        if ftype == "message":
            if wire != LEN:
                raise DecodeError("%s: wrong wire type" % name)
            values.append(_decode(sub, payload))
        elif ftype == "string":
            if wire != LEN:
                raise DecodeError("%s: wrong wire type" % name)
            try:
                values.append(bytes(payload).decode("utf-8"))
            except UnicodeDecodeError:
                raise DecodeError("%s: invalid UTF-8" % name)
        elif ftype == "bytes":
            if wire != LEN:
                raise DecodeError("%s: wrong wire type" % name)
            values.append(base64.b64encode(bytes(payload)).decode("ascii"))
        elif ftype == "double":
            if wire == I64:
                values.append(struct.unpack("<d", payload)[0])
            elif wire == LEN and label == REP:
                values += [v[0] for v in struct.iter_unpack("<d", bytes(payload))]
            else:
                raise DecodeError("%s: wrong wire type" % name)
        elif ftype in _VARINT_TYPES:
            if wire == VARINT:
                values.append(_decode_varint_value(ftype, raw, sub))
            elif wire == LEN and label == REP:  # packed
                p = 0
                while p < len(payload):
                    raw, p = _read_varint(payload, p)
                    values.append(_decode_varint_value(ftype, raw, sub))
            else:
                raise DecodeError("%s: wrong wire type" % name)
        else:
            raise DecodeError("%s: unsupported type %s" % (name, ftype))
        values = [v for v in values if v is not None]
        if label == REP:
            obj.setdefault(name, []).extend(values)
        elif values:
            if ftype == "message" and name in obj:
                _merge(obj[name], values[-1])  # proto2: repeated sub-message merges
            else:
                obj[name] = values[-1]
    return obj


def _merge(into, other):
    for k, v in other.items():
        if isinstance(v, list):
            into.setdefault(k, []).extend(v)
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


if __name__ == "__main__":
    # Self-check: a round trip of a representative Call and Event.
    call = {
        "framework_id": {"value": "m-0001"},
        "type": "ACCEPT",
        "accept": {
            "offer_ids": [{"value": "m-O1"}],
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
                "name": "t", "task_id": {"value": "t1"}, "agent_id": {"value": "m-S0"},
                "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
                "command": {"value": "true", "shell": True}}]}}],
            "filters": {"refuse_seconds": 5.0},
        },
    }
    data = encode(S + "Call", call)
    assert decode(S + "Call", data) == call, decode(S + "Call", data)
    ev = {"type": "UPDATE", "update": {"status": {
        "task_id": {"value": "t1"}, "state": "TASK_FAILED", "reason": "REASON_INVALID_OFFERS",
        "uuid": base64.b64encode(bytes(range(16))).decode(), "timestamp": 1.5}}}
    assert decode(S + "Event", encode(S + "Event", ev)) == ev
    try:
        decode(S + "Call", b"\xff\xff\xff")
        raise SystemExit("garbage decoded")
    except DecodeError:
        pass
    print("ok")
