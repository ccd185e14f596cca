"""Threads of PySpark clients for the load scripts: one thread per session, started together.

Each client is called as client(i, ready): it sets its session up, then calls ready.wait() (or
ready.abort() if it cannot), then runs its load. start_clients prints READY once every client has
set up, so a test or benchmark starts its upgrade only then.
"""
import threading


def start_clients(count, client):
    """Starts count clients; returns their threads once all are set up (READY) or one gave up."""
    ready = threading.Barrier(count + 1)
    threads = [threading.Thread(target=client, args=(i, ready), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    try:
        ready.wait()
        print("READY", flush=True)
    except threading.BrokenBarrierError:
        pass
    return threads


def give_up(ready):
    """A client that could not set up: the others stop waiting for it."""
    try:
        ready.abort()
    except threading.BrokenBarrierError:
        pass
