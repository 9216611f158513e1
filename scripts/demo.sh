#!/bin/sh
# `make demo`: the classic pipeline end to end on ./lake (or $EVLAKE_HOME): three simulated hours
# of generator, hourly ETL and crawler, then the lake and its reconciliation. Safe to run again.
set -e
exec "$1" demo --home "${EVLAKE_HOME:-lake}"
