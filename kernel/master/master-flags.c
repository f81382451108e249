/*
 * kernel/master/master-flags.c - every flag mesos-master 1.12 accepts, with
 * Mesos' names, types and defaults, plus Butte's --config and
 * --heartbeat_interval.  Deprecated spellings are rows with alias_of set.
 * A row without BUTTE_FLAG_IMPLEMENTED parses, and the master says at
 * start-up that it is not implemented yet when it is set.
 */
#include "config.h"

#include "core/flags-common.h"
#include "core/flags-internal.h"

#define GENERAL "General"
#define NET "Networking"
#define LOG "Logging"
#define MODS "Modules and hooks"
#define HA "ZooKeeper and registry"
#define AGENTS "Agents"
#define ALLOC "Allocation"
#define FWS "Frameworks and offers"
#define AUTHN "Authentication"
#define AUTHZ "Authorization"

#define IMPL BUTTE_FLAG_IMPLEMENTED
#define DEPR BUTTE_FLAG_DEPRECATED

const butte_flag_def_t butte_master_flags[] = {
    /* name, type, default, group, help, attrs, alias_of */
    BUTTE_FLAGS_COMMON_GENERAL
    { "work_dir", BUTTE_FLAG_PATH, NULL, GENERAL,
      "Where the registry's replicated log is stored; required unless "
      "--registry=in_memory", IMPL, NULL },
    { "cluster", BUTTE_FLAG_STRING, NULL, GENERAL,
      "Human-readable cluster name shown in the web UI and /state", IMPL, NULL },
    { "webui_dir", BUTTE_FLAG_PATH, "/usr/local/share/mesos/webui", GENERAL,
      "Directory of the web UI's files", 0, NULL },
    { "memory_profiling", BUTTE_FLAG_BOOL, "false", GENERAL,
      "Allow heap profiling through the /memory-profiler endpoints", 0, NULL },

    { "ip", BUTTE_FLAG_STRING, NULL, NET, "IP address to listen on", IMPL, NULL },
    { "port", BUTTE_FLAG_INT, "5050", NET, "Port to listen on", IMPL, NULL },
    { "advertise_ip", BUTTE_FLAG_STRING, NULL, NET,
      "IP address published in ZooKeeper for others to reach this master (e.g. behind NAT)",
      IMPL, NULL },
    { "advertise_port", BUTTE_FLAG_STRING, NULL, NET,
      "Port published in ZooKeeper for others to reach this master", IMPL, NULL },
    { "hostname", BUTTE_FLAG_STRING, NULL, NET,
      "Hostname to advertise; found by looking up the IP when not given", IMPL, NULL },
    { "hostname_lookup", BUTTE_FLAG_BOOL, "true", NET,
      "Look up the hostname by DNS when --hostname is not given; false uses the IP", IMPL, NULL },
    { "ip_discovery_command", BUTTE_FLAG_STRING, NULL, NET,
      "Command whose output is the IP address to bind (not with --ip)", 0, NULL },
    { "domain", BUTTE_FLAG_JSON, NULL, NET,
      "Fault domain of this master: {\"fault_domain\":{\"region\":...,\"zone\":...}}", 0,
      NULL },
    { "require_agent_domain", BUTTE_FLAG_BOOL, "false", NET,
      "Only admit agents that have a configured --domain", 0, NULL },
    { "firewall_rules", BUTTE_FLAG_JSON, NULL, NET,
      "Endpoints to disable: {\"disabled_endpoints\":{\"paths\":[...]}}", 0, NULL },

    BUTTE_FLAGS_COMMON_LOGGING

    BUTTE_FLAGS_COMMON_MODULES

    { "zk", BUTTE_FLAG_STRING, NULL, HA,
      "ZooKeeper URL for leader election: zk://host1:port1,host2:port2,.../path or "
      "zk://user:pass@host/path, or file:///path holding it", 0, NULL },
    { "zk_session_timeout", BUTTE_FLAG_DURATION, "10secs", HA, "ZooKeeper session timeout",
      0, NULL },
    { "quorum", BUTTE_FLAG_INT, NULL, HA,
      "Replicas that must store a registry write; more than half the masters (needed with "
      "--zk)", 0, NULL },
    { "master_contender", BUTTE_FLAG_STRING, NULL, HA,
      "Master contender module to use instead of ZooKeeper (with --master_detector)", 0,
      NULL },
    { "master_detector", BUTTE_FLAG_STRING, NULL, HA,
      "Master detector module to use instead of ZooKeeper (with --master_contender)", 0,
      NULL },
    { "registry", BUTTE_FLAG_STRING, "replicated_log", HA,
      "Where the registry is kept: replicated_log or in_memory (for testing)", IMPL, NULL },
    { "registry_fetch_timeout", BUTTE_FLAG_DURATION, "1mins", HA,
      "How long a registry fetch may take before it fails", 0, NULL },
    { "registry_store_timeout", BUTTE_FLAG_DURATION, "20secs", HA,
      "How long a registry store may take before it fails", 0, NULL },
    { "registry_strict", BUTTE_FLAG_BOOL, "false", HA,
      "Removed; setting it true is an error", DEPR, NULL },
    { "registry_max_agent_age", BUTTE_FLAG_DURATION, "2weeks", HA,
      "How long an unreachable or gone agent is remembered in the registry", 0, NULL },
    { "registry_max_agent_count", BUTTE_FLAG_INT, "102400", HA,
      "How many unreachable or gone agents the registry remembers", 0, NULL },
    { "registry_gc_interval", BUTTE_FLAG_DURATION, "15mins", HA,
      "How often the registry drops agents past the age or count limits", 0, NULL },
    { "log_auto_initialize", BUTTE_FLAG_BOOL, "true", HA,
      "Initialize the replicated log automatically on first use", 0, NULL },

    { "agent_ping_timeout", BUTTE_FLAG_DURATION, "15secs", AGENTS,
      "How long to wait for an agent's pong before counting a missed ping", IMPL, NULL },
    { "slave_ping_timeout", BUTTE_FLAG_DURATION, NULL, AGENTS, NULL, DEPR,
      "agent_ping_timeout" },
    { "max_agent_ping_timeouts", BUTTE_FLAG_INT, "5", AGENTS,
      "Missed pings after which an agent is marked unreachable", IMPL, NULL },
    { "max_slave_ping_timeouts", BUTTE_FLAG_INT, NULL, AGENTS, NULL, DEPR,
      "max_agent_ping_timeouts" },
    { "agent_reregister_timeout", BUTTE_FLAG_DURATION, "10mins", AGENTS,
      "How long after failover agents may re-register before they are marked unreachable "
      "(at least 10mins)", 0, NULL },
    { "slave_reregister_timeout", BUTTE_FLAG_DURATION, NULL, AGENTS, NULL, DEPR,
      "agent_reregister_timeout" },
    { "agent_removal_rate_limit", BUTTE_FLAG_STRING, NULL, AGENTS,
      "Most agents to mark unreachable per period, as count/duration (e.g. 1/10mins)", 0,
      NULL },
    { "slave_removal_rate_limit", BUTTE_FLAG_STRING, NULL, AGENTS, NULL, DEPR,
      "agent_removal_rate_limit" },
    { "recovery_agent_removal_limit", BUTTE_FLAG_STRING, "100%", AGENTS,
      "Largest share of agents that may be marked unreachable after failover "
      "(0%-100%); beyond it the master exits", 0, NULL },
    { "recovery_slave_removal_limit", BUTTE_FLAG_STRING, NULL, AGENTS, NULL, DEPR,
      "recovery_agent_removal_limit" },
    { "max_executors_per_agent", BUTTE_FLAG_INT, NULL, AGENTS,
      "Most executors one agent may run (for the port_mapping isolator)", 0, NULL },
    { "max_executors_per_slave", BUTTE_FLAG_INT, NULL, AGENTS, NULL, DEPR,
      "max_executors_per_agent" },
    { "whitelist", BUTTE_FLAG_PATH, NULL, AGENTS,
      "File of agent hostnames to offer, one per line (re-read every 5 seconds)", 0, NULL },

    { "allocator", BUTTE_FLAG_STRING, "hierarchical", ALLOC,
      "Allocator module: hierarchical (HierarchicalDRF is accepted too) or a module name", IMPL, NULL },
    { "allocation_interval", BUTTE_FLAG_DURATION, "1secs", ALLOC,
      "Time between periodic allocation passes", IMPL, NULL },
    { "role_sorter", BUTTE_FLAG_STRING, "drf", ALLOC,
      "How resources are shared between roles: drf or random", IMPL, NULL },
    { "user_sorter", BUTTE_FLAG_STRING, NULL, ALLOC, NULL, DEPR, "role_sorter" },
    { "framework_sorter", BUTTE_FLAG_STRING, "drf", ALLOC,
      "How a role's resources are shared between its frameworks: drf or random", IMPL, NULL },
    { "weights", BUTTE_FLAG_STRING, NULL, ALLOC,
      "Role weights as role=weight,... (use /weights instead)", IMPL | DEPR, NULL },
    { "roles", BUTTE_FLAG_LIST, NULL, ALLOC,
      "Comma-separated whitelist of roles frameworks may use", DEPR, NULL },
    { "min_allocatable_resources", BUTTE_FLAG_STRING, "cpus:0.01|mem:32", ALLOC,
      "Smallest offer worth making: quantity sets joined by | (or), resources in a set "
      "by ; (and)", IMPL, NULL },
    { "fair_sharing_excluded_resource_names", BUTTE_FLAG_LIST, NULL, ALLOC,
      "Resource names left out of fair-share calculations (e.g. gpus)", 0, NULL },
    { "filter_gpu_resources", BUTTE_FLAG_BOOL, "true", ALLOC,
      "Offer GPU agents only to frameworks with the GPU_RESOURCES capability", 0, NULL },
    { "allocator_agent_recovery_factor", BUTTE_FLAG_DOUBLE, "0.8", ALLOC,
      "Share of agents that must re-register after failover before allocation resumes", 0, NULL },
    { "allocator_recovery_timeout", BUTTE_FLAG_DURATION, "10mins", ALLOC,
      "Longest the allocator waits for agents to re-register after failover", 0, NULL },

    { "heartbeat_interval", BUTTE_FLAG_DURATION, "15secs", FWS,
      "Interval of HEARTBEAT events on scheduler streams", IMPL, NULL },
    { "offer_timeout", BUTTE_FLAG_DURATION, NULL, FWS,
      "Rescind offers not used within this time; unset keeps them", IMPL, NULL },
    { "max_completed_frameworks", BUTTE_FLAG_INT, "50", FWS,
      "Completed frameworks kept in memory", IMPL, NULL },
    { "max_completed_tasks_per_framework", BUTTE_FLAG_INT, "1000", FWS,
      "Completed tasks kept in memory per framework", IMPL, NULL },
    { "max_unreachable_tasks_per_framework", BUTTE_FLAG_INT, "1000", FWS,
      "Unreachable tasks kept in memory per framework", 0, NULL },
    { "max_operator_event_stream_subscribers", BUTTE_FLAG_INT, "1000", FWS,
      "Most concurrent subscribers to the operator event stream", 0, NULL },
    { "publish_per_framework_metrics", BUTTE_FLAG_BOOL, "true", FWS,
      "Publish metrics for each framework", 0, NULL },
    { "root_submissions", BUTTE_FLAG_BOOL, "true", FWS,
      "Let frameworks run tasks as root", 0, NULL },
    { "rate_limits", BUTTE_FLAG_JSON, NULL, FWS,
      "Per-principal framework message rate limits (JSON RateLimits)", 0, NULL },
    { "offer_constraints_re2_max_mem", BUTTE_FLAG_BYTES, "4KB", FWS,
      "Memory limit for each RE2 regex in framework offer constraints", 0, NULL },
    { "offer_constraints_re2_max_program_size", BUTTE_FLAG_INT, "100", FWS,
      "Program size limit for each RE2 regex in framework offer constraints", 0, NULL },

    { "authenticate_frameworks", BUTTE_FLAG_BOOL, "false", AUTHN,
      "Only admit authenticated frameworks (driver-based; see --authenticate_http_frameworks)",
      0, NULL },
    { "authenticate", BUTTE_FLAG_BOOL, NULL, AUTHN, NULL, DEPR, "authenticate_frameworks" },
    { "authenticate_agents", BUTTE_FLAG_BOOL, "false", AUTHN,
      "Only admit authenticated agents", 0, NULL },
    { "authenticate_slaves", BUTTE_FLAG_BOOL, NULL, AUTHN, NULL, DEPR, "authenticate_agents" },
    { "authentication_v0_timeout", BUTTE_FLAG_DURATION, "15secs", AUTHN,
      "How long a framework or agent authentication may take", 0, NULL },
    { "authenticate_http_readonly", BUTTE_FLAG_BOOL, "false", AUTHN,
      "Require authentication on HTTP endpoints that change nothing", 0, NULL },
    { "authenticate_http_readwrite", BUTTE_FLAG_BOOL, "false", AUTHN,
      "Require authentication on HTTP endpoints that change state", 0, NULL },
    { "authenticate_http", BUTTE_FLAG_BOOL, NULL, AUTHN, NULL, DEPR,
      "authenticate_http_readwrite" },
    { "authenticate_http_frameworks", BUTTE_FLAG_BOOL, "false", AUTHN,
      "Require authentication of HTTP (v1 API) frameworks", 0, NULL },
    { "authenticators", BUTTE_FLAG_LIST, "crammd5", AUTHN,
      "Authenticator module for frameworks and agents", 0, NULL },
    { "http_authenticators", BUTTE_FLAG_LIST, "basic", AUTHN,
      "HTTP authenticator modules, tried in order", 0, NULL },
    { "http_framework_authenticators", BUTTE_FLAG_LIST, NULL, AUTHN,
      "HTTP authenticator modules for the scheduler API", 0, NULL },
    { "credentials", BUTTE_FLAG_PATH, NULL, AUTHN,
      "JSON file of accepted credentials: {\"credentials\":[{\"principal\":..,"
      "\"secret\":..}]}", 0, NULL },

    { "acls", BUTTE_FLAG_JSON, NULL, AUTHZ,
      "Access control lists for the local authorizer: inline JSON, file:// or /path", 0,
      NULL },
    { "authorizers", BUTTE_FLAG_LIST, "local", AUTHZ, "Authorizer to use", 0, NULL },
};

const size_t butte_master_flags_count = sizeof butte_master_flags / sizeof butte_master_flags[0];
