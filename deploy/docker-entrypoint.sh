#!/bin/sh
# The container's entry point: migrate, then hand the process over to `qotd <command>`.
#   QOTD_MIGRATE_ON_START=0  skip the migration (Kubernetes runs it once in a Job instead)
#   QOTD_POD_INDEX           a StatefulSet pod's ordinal: becomes DISCORD_SHARD_IDS unless that is set
set -e
if [ -n "${QOTD_POD_INDEX:-}" ] && [ -z "${DISCORD_SHARD_IDS:-}" ]; then
    DISCORD_SHARD_IDS="$QOTD_POD_INDEX"
    export DISCORD_SHARD_IDS
fi
if [ "${1:-run}" = "run" ] && [ "${QOTD_MIGRATE_ON_START:-1}" = "1" ]; then
    python -m bot db upgrade
fi
exec python -m bot "$@"
