#!/bin/sh
# Wait for the database, then run the container's command in place of this shell.
# The one-shot "migrate" service runs `entrypoint python manage.py migrate`; web, worker and
# beat start only after it has finished.
set -eu

attempts=${DATABASE_WAIT_SECONDS:-60}
until python manage.py shell -c "from django.db import connection; connection.ensure_connection()" >/dev/null 2>&1; do
    attempts=$((attempts - 1))
    if [ "$attempts" -le 0 ]; then
        echo "entrypoint: the database did not answer; giving up" >&2
        exit 1
    fi
    sleep 1
done

exec "$@"
