/*
 * butte/authenticator.h - three kinds that establish who is talking:
 *
 * - authenticator (master side; --authenticators, first party "crammd5")
 *   and authenticatee (framework/agent side; --authenticatee) run Mesos'
 *   SASL-style exchange over the internal messages:
 *     peer -> master   AuthenticateMessage
 *     master -> peer   AuthenticationMechanismsMessage (mechanisms())
 *     peer -> master   AuthenticationStartMessage(mechanism, data)  start()
 *     master -> peer   AuthenticationStepMessage(data)              CONTINUE
 *     peer -> master   AuthenticationStepMessage(data)              step()
 *     ...
 *     master -> peer   AuthenticationCompletedMessage  or  ...FailedMessage
 *   Each side keeps one session per exchange; the kernel moves the bytes.
 * - http authenticator (--http_authenticators, first party "basic")
 *   answers one HTTP request at a time.
 *
 * Conventions for every slot unless it says otherwise:
 * - state is the instance state from create().
 * - Runs on the loop thread and must not block on the network.  Reading a
 *   local credentials file or SASL database (sasldb) briefly is allowed.
 * - Arguments are borrowed for the call.  Results point into the pool the
 *   slot is given; the kernel copies them before the pool dies.
 * - Slots returning int return 0, or a negative BUTTE_E* with err filled;
 *   BUTTE_EDECLINED means "not mine" (an unknown mechanism or scheme: ask
 *   the next module).  A wrong password is not an error: it is a result
 *   (FAILED, or an HTTP challenge).
 *
 * Ops table rules (see module.h): starts with size, append-only; slots
 * marked "required" must be non-NULL or the module is rejected at load.
 */
#ifndef BUTTE_AUTHENTICATOR_H
#define BUTTE_AUTHENTICATOR_H

#include <butte/module.h>

BUTTE_BEGIN_DECLS

/* One principal and its secret (--credentials, --credential). */
typedef struct butte_credential {
    const char *principal;
    const void *secret;
    size_t secret_len;
} butte_credential_t;

/* Where an exchange stands after a start() or step(). */
typedef enum butte_auth_status {
    BUTTE_AUTH_CONTINUE = 1,  /* send data to the peer and wait for its step */
    BUTTE_AUTH_COMPLETED = 2, /* authenticated as principal */
    BUTTE_AUTH_FAILED = 3     /* refused; reason says why (sent to the peer) */
} butte_auth_status_t;

/*
 * The outcome of one start()/step().  The kernel zeroes it and sets size;
 * the module writes fields below out->size, pointing into the session's
 * pool (valid until the session ends).
 */
typedef struct butte_auth_step {
    uint32_t size;
    int status;            /* a butte_auth_status_t */
    const void *data;      /* CONTINUE: bytes for the peer (may be empty) */
    size_t len;
    const char *principal; /* COMPLETED (authenticator side) */
    const char *reason;    /* FAILED */
    const char *mechanism; /* authenticatee start(): the mechanism chosen */
} butte_auth_step_t;

/* ---------------------------------------------------------------- authenticator */

typedef struct butte_authenticator_ops {
    uint32_t size;     /* sizeof (butte_authenticator_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * initialize - the credentials the master was given (n entries, may
     * be 0; borrowed for the call: copy them).  Called once before any
     * session.  Optional: NULL = the module gets secrets elsewhere (its
     * parameters).  Failure stops master start-up.
     */
    int (*initialize)(void *state, const butte_credential_t *credentials, size_t n,
                      butte_err_t *err);

    /*
     * mechanisms - the SASL mechanism names this authenticator speaks
     * ("CRAM-MD5"), NULL-terminated, static or in the instance's pool
     * (valid for the instance's lifetime).  Required; never fails.
     */
    const char *const *(*mechanisms)(void *state);

    /*
     * start - a peer started an exchange with mechanism and initial data
     * (len may be 0).  Required.  pool belongs to this session and dies
     * after it ends; *session receives the module's session state
     * (allocate it from pool, or free it in finish()).  Fills *out.
     * BUTTE_EDECLINED if mechanism is not one of mechanisms().
     */
    int (*start)(void *state, butte_pool_t *pool, const char *mechanism, const void *data,
                 size_t len, void **session, butte_auth_step_t *out, butte_err_t *err);

    /*
     * step - the peer's next data for session.  Required.  Fills *out.
     * Not called after a COMPLETED or FAILED outcome.
     */
    int (*step)(void *state, void *session, const void *data, size_t len,
                butte_auth_step_t *out, butte_err_t *err);

    /*
     * finish - the exchange ended (completed, failed, peer gone, or the
     * master's timeout).  Called once per successful start(), before the
     * session's pool is destroyed.  Optional: NULL = the pool is enough.
     */
    void (*finish)(void *state, void *session);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_authenticator_ops_t;

/* ---------------------------------------------------------------- authenticatee */

typedef struct butte_authenticatee_ops {
    uint32_t size;     /* sizeof (butte_authenticatee_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * start - begin authenticating as credential against a master that
     * offered n mechanisms.  Required.  pool belongs to this session;
     * *session receives the module's session state.  Set out->mechanism
     * (one of offered) and out->data/len (the initial response) and
     * out->status CONTINUE.  BUTTE_EDECLINED if no offered mechanism is
     * supported.
     */
    int (*start)(void *state, butte_pool_t *pool, const butte_credential_t *credential,
                 const char *const *offered, size_t n, void **session, butte_auth_step_t *out,
                 butte_err_t *err);

    /*
     * step - the master's challenge data for session; set out->data/len
     * to the response and out->status CONTINUE (or FAILED with a reason
     * if the challenge is malformed).  Required.  The exchange ends when
     * the master sends completed/failed, not through this slot.
     */
    int (*step)(void *state, void *session, const void *data, size_t len,
                butte_auth_step_t *out, butte_err_t *err);

    /* finish - as butte_authenticator_ops_t.finish.  Optional. */
    void (*finish)(void *state, void *session);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_authenticatee_ops_t;

/* ---------------------------------------------------------------- http authenticator */

/* The parts of an HTTP request an authenticator sees.  Borrowed. */
typedef struct butte_http_auth_request {
    uint32_t size;
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* "/api/v1/scheduler", without the query */
    const butte_param_t *headers; /* n_headers, names as received (compare case-blind) */
    size_t n_headers;
    const char *realm;           /* "mesos", "mesos-master-readonly", ... */
    const char *peer;            /* "ip:port" of the client */
} butte_http_auth_request_t;

/* butte_http_auth_result_t.outcome values */
#define BUTTE_HTTP_AUTH_OK 1           /* principal is authenticated */
#define BUTTE_HTTP_AUTH_UNAUTHORIZED 2 /* answer 401 with challenge */
#define BUTTE_HTTP_AUTH_FORBIDDEN 3    /* answer 403 with reason */

/* The kernel zeroes it and sets size; strings point into the slot's pool. */
typedef struct butte_http_auth_result {
    uint32_t size;
    int outcome;           /* BUTTE_HTTP_AUTH_* */
    const char *principal; /* OK */
    const char *challenge; /* UNAUTHORIZED: WWW-Authenticate value, 'Basic realm="mesos"' */
    const char *reason;    /* UNAUTHORIZED or FORBIDDEN: response body, may be NULL */
} butte_http_auth_result_t;

typedef struct butte_http_authenticator_ops {
    uint32_t size;     /* sizeof (butte_http_authenticator_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /* scheme - "Basic", "Bearer", ...: static, for logs.  Required. */
    const char *(*scheme)(void *state);

    /*
     * authenticate - decide req.  Required.  pool is the request's.
     * Returns 0 with *out filled, or BUTTE_EDECLINED when the request
     * carries credentials of another scheme (the next authenticator
     * decides; when all decline or challenge, the kernel answers 401 with
     * every challenge given), or another BUTTE_E* (answered 500, logged).
     * A request with no credentials at all gets UNAUTHORIZED + challenge.
     */
    int (*authenticate)(void *state, const butte_http_auth_request_t *req, butte_pool_t *pool,
                        butte_http_auth_result_t *out, butte_err_t *err);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_http_authenticator_ops_t;

BUTTE_END_DECLS

#endif
