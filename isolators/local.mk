# isolators/local.mk - nothing is built here yet; the issue that brings isolators fills it.
