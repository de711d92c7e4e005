"""The live-feed process: `gunicorn -k gevent --worker-connections 5000 -w 1 feed:app`.

It serves the event-stream URLs (`/api/v1/lots/<id>/events`, `/api/v1/auctions/<id>/events`)
that the proxy routes to it; an open stream costs a greenlet here, not one of the API's threads.
The standard library is patched before anything else is imported, so psycopg (which then waits on
the patched select instead of in C) and redis-py yield to other greenlets while they wait."""
from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402

from market import create_app  # noqa: E402

app = create_app()
gc.freeze()   # what start-up built stays out of the collections a process of thousands of streams runs
