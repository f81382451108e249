# authenticators/local.mk - nothing is built here yet; the issue that brings authenticators fills it.
