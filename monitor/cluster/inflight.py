"""Requests a node has popped and not finished, kept in Redis so a node that dies loses none of them.

A pop moves a request from the shared queue into the node's in-flight hash in one step;
the node removes it (acks) once its response, and every item and request that came of
it, has been handled. A node that stops cleanly puts what it still holds back in the
queue; one that dies (no heartbeat for `node_timeout`) has its requests put back by the
next node that looks (`reap`). Each script runs atomically in Redis, so no node ever
sees a request in neither place.
"""

from __future__ import annotations

import json
import uuid

from .connection import KEYS, PREFIX

META_KEY = "cluster_inflight"  # request.meta: the request's field in its node's in-flight hash

_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], ARGV[1], found[1])
return found[1]
"""

# Dead nodes (no heartbeat): their requests go back in the queue, a "lost" report marks the
# cycle incomplete; a cycle nobody works on any more, with nothing queued, is closed.
_REAP = """
local cycle = redis.call('GET', KEYS[3])
local moved = 0
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[4] and redis.call('EXISTS', ARGV[1] .. node) == 0 then
    for _, request in ipairs(redis.call('HVALS', ARGV[2] .. node)) do
      redis.call('ZADD', KEYS[2], 0, request)
      moved = moved + 1
    end
    redis.call('DEL', ARGV[2] .. node)
    redis.call('SREM', KEYS[1], node)
    if cycle then
      redis.call('RPUSH', ARGV[3] .. cycle .. ':reports', cjson.encode({node = node, reason = 'lost'}))
    end
  end
end
if cycle and ARGV[4] == '' and redis.call('SCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3], KEYS[4])
  redis.call('LPUSH', KEYS[5], cjson.encode({kind = 'cycle_done', cycle = cycle}))
end
return moved
"""

_DRAINED = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
for _, node in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. node) > 0 then return 0 end
end
return 1
"""

_REQUEUE = """
local requests = redis.call('HVALS', KEYS[1])
for _, request in ipairs(requests) do redis.call('ZADD', KEYS[2], 0, request) end
redis.call('DEL', KEYS[1])
return #requests
"""

# A node leaves its cycle: its report is filed; the last one out (nothing queued, no other
# node left) closes the cycle, marks it just closed (so nodes of the same cron tick that
# start late do not open another) and tells ingest. Nodes that died idle do not hold it open.
_LEAVE = """
redis.call('RPUSH', ARGV[4], ARGV[3])
redis.call('SREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[5] .. node) == 0 and redis.call('HLEN', ARGV[6] .. node) == 0 then
    redis.call('SREM', KEYS[1], node)
    redis.call('RPUSH', ARGV[4], cjson.encode({node = node, reason = 'lost'}))
  end
end
if redis.call('SCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[1])
redis.call('SET', KEYS[6], ARGV[2], 'PX', ARGV[7])
redis.call('LPUSH', KEYS[5], cjson.encode({kind = 'cycle_done', cycle = ARGV[2]}))
return 1
"""


class Inflight:
    """One node's view of the shared queue and in-flight hashes."""

    def __init__(self, server, node: str, node_timeout: float = 30.0) -> None:
        self.server = server
        self.node = node
        self.node_timeout = node_timeout
        self.key = KEYS.inflight(node)
        self._pop = server.register_script(_POP)
        self._reap = server.register_script(_REAP)
        self._drained = server.register_script(_DRAINED)
        self._requeue = server.register_script(_REQUEUE)
        self._leave = server.register_script(_LEAVE)

    def pop(self, queue: str) -> tuple[str, bytes] | None:
        """(in-flight key, encoded request) of the queue's first request, now held by this node."""
        field = uuid.uuid4().hex
        data = self._pop(keys=[queue, self.key], args=[field])
        return (field, data) if data else None

    def push(self, queue: str, data: bytes, score: float, replaces: str | None = None) -> None:
        """Queue an encoded request; `replaces`: the in-flight request it stands in for (a retry, a redirect)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.execute_command("ZADD", queue, score, data)
        if replaces:
            pipe.hdel(self.key, replaces)
        pipe.execute()

    def ack(self, field: str) -> None:
        self.server.hdel(self.key, field)

    def held(self) -> int:
        return self.server.hlen(self.key)

    def requeue(self) -> int:
        """Put every request this node still holds back in the queue (a clean stop before the end)."""
        return self._requeue(keys=[self.key, KEYS.queue])

    def reap(self, joining: bool = False) -> int:
        """Put dead nodes' requests back in the queue; when `joining`, also close a cycle left with nothing to do."""
        return self._reap(
            keys=[KEYS.nodes, KEYS.queue, KEYS.cycle, KEYS.dupefilter, KEYS.results],
            args=[KEYS.alive(""), KEYS.inflight(""), PREFIX + "cycle:", "" if joining else self.node],
        )

    def drained(self) -> bool:
        """Nothing queued and nothing in flight on any node of the cycle (checked atomically)."""
        return bool(self._drained(keys=[KEYS.queue, KEYS.nodes], args=[KEYS.inflight("")]))

    def leave(self, cycle: str, report: dict) -> bool:
        """File this node's report and leave the cycle; True if this closed the cycle."""
        return bool(self._leave(
            keys=[KEYS.nodes, KEYS.queue, KEYS.cycle, KEYS.dupefilter, KEYS.results, KEYS.closed],
            args=[self.node, cycle, json.dumps(report, ensure_ascii=False), KEYS.reports(cycle),
                  KEYS.alive(""), KEYS.inflight(""), int(self.node_timeout * 1000)],
        ))
