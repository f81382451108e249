# allocators/local.mk - the first-party allocator and sorter modules
# (allocators/README.md): libhierarchical.so (org_apache_mesos_HierarchicalDRF)
# and libsorters.so (org_apache_mesos_DRFSorter, org_apache_mesos_RandomSorter).
# Installed in $(moddir); the master finds them through allocators/selection.h.

mod_LTLIBRARIES += allocators/libsorters.la allocators/libhierarchical.la
allocators_libsorters_la_SOURCES = \
	allocators/sorter-common.c \
	allocators/sorter-common.h \
	allocators/sorter-drf.c \
	allocators/sorter-random.c
allocators_libsorters_la_CFLAGS = $(MODULE_CFLAGS)
allocators_libsorters_la_LDFLAGS = $(MODULE_LDFLAGS)
allocators_libsorters_la_LIBADD = kernel/libbutte.la -lm

allocators_libhierarchical_la_SOURCES = \
	allocators/hierarchical.c \
	allocators/hier-agents.c \
	allocators/hier-map.c \
	allocators/hier-pass.c \
	allocators/hier-internal.h
allocators_libhierarchical_la_CFLAGS = $(MODULE_CFLAGS)
allocators_libhierarchical_la_LDFLAGS = $(MODULE_LDFLAGS)
allocators_libhierarchical_la_LIBADD = kernel/libbutte.la

noinst_HEADERS += allocators/selection.h
EXTRA_DIST += allocators/README.md
