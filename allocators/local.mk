# allocators/local.mk - nothing is built here yet; the issue that brings allocators fills it.
