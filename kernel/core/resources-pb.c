/*
 * kernel/core/resources-pb.c - mesos.v1.Resource <-> butte_res_t.
 *
 * The arithmetic keeps one canonical form (a reservation stack); the wire
 * has two (the stack, and the legacy role/reservation pair that older
 * frameworks still send and expect).  This file is the only place that
 * knows both.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/resources-internal.h"
#include "core/resources-pb.h"

static butte_reservation_type_t
reservation_type(const Mesos__V1__Resource__ReservationInfo *ri, bool legacy_dynamic)
{
    if (ri->has_type)
        return (butte_reservation_type_t)ri->type;
    return legacy_dynamic ? BUTTE_RESERVATION_DYNAMIC : BUTTE_RESERVATION_STATIC;
}

static void
disk_from_pb(butte_pool_t *pool, const Mesos__V1__Resource__DiskInfo *d, butte_res_t *r)
{
    butte_disk_t *disk = butte_pool_alloc(pool, sizeof *disk);

    disk->size = sizeof *disk;
    if (d->persistence != NULL) {
        disk->persistence_id = d->persistence->id;
        disk->persistence_principal = d->persistence->principal;
    }
    if (d->volume != NULL) {
        disk->container_path = d->volume->container_path;
        disk->volume_mode = (int)d->volume->mode;
    }
    if (d->source != NULL) {
        disk->source_type = (butte_disk_source_t)d->source->type;
        if (d->source->path != NULL)
            disk->source_root = d->source->path->root;
        else if (d->source->mount != NULL)
            disk->source_root = d->source->mount->root;
        disk->source_id = d->source->id;
        disk->source_profile = d->source->profile;
    }
    r->disk = disk;
}

static int
one_from_pb(butte_pool_t *pool, const Mesos__V1__Resource *p, butte_res_t *r, butte_err_t *err)
{
    r->name = p->name;
    r->type = (butte_value_type_t)p->type;
    switch (p->type) {
    case MESOS__V1__VALUE__TYPE__SCALAR:
        if (p->scalar == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "resource '%s' has no scalar value", p->name);
        r->scalar = butte_scalar_from_double(p->scalar->value);
        break;
    case MESOS__V1__VALUE__TYPE__RANGES: {
        size_t n = p->ranges != NULL ? p->ranges->n_range : 0;
        butte_range_t *v = butte_pool_alloc(pool, (n + 1) * sizeof *v);

        for (size_t i = 0; i < n; i++) {
            v[i].begin = p->ranges->range[i]->begin;
            v[i].end = p->ranges->range[i]->end;
        }
        r->ranges = v;
        r->nranges = n;
        break;
    }
    case MESOS__V1__VALUE__TYPE__SET:
        r->items = p->set != NULL ? (const char *const *)p->set->item : NULL;
        r->nitems = p->set != NULL ? p->set->n_item : 0;
        break;
    default:
        return butte_err_set(err, BUTTE_EINVAL, "resource '%s' has an unsupported type",
                             p->name);
    }

    if (p->n_reservations > 0) {
        butte_reservation_t *v = butte_pool_alloc(pool, p->n_reservations * sizeof *v);

        for (size_t i = 0; i < p->n_reservations; i++) {
            v[i].type = reservation_type(p->reservations[i], false);
            v[i].role = p->reservations[i]->role;
            v[i].principal = p->reservations[i]->principal;
            if (v[i].role == NULL)
                return butte_err_set(err, BUTTE_EINVAL,
                                     "resource '%s': reservation %zu has no role", p->name, i);
        }
        r->reservations = v;
        r->nreservations = p->n_reservations;
    } else if (p->role != NULL && strcmp(p->role, "*") != 0) {
        /* pre-refinement: "role" is the reservation, "reservation" marks
         * it dynamic (and carries the principal) */
        butte_reservation_t *v = butte_pool_alloc(pool, sizeof *v);

        v->role = p->role;
        v->type = p->reservation != NULL ? BUTTE_RESERVATION_DYNAMIC : BUTTE_RESERVATION_STATIC;
        v->principal = p->reservation != NULL ? p->reservation->principal : NULL;
        r->reservations = v;
        r->nreservations = 1;
    }
    if (p->allocation_info != NULL)
        r->allocation_role = p->allocation_info->role;
    if (p->disk != NULL)
        disk_from_pb(pool, p->disk, r);
    if (p->provider_id != NULL)
        r->provider_id = p->provider_id->value;
    r->revocable = p->revocable != NULL;
    r->shared = p->shared != NULL;
    return BUTTE_OK;
}

int
butte_resources_from_pb(butte_pool_t *pool, Mesos__V1__Resource *const *v, size_t n,
                        butte_resources_t **out, butte_err_t *err)
{
    /* scratch for the arrays butte_resources_add copies */
    butte_pool_t *tmp = butte_pool_create(NULL);
    butte_resources_t *rs = butte_resources_create(pool);
    int rc = BUTTE_OK;

    for (size_t i = 0; i < n && rc == BUTTE_OK; i++) {
        butte_res_t r = BUTTE_RES_INIT;

        rc = one_from_pb(tmp, v[i], &r, err);
        if (rc == BUTTE_OK)
            rc = butte_resources_add(rs, &r, err);
        if (rc != BUTTE_OK)
            butte_err_prefix(err, "resources[%zu]", i);
    }
    butte_pool_destroy(tmp);
    if (rc == BUTTE_OK)
        *out = rs;
    return rc;
}

static Mesos__V1__Resource__ReservationInfo *
reservation_to_pb(butte_pool_t *pool, const butte_reservation_t *src, bool legacy)
{
    Mesos__V1__Resource__ReservationInfo *ri = butte_pool_alloc(pool, sizeof *ri);

    mesos__v1__resource__reservation_info__init(ri);
    if (!legacy) {
        ri->has_type = true;
        ri->type = (Mesos__V1__Resource__ReservationInfo__Type)src->type;
        ri->role = (char *)src->role;
    }
    ri->principal = (char *)src->principal;
    return ri;
}

static Mesos__V1__Resource__DiskInfo *
disk_to_pb(butte_pool_t *pool, const butte_disk_t *d)
{
    Mesos__V1__Resource__DiskInfo *di = butte_pool_alloc(pool, sizeof *di);

    mesos__v1__resource__disk_info__init(di);
    if (d->persistence_id != NULL) {
        di->persistence = butte_pool_alloc(pool, sizeof *di->persistence);
        mesos__v1__resource__disk_info__persistence__init(di->persistence);
        di->persistence->id = (char *)d->persistence_id;
        di->persistence->principal = (char *)d->persistence_principal;
    }
    if (d->container_path != NULL) {
        di->volume = butte_pool_alloc(pool, sizeof *di->volume);
        mesos__v1__volume__init(di->volume);
        di->volume->container_path = (char *)d->container_path;
        if (d->volume_mode != 0)
            di->volume->mode = (Mesos__V1__Volume__Mode)d->volume_mode;
    }
    if (d->source_type != BUTTE_DISK_SOURCE_NONE) {
        Mesos__V1__Resource__DiskInfo__Source *s = butte_pool_alloc(pool, sizeof *s);

        mesos__v1__resource__disk_info__source__init(s);
        s->type = (Mesos__V1__Resource__DiskInfo__Source__Type)d->source_type;
        if (d->source_root != NULL && d->source_type == BUTTE_DISK_SOURCE_PATH) {
            s->path = butte_pool_alloc(pool, sizeof *s->path);
            mesos__v1__resource__disk_info__source__path__init(s->path);
            s->path->root = (char *)d->source_root;
        } else if (d->source_root != NULL && d->source_type == BUTTE_DISK_SOURCE_MOUNT) {
            s->mount = butte_pool_alloc(pool, sizeof *s->mount);
            mesos__v1__resource__disk_info__source__mount__init(s->mount);
            s->mount->root = (char *)d->source_root;
        }
        s->id = (char *)d->source_id;
        s->profile = (char *)d->source_profile;
        di->source = s;
    }
    return di;
}

static Mesos__V1__Resource *
one_to_pb(butte_pool_t *pool, const butte_res_t *r, bool legacy)
{
    Mesos__V1__Resource *p = butte_pool_alloc(pool, sizeof *p);

    mesos__v1__resource__init(p);
    p->name = (char *)r->name;
    p->type = (Mesos__V1__Value__Type)r->type;
    if (r->type == BUTTE_VALUE_SCALAR) {
        p->scalar = butte_pool_alloc(pool, sizeof *p->scalar);
        mesos__v1__value__scalar__init(p->scalar);
        p->scalar->value = butte_scalar_to_double(r->scalar);
    } else if (r->type == BUTTE_VALUE_RANGES) {
        p->ranges = butte_pool_alloc(pool, sizeof *p->ranges);
        mesos__v1__value__ranges__init(p->ranges);
        p->ranges->n_range = r->nranges;
        p->ranges->range = butte_pool_alloc(pool, (r->nranges + 1) * sizeof *p->ranges->range);
        for (size_t i = 0; i < r->nranges; i++) {
            Mesos__V1__Value__Range *rg = butte_pool_alloc(pool, sizeof *rg);

            mesos__v1__value__range__init(rg);
            rg->begin = r->ranges[i].begin;
            rg->end = r->ranges[i].end;
            p->ranges->range[i] = rg;
        }
    } else if (r->type == BUTTE_VALUE_SET) {
        p->set = butte_pool_alloc(pool, sizeof *p->set);
        mesos__v1__value__set__init(p->set);
        p->set->n_item = r->nitems;
        p->set->item = (char **)r->items;
    }

    if (legacy) {
        /* pre-refinement: the role field, plus "reservation" when the
         * (single) reservation is dynamic */
        p->role = (char *)butte_res_role(r);
        if (r->nreservations > 0 &&
            r->reservations[r->nreservations - 1].type == BUTTE_RESERVATION_DYNAMIC)
            p->reservation = reservation_to_pb(pool, &r->reservations[r->nreservations - 1], true);
    } else {
        p->role = NULL;
        p->n_reservations = r->nreservations;
        p->reservations = butte_pool_alloc(pool, (r->nreservations + 1) * sizeof *p->reservations);
        for (size_t i = 0; i < r->nreservations; i++)
            p->reservations[i] = reservation_to_pb(pool, &r->reservations[i], false);
    }
    if (r->allocation_role != NULL) {
        p->allocation_info = butte_pool_alloc(pool, sizeof *p->allocation_info);
        mesos__v1__resource__allocation_info__init(p->allocation_info);
        p->allocation_info->role = (char *)r->allocation_role;
    }
    if (r->disk != NULL)
        p->disk = disk_to_pb(pool, r->disk);
    if (r->provider_id != NULL) {
        p->provider_id = butte_pool_alloc(pool, sizeof *p->provider_id);
        mesos__v1__resource_provider_id__init(p->provider_id);
        p->provider_id->value = (char *)r->provider_id;
    }
    if (r->revocable) {
        p->revocable = butte_pool_alloc(pool, sizeof *p->revocable);
        mesos__v1__resource__revocable_info__init(p->revocable);
    }
    if (r->shared) {
        p->shared = butte_pool_alloc(pool, sizeof *p->shared);
        mesos__v1__resource__shared_info__init(p->shared);
    }
    return p;
}

void
butte_resources_to_pb(butte_pool_t *pool, const butte_resources_t *rs, bool legacy,
                      Mesos__V1__Resource ***out, size_t *n)
{
    size_t count = butte_resources_count(rs);
    Mesos__V1__Resource **v = butte_pool_alloc(pool, (count + 1) * sizeof *v);

    for (size_t i = 0; i < count; i++)
        v[i] = one_to_pb(pool, butte_resources_at(rs, i), legacy);
    *out = v;
    *n = count;
}

json_t *
butte_resources_to_state_json(butte_pool_t *pool, const butte_resources_t *rs)
{
    json_t *o = json_object();
    size_t count = butte_resources_count(rs);

    /* Mesos always shows the four scalars, even at zero (the web UI
     * divides by them) */
    json_object_set_new(o, "disk", json_real(butte_resources_scalar(rs, "disk")));
    json_object_set_new(o, "mem", json_real(butte_resources_scalar(rs, "mem")));
    json_object_set_new(o, "gpus", json_real(butte_resources_scalar(rs, "gpus")));
    json_object_set_new(o, "cpus", json_real(butte_resources_scalar(rs, "cpus")));
    for (size_t i = 0; i < count; i++) {
        const butte_res_t *r = butte_resources_at(rs, i);

        if (r->type == BUTTE_VALUE_SCALAR) {
            json_object_set_new(o, r->name, json_real(butte_resources_scalar(rs, r->name)));
        } else if (r->type == BUTTE_VALUE_RANGES) {
            /* merge every entry of this name (several roles) into one text */
            butte_resources_t *same = butte_resources_create(pool);
            char *buf = NULL;
            size_t len = 0;
            FILE *f;

            for (size_t j = 0; j < count; j++) {
                const butte_res_t *q = butte_resources_at(rs, j);

                if (q->type == BUTTE_VALUE_RANGES && strcmp(q->name, r->name) == 0) {
                    butte_res_t u = *q;

                    u.reservations = NULL;
                    u.nreservations = 0;
                    u.allocation_role = NULL;
                    butte_resources_add(same, &u, NULL);
                }
            }
            f = open_memstream(&buf, &len);
            if (f == NULL)
                continue;
            for (size_t j = 0; j < butte_resources_count(same); j++) {
                const butte_res_t *q = butte_resources_at(same, j);

                butte_res_print_ranges(f, q->ranges, q->nranges);
            }
            json_object_set_new(o, r->name,
                                json_string(butte_res_stream_done(pool, f, &buf)));
        } else if (r->type == BUTTE_VALUE_SET) {
            json_t *s = json_object_get(o, r->name);
            char *text = butte_pool_strdup(pool, "{");

            for (size_t j = 0; j < r->nitems; j++)
                text = butte_pool_printf(pool, "%s%s%s", text, j ? "," : "", r->items[j]);
            text = butte_pool_printf(pool, "%s}", text);
            if (s == NULL)
                json_object_set_new(o, r->name, json_string(text));
        }
    }
    return o;
}
